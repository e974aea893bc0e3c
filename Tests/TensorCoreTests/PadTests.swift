import XCTest
@testable import TensorCore

final class PadTests: XCTestCase {
    /// Naive pad: crop first (negative pads), then read each output cell by walking the rule of
    /// the mode one reflection / wrap at a time.
    private func naivePad(_ x: NaiveArray, pads: [Int], mode: PadMode, value: Double) -> NaiveArray {
        let rank = x.shape.count
        let begins = Array(pads[0..<rank]), ends = Array(pads[rank...])
        let keptShape = (0..<rank).map { x.shape[$0] - max(-begins[$0], 0) - max(-ends[$0], 0) }
        let outShape = (0..<rank).map { keptShape[$0] + max(begins[$0], 0) + max(ends[$0], 0) }
        var out = NaiveArray(repeating: 0, shape: outShape)
        for index in out.allIndices {
            var source: [Int] = []
            var inside = true
            for a in 0..<rank {
                let n = keptShape[a]
                var q = index[a] - max(begins[a], 0)
                if q < 0 || q >= n {
                    switch mode {
                    case .constant: inside = false
                    case .edge: q = q < 0 ? 0 : n - 1
                    case .reflect:
                        if n == 1 { q = 0 }
                        while q < 0 || q >= n {
                            if q < 0 { q = -q }
                            if q >= n { q = 2 * (n - 1) - q }
                        }
                    case .wrap:
                        while q < 0 { q += n }
                        while q >= n { q -= n }
                    }
                }
                source.append(q + max(-begins[a], 0))
            }
            out[index] = inside ? x[source] : value
        }
        return out
    }

    func testRandomPadsEveryModeAndDType() throws {
        var rng = TestRandom(seed: 41)
        for trial in 0..<160 {
            let dtype = allShapeTestDTypes[trial % allShapeTestDTypes.count]
            let mode = PadMode.allCases[(trial / allShapeTestDTypes.count) % PadMode.allCases.count]
            let rank = rng.int(1, 4)
            let shape = rng.shape(rank: rank, maxLength: 5)
            var begins: [Int] = [], ends: [Int] = []
            for a in 0..<rank {
                // Crop at most n-1 cells so that edge/reflect/wrap always have a cell to copy.
                let n = shape[a]
                let b = rng.int(-(n - 1) / 2, 4)
                let e = rng.int(-(n - 1 - max(-b, 0)), 4)
                begins.append(b); ends.append(e)
            }
            let pads = begins + ends
            let value = dtype == .bool ? 1 : 3
            let x = rng.anyTensor(shape, dtype: dtype)
            let out = try x.padded(pads: pads, mode: mode, value: Double(value))
            let expected = naivePad(NaiveArray(x), pads: pads, mode: mode, value: Double(value))
            XCTAssertEqual(out.dtype, dtype)
            XCTAssertEqual(out.shape, expected.shape, "trial \(trial) \(mode) pads \(pads) shape \(shape)")
            XCTAssertEqual(out.doubles(), expected.values, "trial \(trial) \(mode) \(dtype) pads \(pads) shape \(shape)")
        }
    }

    /// The examples of the ONNX Pad documentation (values checked with numpy.pad).
    func testKnownCases() throws {
        let x = try Tensor(shape: [3, 2], scalars: [1.0, 1.2, 2.3, 3.4, 4.5, 5.7])
        XCTAssertEqual(try x.padded(pads: [0, 2, 0, 0], mode: .constant).doubles(),
                       [0, 0, 1.0, 1.2, 0, 0, 2.3, 3.4, 0, 0, 4.5, 5.7])
        XCTAssertEqual(try x.padded(pads: [0, 2, 0, 0], mode: .reflect).doubles(),
                       [1.0, 1.2, 1.0, 1.2, 2.3, 3.4, 2.3, 3.4, 4.5, 5.7, 4.5, 5.7])
        XCTAssertEqual(try x.padded(pads: [0, 2, 0, 0], mode: .edge).doubles(),
                       [1.0, 1.0, 1.0, 1.2, 2.3, 2.3, 2.3, 3.4, 4.5, 4.5, 4.5, 5.7])
        let wrapped = try x.padded(pads: [2, 1, 1, 1], mode: .wrap)
        XCTAssertEqual(wrapped.shape, [6, 4])
        XCTAssertEqual(wrapped.doubles(), [3.4, 2.3, 3.4, 2.3, 5.7, 4.5, 5.7, 4.5, 1.2, 1.0, 1.2, 1.0,
                                           3.4, 2.3, 3.4, 2.3, 5.7, 4.5, 5.7, 4.5, 1.2, 1.0, 1.2, 1.0])
        // Reflect repeats past the border like numpy: np.pad(arange(3), (7, 5), 'reflect').
        let line = try Tensor(shape: [3], scalars: [Int64(0), 1, 2])
        XCTAssertEqual(try line.padded(pads: [7, 5], mode: .reflect).scalars(Int64.self),
                       [1, 2, 1, 0, 1, 2, 1, 0, 1, 2, 1, 0, 1, 2, 1])
        // Crop first, then pad from the cropped border.
        XCTAssertEqual(try line.padded(pads: [-1, 2], mode: .edge).scalars(Int64.self), [1, 2, 2, 2])
        XCTAssertEqual(try line.padded(pads: [2, -1], mode: .reflect).scalars(Int64.self), [0, 1, 0, 1])
        XCTAssertEqual(try line.padded(pads: [-3, 0]).shape, [0])
    }

    func testAxesAndConstantValues() throws {
        let x = try Tensor(shape: [2, 2, 2], scalars: (0..<8).map { Int64($0) })
        let out = try x.padded(pads: [1, 0], mode: .constant, value: -7, axes: [-1])
        XCTAssertEqual(out.shape, [2, 2, 3])
        XCTAssertEqual(try out.scalars(Int64.self), [-7, 0, 1, -7, 2, 3, -7, 4, 5, -7, 6, 7])
        let flags = try Tensor(shape: [2], scalars: [false, false])
        XCTAssertEqual(try flags.padded(pads: [1, 1], value: 1).scalars(Bool.self), [true, false, false, true])
        let big = try Tensor(shape: [1], scalars: [Int64.max])
        XCTAssertEqual(try big.padded(pads: [0, 1], mode: .edge).scalars(Int64.self), [Int64.max, Int64.max])
    }

    func testLargeReflectMatchesNaive() throws {
        var rng = TestRandom(seed: 42)
        let x = rng.tensor([2, 8, 60, 70], dtype: .float32)
        let pads = [0, 0, 3, 2, 0, 0, 1, 4]
        for mode in PadMode.allCases {
            let out = try x.padded(pads: pads, mode: mode)
            XCTAssertEqual(out.doubles(), naivePad(NaiveArray(x), pads: pads, mode: mode, value: 0).values, "\(mode)")
        }
    }

    func testErrors() {
        let x = Tensor(zeros: [2, 3])
        assertThrowsTensorError(try x.padded(pads: [1, 1]))
        assertThrowsTensorError(try x.padded(pads: [0, -3, 0, -1]))
        assertThrowsTensorError(try x.padded(pads: [0, -3, 0, 1], mode: .reflect))
        assertThrowsTensorError(try x.padded(pads: [0, 0], axes: [2]))
        assertThrowsTensorError(try x.padded(pads: [0, 0, 0, 0], axes: [1, -1]))
        assertThrowsTensorError(try Tensor(zeros: [0, 2]).padded(pads: [1, 0, 0, 0], mode: .edge))
    }

    func testGradientEveryMode() throws {
        var rng = TestRandom(seed: 43)
        for mode in PadMode.allCases {
            try assertGradientsMatch([rng.tensor([2, 3, 4])]) { try $0[0].padded(pads: [1, 4, 2, 0, 3, -1], mode: mode, value: 0.5) }
            try assertGradientsMatch([rng.tensor([5])]) { try $0[0].padded(pads: [-1, 6], mode: mode) }
        }
    }
}
