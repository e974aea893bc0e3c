import XCTest
@testable import TensorCore

/// Reshape, expand, sum-to-shape, (un)squeeze and dtype casts.
final class ViewsAndCastTests: XCTestCase {

    // MARK: Reshape

    func testReshapeKeepsRowMajorOrderAndSharesStorage() throws {
        var rng = TestRandom(seed: 61)
        let (x, nx) = try rng.operand([2, 3, 4], .float32)
        for (target, expected) in [([6, 4], [6, 4]), ([-1], [24]), ([4, -1, 2], [4, 3, 2]), ([24, 1], [24, 1]), ([1, 2, 1, 12], [1, 2, 1, 12])] {
            let y = try x.reshaped(target)
            XCTAssertEqual(y.shape, expected)
            XCTAssertEqual(y.doubles(), nx.values)
            XCTAssertTrue(y.storage === x.storage, "reshape of a contiguous tensor is a free view")
        }
        XCTAssertEqual(try Tensor(scalar: Float(3)).reshaped([1, 1]).shape, [1, 1])
        XCTAssertEqual(try Tensor(zeros: [1, 1]).reshaped([]).shape, [])
        XCTAssertEqual(try Tensor(zeros: [2, 0]).reshaped([0, 5]).shape, [0, 5])
        // A view is materialised in row-major order of its logical shape.
        let (v, nv) = try rng.expandedOperand([3, 4, 2], .float64)
        XCTAssertEqual(try v.reshaped([4, 6]).doubles(), nv.values)
        XCTAssertEqual(try v.reshaped([4, 6]).shape, [4, 6])
    }

    func testReshapeErrors() throws {
        let x = Tensor(zeros: [2, 3])
        for bad in [[5], [-1, -1], [2, -2], [-3, 2], [4, -1], [7]] {
            XCTAssertThrowsError(try x.reshaped(bad), "\(bad)") { error in
                switch error as? TensorError {
                case .shapeMismatch?, .invalidArgument?: break
                default: XCTFail("\(bad): \(error)")
                }
            }
        }
        XCTAssertThrowsError(try Tensor(zeros: [2, 0]).reshaped([0, -1]), "-1 cannot be inferred next to a zero size")
    }

    // MARK: Expand and sum-to-shape

    func testExpandedIsAStrideZeroView() throws {
        var rng = TestRandom(seed: 62)
        let cases: [([Int], [Int])] = [([3, 1], [2, 3, 4]), ([], [2, 2]), ([1], [5]), ([4], [3, 4]), ([2, 1, 3], [2, 5, 3]),
                                       ([1, 1], [1, 1]), ([1, 3], [0, 3]), ([2, 3], [2, 3])]
        for (source, target) in cases {
            let (x, nx) = try rng.operand(source, .float32)
            let y = try x.expanded(to: target)
            XCTAssertEqual(y.shape, target)
            XCTAssertEqual(y.doubles(), nx.broadcast(to: target).values, "\(source) → \(target)")
            XCTAssertTrue(y.storage === x.storage, "expand never copies")
        }
        // Expanding a view again.
        let (x, nx) = try rng.operand([3, 1], .float64)
        let twice = try x.expanded(to: [3, 4]).expanded(to: [2, 3, 4])
        XCTAssertEqual(twice.doubles(), nx.broadcast(to: [2, 3, 4]).values)
        XCTAssertEqual(twice.strides.filter { $0 == 0 }.count, 2)
    }

    func testExpandErrors() throws {
        let x = Tensor(zeros: [2, 3])
        for bad in [[3, 3], [3], [2, 1], [4, 2, 2], [-1, 3], [2, -3]] {
            XCTAssertThrowsError(try x.expanded(to: bad), "\(bad)") { error in
                guard case TensorError.shapeMismatch = error else { return XCTFail("\(bad): \(error)") }
            }
        }
        XCTAssertThrowsError(try Tensor(zeros: [1]).expanded(to: [-1]), "a negative size is not a shape") { error in
            switch error as? TensorError {
            case .shapeMismatch?, .invalidArgument?: break
            default: XCTFail("\(error)")
            }
        }
    }

    func testSummedToShape() throws {
        var rng = TestRandom(seed: 63)
        let cases: [([Int], [Int])] = [([2, 3, 4], [3, 1]), ([2, 3, 4], []), ([2, 3, 4], [4]), ([2, 3, 4], [2, 1, 4]),
                                       ([2, 3, 4], [1, 1, 1]), ([2, 3, 4], [2, 3, 4]), ([5], [1]), ([0, 3], [3])]
        for (source, target) in cases {
            let (x, nx) = try rng.operand(source, .float64)
            let y = try x.summed(toShape: target)
            XCTAssertEqual(y.shape, target)
            // Reference: every source element adds into the target element it was broadcast from.
            var ref = NaiveArray(shape: target, repeating: 0)
            let lead = source.count - target.count
            for index in naiveIndices(source) {
                let t = target.indices.map { target[$0] == 1 ? 0 : index[$0 + lead] }
                ref[t] += nx[index]
            }
            assertClose(y.doubles(), ref.values, abs: 1e-12, rel: 1e-12, "\(source) → \(target)")
        }
        let x = Tensor(zeros: [2, 3])
        for bad in [[1, 2, 3], [2, 2], [3, 3]] {
            XCTAssertThrowsError(try x.summed(toShape: bad), "\(bad)") { error in
                guard case TensorError.shapeMismatch = error else { return XCTFail("\(error)") }
            }
        }
    }

    // MARK: Unsqueeze and squeeze

    func testUnsqueezeAndSqueeze() throws {
        let x = try Tensor(shape: [2, 3], scalars: (0..<6).map { Float($0) })
        XCTAssertEqual(try x.unsqueezed(axes: [0]).shape, [1, 2, 3])
        XCTAssertEqual(try x.unsqueezed(axes: [-1]).shape, [2, 3, 1])
        XCTAssertEqual(try x.unsqueezed(axes: [1]).shape, [2, 1, 3])
        XCTAssertEqual(try x.unsqueezed(axes: [0, 3]).shape, [1, 2, 3, 1])
        XCTAssertEqual(try x.unsqueezed(axes: [-1, 0]).shape, [1, 2, 3, 1])
        XCTAssertEqual(try x.unsqueezed(axes: [1, 2]).shape, [2, 1, 1, 3])
        XCTAssertEqual(try x.unsqueezed(axes: []).shape, [2, 3])
        XCTAssertEqual(try Tensor(scalar: 1.0).unsqueezed(axes: [0]).shape, [1])
        XCTAssertEqual(try x.unsqueezed(axes: [1]).doubles(), x.doubles())
        for bad in [[4], [-5], [0, 0], [1, -3]] {
            XCTAssertThrowsError(try x.unsqueezed(axes: bad), "\(bad)") { error in
                guard case TensorError.invalidArgument = error else { return XCTFail("\(error)") }
            }
        }
        let y = try x.reshaped([1, 2, 1, 3, 1])
        XCTAssertEqual(try y.squeezed().shape, [2, 3])
        XCTAssertEqual(try y.squeezed(axes: [0]).shape, [2, 1, 3, 1])
        XCTAssertEqual(try y.squeezed(axes: [-1, 2]).shape, [1, 2, 3])
        XCTAssertEqual(try y.squeezed().doubles(), x.doubles())
        XCTAssertEqual(try Tensor(zeros: [1, 1]).squeezed().shape, [])
        for bad in [[1], [3], [5], [-6], [0, 0]] {
            XCTAssertThrowsError(try y.squeezed(axes: bad), "\(bad)") { error in
                guard case TensorError.invalidArgument = error else { return XCTFail("\(error)") }
            }
        }
    }

    // MARK: View backward

    func testViewBackward() throws {
        var rng = TestRandom(seed: 64)
        let x = try makeTensor([2, 3], rng.values(6, .float64), .float64)
        try assertGradientsMatch([x]) { xs in try xs[0].reshaped([3, 2]).binary(.multiply, xs[0].reshaped([3, 2])) }
        try assertGradientsMatch([x]) { xs in try xs[0].reshaped([-1]).unary(.sin) }
        try assertGradientsMatch([x]) { xs in try xs[0].unsqueezed(axes: [0, 2]).expanded(to: [4, 2, 2, 3]) }
        try assertGradientsMatch([x]) { xs in try xs[0].expanded(to: [2, 2, 3]).reshaped([4, 3]).unary(.exp) }
        try assertGradientsMatch([x]) { xs in try xs[0].summed(toShape: [3]) }
        try assertGradientsMatch([x]) { xs in try xs[0].summed(toShape: [2, 1]).unary(.tanh) }
        let y = try makeTensor([1, 3, 1], rng.values(3, .float64), .float64)
        try assertGradientsMatch([y]) { xs in try xs[0].squeezed().expanded(to: [2, 3]).reshaped([3, 2]) }
        try assertGradientsMatch([y]) { xs in try xs[0].expanded(to: [2, 3, 4]).summed(toShape: [3, 1]) }
    }

    // MARK: Cast

    static let intRanges: [DType: (Double, Double)] = [
        .int64: (-9_223_372_036_854_775_808, 9_223_372_036_854_775_807), .int32: (-2_147_483_648, 2_147_483_647),
        .int8: (-128, 127), .uint8: (0, 255),
    ]

    /// The cast rule written out: floats round to nearest, integers truncate toward zero and
    /// saturate (NaN → 0), Bool is `!= 0`.
    static func referenceCast(_ v: Double, to target: DType) -> Double {
        switch target {
        case .float64: return v
        case .float32: return Double(Float(v))
        case .float16: return Double(Float16(v))
        case .bool: return v != 0 ? 1 : 0
        default:
            let (lo, hi) = intRanges[target]!
            if v.isNaN { return 0 }
            if v <= lo { return lo }
            if v >= hi { return hi }
            return v.rounded(.towardZero)
        }
    }

    static let sourceValues: [DType: [Double]] = {
        let floats: [Double] = [0, -0.0, 1.5, -1.5, 2.7, -2.7, 127.9, 128.5, -128.7, -129, 255.9, 256, 300, -300, 1e10, -1e10, 3e9,
                                .nan, .infinity, -.infinity, 0.1, 1.0 / 3, 65504, 65519, 70000, 1 + 0x1p-11, 1 + 3 * 0x1p-11, 1e-8]
        return [
            .float64: floats, .float32: roundedTo(.float32, floats), .float16: roundedTo(.float16, floats),
            .int64: [0, 1, -1, 127, 128, -129, 255, 256, 70000, 3_000_000_000, -3_000_000_000, 0x1p40, -0x1p63],
            .int32: [0, 1, -1, 127, 128, -128, -129, 255, 256, 65504, 70000, 2_147_483_647, -2_147_483_648],
            .int8: [0, 1, -1, 127, -128, 5, -5],
            .uint8: [0, 1, 127, 128, 255, 7],
            .bool: [0, 1, 1, 0],
        ]
    }()

    func testCastEveryPair() throws {
        for source in DType.allCases {
            let values = Self.sourceValues[source]!
            let x = try makeTensor([values.count], values, source)
            XCTAssertEqual(x.doubles().map { $0.isNaN ? 12345 : $0 }, values.map { $0.isNaN ? 12345 : $0 }, "test setup for \(source)")
            for target in DType.allCases {
                let y = try x.cast(to: target)
                XCTAssertEqual(y.dtype, target)
                XCTAssertEqual(y.shape, x.shape)
                let expected = values.map { Self.referenceCast($0, to: target) }
                let got = y.doubles()
                for i in values.indices where !(got[i].isNaN && expected[i].isNaN) {
                    XCTAssertEqual(got[i], expected[i], "\(source) → \(target): \(values[i])")
                }
            }
        }
    }

    func testFloat16RoundingAndRange() throws {
        let x = try Tensor(shape: [7], scalars: [1.0 / 3, 70000, 65504, 1 + 0x1p-11, 1 + 3 * 0x1p-11, 1e-8, -6e-8])
        let h = try x.cast(to: .float16).doubles()
        XCTAssertEqual(h[0], 0.333251953125)
        XCTAssertEqual(h[1], .infinity, "beyond the Float16 range")
        XCTAssertEqual(h[2], 65504)
        XCTAssertEqual(h[3], 1, "ties to even")
        XCTAssertEqual(h[4], 1 + 0x1p-9, "ties to even")
        XCTAssertEqual(h[5], 0)
        XCTAssertEqual(h[6], -0x1p-24, "subnormal")
        XCTAssertEqual(try x.cast(to: .float16).cast(to: .float32).dtype, .float32)
    }

    func testCastOfViewAndIdentity() throws {
        var rng = TestRandom(seed: 65)
        let (v, nv) = try rng.expandedOperand([3, 4, 5], .float64, -300, 300)
        for target in DType.allCases {
            let got = try v.cast(to: target).doubles()
            XCTAssertEqual(got, nv.values.map { Self.referenceCast($0, to: target) }, "view → \(target)")
        }
        let x = Tensor(zeros: [2], dtype: .int32)
        XCTAssertTrue(try x.cast(to: .int32).storage === x.storage, "a cast to the same dtype is free")
        XCTAssertEqual(try Tensor(zeros: [0, 3], dtype: .float32).cast(to: .int8).shape, [0, 3])
    }

    func testCastBackward() throws {
        var rng = TestRandom(seed: 66)
        let x = try makeTensor([2, 3], rng.values(6, .float64, 0.5, 1.5), .float64)
        // Through Float32: finite differences see Float32 rounding, so a larger step and tolerance.
        try assertGradientsMatch([x], tolerance: 1e-4, epsilon: 1e-2) { xs in
            let f = try xs[0].cast(to: .float32)
            return try f.binary(.multiply, f).cast(to: .float64).binary(.multiply, xs[0])
        }
        // Float32 parameter through Float64 compute: its gradient comes back as Float32.
        let p = Parameter(name: "p", value: try makeTensor([3], [1, 2, 3], .float32))
        try p.tensor.cast(to: .float64).binary(.multiply, p.tensor.cast(to: .float64)).sum().backward()
        XCTAssertEqual(p.grad?.dtype, .float32)
        XCTAssertEqual(p.grad?.doubles(), [2, 4, 6])
        // Through Float16 storage and back.
        let q = Parameter(name: "q", value: try makeTensor([2], [0.5, 2], .float32))
        try q.tensor.cast(to: .float16).cast(to: .float32).multiplying(3).sum().backward()
        XCTAssertEqual(q.grad?.doubles(), [3, 3])
        // Casts to integers or Bool stop the gradient.
        let r = Parameter(name: "r", value: try makeTensor([2], [0.5, 2], .float64))
        XCTAssertFalse(try r.tensor.cast(to: .int32).requiresGrad)
        XCTAssertFalse(try r.tensor.cast(to: .bool).requiresGrad)
    }
}
