import XCTest
@testable import TensorCore

/// Pooling kernels against naive references written here over [Double] with explicit indices.
final class PoolingTests: XCTestCase {

    // MARK: Naive references

    /// ONNX output size, computed independently of the library (ceil via Double division).
    private func referenceOutputSize(_ size: Int, _ kernel: Int, _ stride: Int, _ padBegin: Int, _ padEnd: Int,
                                     _ dilation: Int, _ ceilMode: Bool) -> Int? {
        let effective = dilation * (kernel - 1) + 1
        let numerator = size + padBegin + padEnd - effective
        if numerator < 0 { return nil }
        let ratio = Double(numerator) / Double(stride)
        var out = Int(ceilMode ? ratio.rounded(.up) : ratio.rounded(.down)) + 1
        // A window may not start inside the end padding.
        if ceilMode && (out - 1) * stride >= size + padBegin { out -= 1 }
        return out
    }

    private struct PoolCase {
        var shape: [Int]
        var kernel: [Int]
        var strides: [Int]
        var pads: [Int]
        var dilations: [Int]
        var ceilMode: Bool
        var countIncludePad: Bool
    }

    /// Returns (values, output shape); `average` selects average pooling.
    private func referencePool(_ x: [Double], _ c: PoolCase, average: Bool) -> ([Double], [Int])? {
        let n = c.shape[0], ch = c.shape[1], h = c.shape[2], w = c.shape[3]
        guard let oh = referenceOutputSize(h, c.kernel[0], c.strides[0], c.pads[0], c.pads[2], c.dilations[0], c.ceilMode),
              let ow = referenceOutputSize(w, c.kernel[1], c.strides[1], c.pads[1], c.pads[3], c.dilations[1], c.ceilMode) else { return nil }
        var out = [Double](repeating: 0, count: n * ch * oh * ow)
        for b in 0..<n {
            for k in 0..<ch {
                for i in 0..<oh {
                    for j in 0..<ow {
                        var best = -Double.infinity
                        var sum = 0.0
                        var valid = 0
                        var padded = 0
                        for u in 0..<c.kernel[0] {
                            for v in 0..<c.kernel[1] {
                                let y = i * c.strides[0] - c.pads[0] + u * c.dilations[0]
                                let z = j * c.strides[1] - c.pads[1] + v * c.dilations[1]
                                if y < h + c.pads[2] && z < w + c.pads[3] { padded += 1 }
                                if y < 0 || y >= h || z < 0 || z >= w { continue }
                                let value = x[((b * ch + k) * h + y) * w + z]
                                best = max(best, value)
                                sum += value
                                valid += 1
                            }
                        }
                        let divisor = c.countIncludePad ? padded : valid
                        out[((b * ch + k) * oh + i) * ow + j] = average ? (divisor == 0 ? 0 : sum / Double(divisor)) : best
                    }
                }
            }
        }
        return (out, [n, ch, oh, ow])
    }

    private func referenceGlobal(_ x: [Double], shape: [Int], average: Bool) -> [Double] {
        let planes = shape[0] * shape[1]
        let size = shape[2...].reduce(1, *)
        return (0..<planes).map { p in
            let plane = x[(p * size)..<((p + 1) * size)]
            return average ? plane.reduce(0, +) / Double(size) : plane.max()!
        }
    }

    private func randomCase(_ rng: inout TestRandom) -> PoolCase {
        let kernel = [rng.int(1, 3), rng.int(1, 3)]
        let dilations = rng.int(0, 2) == 0 ? [rng.int(1, 2), rng.int(1, 2)] : [1, 1]
        var pads = [0, 0, 0, 0]
        if rng.int(0, 1) == 1 { for i in 0..<4 { pads[i] = rng.int(0, kernel[i % 2] - 1) } }
        return PoolCase(shape: [rng.int(1, 2), rng.int(1, 3), rng.int(1, 7), rng.int(1, 7)],
                        kernel: kernel, strides: [rng.int(1, 3), rng.int(1, 3)], pads: pads, dilations: dilations,
                        ceilMode: rng.int(0, 1) == 1, countIncludePad: rng.int(0, 1) == 1)
    }

    /// Distinct values (gaps of 0.01 before a tiny jitter) so max pooling has no ties.
    private func distinctTensor(_ shape: [Int], _ rng: inout TestRandom) throws -> Tensor {
        let count = shape.reduce(1, *)
        var values = (0..<count).map { Double($0) * 0.01 - Double(count) * 0.005 }
        for i in stride(from: count - 1, to: 0, by: -1) { values.swapAt(i, rng.int(0, i)) }
        return try Tensor(shape: shape, scalars: values.map { $0 + rng.uniform(-0.001, 0.001) })
    }

    // MARK: Forward

    func testWindowedPoolingMatchesReferenceOnRandomCases() throws {
        var rng = TestRandom(seed: 7)
        var checked = 0, refused = 0
        for _ in 0..<300 {
            let c = randomCase(&rng)
            let x = rng.tensor(c.shape, dtype: .float64, -2, 2)
            let values = x.doubles()
            let label = "\(c)"
            guard let maxReference = referencePool(values, c, average: false),
                  let averageReference = referencePool(values, c, average: true) else {
                XCTAssertThrowsError(try x.maxPool2d(kernelShape: c.kernel, strides: c.strides, pads: c.pads, dilations: c.dilations, ceilMode: c.ceilMode), label)
                XCTAssertThrowsError(try x.averagePool2d(kernelShape: c.kernel, strides: c.strides, pads: c.pads, dilations: c.dilations,
                                                         ceilMode: c.ceilMode, countIncludePad: c.countIncludePad), label)
                refused += 1
                continue
            }
            let (expectedMax, outShape) = maxReference
            let expectedAverage = averageReference.0
            let maxOut = try x.maxPool2d(kernelShape: c.kernel, strides: c.strides, pads: c.pads, dilations: c.dilations, ceilMode: c.ceilMode)
            XCTAssertEqual(maxOut.shape, outShape, label)
            XCTAssertEqual(maxOut.doubles(), expectedMax, label)
            let averageOut = try x.averagePool2d(kernelShape: c.kernel, strides: c.strides, pads: c.pads, dilations: c.dilations,
                                                 ceilMode: c.ceilMode, countIncludePad: c.countIncludePad)
            XCTAssertEqual(averageOut.shape, outShape, label)
            assertClose(averageOut.doubles(), expectedAverage, abs: 1e-12, rel: 1e-12, label)
            checked += 1
        }
        XCTAssertGreaterThan(checked, 200)
        XCTAssertGreaterThan(refused, 0)
    }

    func testHandPickedEdgeCases() throws {
        // 1×1 input, 1×1 kernel; ceil mode dropping a window that would start in padding
        // (ONNX test maxpool_2d_ceil_output_size_reduce_by_one: 2×2, k 1, s 2 → 1×1).
        let x = try Tensor(shape: [1, 1, 2, 2], scalars: [1.0, 2, 3, 4])
        let y = try x.maxPool2d(kernelShape: [1, 1], strides: [2, 2], ceilMode: true)
        XCTAssertEqual(y.shape, [1, 1, 1, 1])
        XCTAssertEqual(y.doubles(), [1])
        // ONNX maxpool_2d_ceil: 4×4, k 3, s 2 → 2×2.
        let grid = try Tensor(shape: [1, 1, 4, 4], scalars: (1...16).map(Double.init))
        XCTAssertEqual(try grid.maxPool2d(kernelShape: [3, 3], strides: [2, 2], ceilMode: true).doubles(), [11, 12, 15, 16])
        // Average with count_include_pad: corner window of a 3×3 kernel, pads 1 → sum / 9.
        let ones = Tensor(repeating: 1, shape: [1, 1, 3, 3], dtype: .float64)
        let included = try ones.averagePool2d(kernelShape: [3, 3], pads: [1, 1, 1, 1], countIncludePad: true)
        XCTAssertEqual(included.doubles()[0], 4.0 / 9.0, accuracy: 1e-12)
        let excluded = try ones.averagePool2d(kernelShape: [3, 3], pads: [1, 1, 1, 1])
        XCTAssertEqual(excluded.doubles(), [Double](repeating: 1, count: 9))
        // Size-1 everything.
        let single = try Tensor(shape: [1, 1, 1, 1], scalars: [5.0])
        XCTAssertEqual(try single.maxPool2d(kernelShape: [1, 1]).doubles(), [5])
        XCTAssertEqual(try single.averagePool2d(kernelShape: [1, 1]).doubles(), [5])
        XCTAssertEqual(try single.globalAveragePool().doubles(), [5])
        XCTAssertEqual(try single.globalMaxPool().doubles(), [5])
    }

    func testMaxPoolPropagatesNaN() throws {
        let x = try Tensor(shape: [1, 1, 2, 2], scalars: [1.0, .nan, 3, 4])
        XCTAssertTrue(try x.maxPool2d(kernelShape: [2, 2]).doubles()[0].isNaN)
        XCTAssertTrue(try x.globalMaxPool().doubles()[0].isNaN)
        // The recorded path (which keeps indices) agrees, and infinities take the careful loop too.
        let parameter = Parameter(name: "x", value: try Tensor(shape: [1, 1, 3, 3], scalars: [1.0, .nan, 3, -.infinity, 4, .infinity, 0, 2, -1]))
        let y = try parameter.tensor.maxPool2d(kernelShape: [2, 2])
        let values = y.doubles()
        XCTAssertTrue(values[0].isNaN && values[1].isNaN)
        XCTAssertEqual(Array(values[2...]), [4, .infinity])
        try y.backward(seed: Tensor(repeating: 1, shape: y.shape, dtype: .float64))
        XCTAssertEqual(parameter.grad?.doubles(), [0, 2, 0, 0, 1, 1, 0, 0, 0])
        let allNegativeInfinity = Tensor(repeating: -.infinity, shape: [1, 1, 2, 2], dtype: .float64)
        XCTAssertEqual(try allNegativeInfinity.maxPool2d(kernelShape: [2, 2], pads: [1, 1, 0, 0]).doubles(), [Double](repeating: -.infinity, count: 4))
    }

    func testGlobalPoolingMatchesReferenceForSeveralSpatialRanks() throws {
        var rng = TestRandom(seed: 11)
        for shape in [[2, 3, 5], [1, 2, 3, 4], [2, 1, 2, 3, 2], [3, 2, 1, 1], [1, 1, 1]] {
            let x = rng.tensor(shape, dtype: .float64)
            let expectedShape = [shape[0], shape[1]] + [Int](repeating: 1, count: shape.count - 2)
            let average = try x.globalAveragePool()
            XCTAssertEqual(average.shape, expectedShape)
            assertClose(average.doubles(), referenceGlobal(x.doubles(), shape: shape, average: true), abs: 1e-12, rel: 1e-12)
            let maximum = try x.globalMaxPool()
            XCTAssertEqual(maximum.shape, expectedShape)
            XCTAssertEqual(maximum.doubles(), referenceGlobal(x.doubles(), shape: shape, average: false))
        }
    }

    func testNonContiguousInputAndNoGradPath() throws {
        var rng = TestRandom(seed: 3)
        let base = rng.tensor([1, 2, 5, 4], dtype: .float64)
        let view = try base.expanded(to: [3, 2, 5, 4])
        let dense = view.materialized()
        XCTAssertEqual(try view.maxPool2d(kernelShape: [2, 2], strides: [2, 1], pads: [1, 0, 0, 1]).doubles(),
                       try dense.maxPool2d(kernelShape: [2, 2], strides: [2, 1], pads: [1, 0, 0, 1]).doubles())
        XCTAssertEqual(try view.averagePool2d(kernelShape: [3, 2]).doubles(), try dense.averagePool2d(kernelShape: [3, 2]).doubles())
        XCTAssertEqual(try view.globalAveragePool().doubles(), try dense.globalAveragePool().doubles())
        // Recorded and unrecorded max pooling agree (the recorded one also keeps indices).
        let parameter = Parameter(name: "x", value: dense)
        let recorded = try parameter.tensor.maxPool2d(kernelShape: [2, 3], pads: [1, 1, 1, 1])
        let plain = try noGrad { try parameter.tensor.maxPool2d(kernelShape: [2, 3], pads: [1, 1, 1, 1]) }
        XCTAssertTrue(recorded.requiresGrad)
        XCTAssertFalse(plain.requiresGrad)
        XCTAssertEqual(recorded.doubles(), plain.doubles())
    }

    func testFloat32AgreesWithFloat64() throws {
        var rng = TestRandom(seed: 5)
        let x64 = rng.tensor([2, 3, 9, 8], dtype: .float64)
        let x32 = try x64.cast(to: .float32)
        let pairs: [(Tensor) throws -> Tensor] = [
            { try $0.maxPool2d(kernelShape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceilMode: true) },
            { try $0.averagePool2d(kernelShape: [3, 2], strides: [2, 1], pads: [1, 0, 2, 1], dilations: [2, 1], countIncludePad: true) },
            { try $0.globalAveragePool() },
            { try $0.globalMaxPool() },
        ]
        for f in pairs {
            let a = try f(x32), b = try f(x64)
            XCTAssertEqual(a.dtype, .float32)
            assertClose(a.doubles(), b.doubles(), abs: 1e-6, rel: 1e-6)
        }
    }

    // MARK: Backward

    func testMaxPoolGradients() throws {
        var rng = TestRandom(seed: 21)
        let configurations: [PoolCase] = [
            PoolCase(shape: [2, 2, 5, 6], kernel: [3, 2], strides: [2, 1], pads: [1, 0, 2, 1], dilations: [1, 2], ceilMode: true, countIncludePad: false),
            PoolCase(shape: [1, 3, 4, 4], kernel: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0], dilations: [1, 1], ceilMode: false, countIncludePad: false),
            PoolCase(shape: [1, 1, 6, 5], kernel: [3, 3], strides: [1, 2], pads: [2, 1, 0, 2], dilations: [2, 1], ceilMode: false, countIncludePad: false),
        ]
        for c in configurations {
            let x = try distinctTensor(c.shape, &rng)
            let y = try x.maxPool2d(kernelShape: c.kernel, strides: c.strides, pads: c.pads, dilations: c.dilations, ceilMode: c.ceilMode)
            XCTAssertFalse(y.doubles().contains(-.infinity), "empty window in \(c)")
            try assertGradientsMatch([x]) {
                try $0[0].maxPool2d(kernelShape: c.kernel, strides: c.strides, pads: c.pads, dilations: c.dilations, ceilMode: c.ceilMode)
            }
        }
    }

    func testAveragePoolGradients() throws {
        var rng = TestRandom(seed: 22)
        let configurations: [PoolCase] = [
            PoolCase(shape: [2, 2, 5, 6], kernel: [3, 2], strides: [2, 1], pads: [1, 0, 2, 1], dilations: [1, 2], ceilMode: true, countIncludePad: true),
            PoolCase(shape: [1, 2, 5, 5], kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], dilations: [1, 1], ceilMode: true, countIncludePad: false),
            PoolCase(shape: [1, 1, 1, 4], kernel: [1, 2], strides: [1, 3], pads: [0, 1, 0, 0], dilations: [1, 1], ceilMode: false, countIncludePad: false),
        ]
        for c in configurations {
            let x = rng.tensor(c.shape, dtype: .float64)
            try assertGradientsMatch([x]) {
                try $0[0].averagePool2d(kernelShape: c.kernel, strides: c.strides, pads: c.pads, dilations: c.dilations,
                                        ceilMode: c.ceilMode, countIncludePad: c.countIncludePad)
            }
        }
    }

    func testGlobalPoolGradients() throws {
        var rng = TestRandom(seed: 23)
        for shape in [[2, 3, 4, 3], [1, 2, 5], [2, 1, 2, 2, 2]] {
            try assertGradientsMatch([rng.tensor(shape, dtype: .float64)]) { try $0[0].globalAveragePool() }
            try assertGradientsMatch([try distinctTensor(shape, &rng)]) { try $0[0].globalMaxPool() }
        }
    }

    func testGradientThroughExpandedView() throws {
        var rng = TestRandom(seed: 24)
        try assertGradientsMatch([try distinctTensor([1, 2, 4, 4], &rng)]) {
            try $0[0].expanded(to: [2, 2, 4, 4]).maxPool2d(kernelShape: [2, 2], strides: [1, 2])
        }
    }

    // MARK: Errors

    func testInvalidArgumentsThrow() throws {
        let x = Tensor(zeros: [1, 2, 4, 4], dtype: .float32)
        func assertInvalid(_ body: @autoclosure () throws -> Tensor, _ message: String, line: UInt = #line) {
            XCTAssertThrowsError(try body(), message, line: line) { error in
                XCTAssertTrue(error is TensorError, "\(message): \(error)", line: line)
            }
        }
        assertInvalid(try Tensor(zeros: [2, 4, 4]).maxPool2d(kernelShape: [2, 2]), "rank 3")
        assertInvalid(try x.maxPool2d(kernelShape: [2]), "one kernel size")
        assertInvalid(try x.maxPool2d(kernelShape: [0, 2]), "zero kernel")
        assertInvalid(try x.maxPool2d(kernelShape: [2, 2], strides: [0, 1]), "zero stride")
        assertInvalid(try x.maxPool2d(kernelShape: [2, 2], pads: [0, 0, 0]), "three pads")
        assertInvalid(try x.maxPool2d(kernelShape: [2, 2], pads: [2, 0, 0, 0]), "pad equal to kernel")
        assertInvalid(try x.maxPool2d(kernelShape: [2, 2], pads: [-1, 0, 0, 0]), "negative pad")
        assertInvalid(try x.maxPool2d(kernelShape: [2, 2], dilations: [1, 0]), "zero dilation")
        assertInvalid(try x.maxPool2d(kernelShape: [5, 1]), "kernel larger than input")
        assertInvalid(try x.averagePool2d(kernelShape: [3, 3], dilations: [2, 2]), "dilated kernel larger than input")
        assertInvalid(try Tensor(zeros: [1, 1, 0, 3]).averagePool2d(kernelShape: [1, 1]), "empty spatial")
        assertInvalid(try Tensor(zeros: [1, 1, 2, 2], dtype: .int64).maxPool2d(kernelShape: [1, 1]), "int64")
        assertInvalid(try Tensor(zeros: [2, 3]).globalAveragePool(), "global on rank 2")
        assertInvalid(try Tensor(zeros: [2, 3, 0]).globalMaxPool(), "global on empty plane")
        assertInvalid(try Tensor(zeros: [1, 1, 2], dtype: .int32).globalMaxPool(), "global int32")
    }
}
