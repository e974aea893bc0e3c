import XCTest
@testable import TensorCore

/// Conv2d (im2col + GEMM, grouped) and the direct depthwise kernel against a naive 7-loop
/// convolution, forward and backward.
final class ConvTests: XCTestCase {
    override func tearDown() {
        Tensor.convPathOverride = nil
    }

    /// Runs `body` under both im2col schedules (one large GEMM; thread-owned image chunks).
    func forEachSchedule(_ body: (String) throws -> Void) rethrows {
        defer { Tensor.convPathOverride = nil }
        for chunked in [false, true] {
            Tensor.convPathOverride = chunked
            try body(chunked ? "chunked schedule" : "single-GEMM schedule")
        }
    }

    struct Config: CustomStringConvertible {
        var batch = 1, channels = 1, height = 5, width = 5, outChannels = 1
        var kernelHeight = 3, kernelWidth = 3
        var strides = [1, 1], pads = [0, 0, 0, 0], dilations = [1, 1], groups = 1
        var bias = false

        var weightShape: [Int] { [outChannels, channels / groups, kernelHeight, kernelWidth] }
        var inputShape: [Int] { [batch, channels, height, width] }
        var description: String {
            "N\(batch) C\(channels) \(height)x\(width) OC\(outChannels) K\(kernelHeight)x\(kernelWidth) s\(strides) p\(pads) d\(dilations) g\(groups)\(bias ? " +bias" : "")"
        }
    }

    /// Direct convolution: out[n, o, y, x] = b[o] + Σ_{ci, ky, kx} in[n, g·C/g + ci, y·s − p + ky·d, x·s − p + kx·d]·w[o, ci, ky, kx].
    static func naiveConv(_ x: NaiveArray, _ w: NaiveArray, _ bias: NaiveArray?, _ c: Config) -> NaiveArray {
        let n = x.shape[0], h = x.shape[2], wd = x.shape[3]
        let oc = w.shape[0], cg = w.shape[1], kh = w.shape[2], kw = w.shape[3]
        let sh = c.strides[0], sw = c.strides[1], dh = c.dilations[0], dw = c.dilations[1]
        let pt = c.pads[0], pl = c.pads[1], pb = c.pads[2], pr = c.pads[3]
        let oh = (h + pt + pb - dh * (kh - 1) - 1) / sh + 1
        let ow = (wd + pl + pr - dw * (kw - 1) - 1) / sw + 1
        let ocg = oc / c.groups
        var out = NaiveArray(shape: [n, oc, oh, ow], repeating: 0)
        for image in 0..<n {
            for o in 0..<oc {
                let group = o / ocg
                for y in 0..<oh {
                    for xo in 0..<ow {
                        var acc = bias?.values[o] ?? 0
                        for ci in 0..<cg {
                            for ky in 0..<kh {
                                for kx in 0..<kw {
                                    let iy = y * sh - pt + ky * dh, ix = xo * sw - pl + kx * dw
                                    if iy >= 0 && iy < h && ix >= 0 && ix < wd {
                                        acc += x[[image, group * cg + ci, iy, ix]] * w[[o, ci, ky, kx]]
                                    }
                                }
                            }
                        }
                        out[[image, o, y, xo]] = acc
                    }
                }
            }
        }
        return out
    }

    /// Hand-picked geometries: 1x1, 3x3, non-square, asymmetric pads, strides, dilations,
    /// groups 1 / 2 / depthwise / depthwise with multiplier, batch 1...3.
    static let configs: [Config] = [
        Config(batch: 1, channels: 3, height: 4, width: 5, outChannels: 4, kernelHeight: 1, kernelWidth: 1),
        Config(batch: 2, channels: 3, height: 6, width: 6, outChannels: 5, kernelHeight: 1, kernelWidth: 1, strides: [2, 2], bias: true),
        Config(batch: 2, channels: 2, height: 5, width: 6, outChannels: 3, pads: [1, 1, 1, 1], bias: true),
        Config(batch: 3, channels: 3, height: 7, width: 5, outChannels: 2, strides: [2, 1], pads: [0, 1, 2, 1]),
        Config(batch: 1, channels: 2, height: 6, width: 7, outChannels: 3, kernelHeight: 2, kernelWidth: 3, strides: [1, 2], pads: [1, 0, 0, 2]),
        Config(batch: 2, channels: 1, height: 5, width: 8, outChannels: 2, kernelHeight: 3, kernelWidth: 1, pads: [2, 0, 1, 0], bias: true),
        Config(batch: 1, channels: 2, height: 4, width: 9, outChannels: 2, kernelHeight: 1, kernelWidth: 4, strides: [1, 3], pads: [0, 3, 0, 1]),
        Config(batch: 2, channels: 2, height: 9, width: 8, outChannels: 3, pads: [2, 2, 2, 2], dilations: [2, 2]),
        Config(batch: 1, channels: 3, height: 8, width: 7, outChannels: 2, kernelHeight: 2, kernelWidth: 2, strides: [2, 3], pads: [1, 2, 0, 1], dilations: [3, 1], bias: true),
        Config(batch: 2, channels: 4, height: 5, width: 5, outChannels: 6, pads: [1, 1, 1, 1], groups: 2, bias: true),
        Config(batch: 3, channels: 6, height: 6, width: 5, outChannels: 4, kernelHeight: 2, kernelWidth: 3, strides: [2, 1], pads: [0, 1, 1, 0], dilations: [1, 2], groups: 2),
        // Depthwise: groups = C = OC (direct kernel), including the fused 3x3 stride-1 path.
        Config(batch: 2, channels: 3, height: 6, width: 7, outChannels: 3, pads: [1, 1, 1, 1], groups: 3, bias: true),
        Config(batch: 1, channels: 4, height: 5, width: 5, outChannels: 4, groups: 4),
        Config(batch: 3, channels: 2, height: 7, width: 6, outChannels: 2, strides: [2, 2], pads: [1, 0, 2, 1], groups: 2, bias: true),
        Config(batch: 2, channels: 3, height: 9, width: 8, outChannels: 3, kernelHeight: 5, kernelWidth: 3, strides: [1, 2], pads: [2, 1, 0, 3], dilations: [2, 1], groups: 3),
        Config(batch: 1, channels: 5, height: 4, width: 6, outChannels: 5, kernelHeight: 1, kernelWidth: 1, groups: 5, bias: true),
        Config(batch: 2, channels: 3, height: 5, width: 4, outChannels: 3, kernelHeight: 3, kernelWidth: 3, pads: [0, 2, 1, 0], groups: 3),
        // Depthwise with a channel multiplier: OC = 2C (grouped GEMM path).
        Config(batch: 2, channels: 3, height: 5, width: 6, outChannels: 6, pads: [1, 1, 1, 1], groups: 3, bias: true),
        Config(batch: 1, channels: 2, height: 7, width: 7, outChannels: 4, kernelHeight: 3, kernelWidth: 2, strides: [2, 2], pads: [1, 0, 1, 1], dilations: [1, 2], groups: 2),
        // Kernel exactly the padded input.
        Config(batch: 1, channels: 2, height: 3, width: 2, outChannels: 2, kernelHeight: 4, kernelWidth: 3, pads: [1, 0, 0, 1]),
        Config(batch: 2, channels: 2, height: 1, width: 1, outChannels: 2, kernelHeight: 3, kernelWidth: 3, pads: [1, 1, 1, 1], groups: 2),
    ]

    func run(_ c: Config, _ dtype: DType, _ rng: inout TestRandom, file: StaticString = #filePath, line: UInt = #line) throws {
        let (x, nx) = try rng.operand(c.inputShape, dtype)
        let (w, nw) = try rng.operand(c.weightShape, dtype)
        let (b, nb) = try rng.operand([c.outChannels], dtype)
        let ref = Self.naiveConv(nx, nw, c.bias ? nb : nil, c)
        try forEachSchedule { schedule in
            let out = try x.conv2d(weight: w, bias: c.bias ? b : nil, strides: c.strides, pads: c.pads, dilations: c.dilations, groups: c.groups)
            XCTAssertEqual(out.shape, ref.shape, "\(c)", file: file, line: line)
            XCTAssertEqual(out.dtype, dtype, file: file, line: line)
            assertClose(out.doubles(), ref.values, abs: dtype == .float32 ? 1e-5 : 1e-12, rel: dtype == .float32 ? 1e-4 : 1e-12,
                        "\(dtype) \(c), \(schedule)", file: file, line: line)
        }
    }

    func testForwardHandPickedGeometries() throws {
        var rng = TestRandom(seed: 81)
        for dtype in [DType.float32, .float64] {
            for c in Self.configs { try run(c, dtype, &rng) }
        }
    }

    /// Whether the kernel fits the padded input (ONNX requires it).
    static func fits(_ c: Config) -> Bool {
        c.height + c.pads[0] + c.pads[2] >= c.dilations[0] * (c.kernelHeight - 1) + 1
            && c.width + c.pads[1] + c.pads[3] >= c.dilations[1] * (c.kernelWidth - 1) + 1
    }

    func testForwardRandomGeometries() throws {
        var rng = TestRandom(seed: 82)
        var checked = 0, rejected = 0
        for trial in 0..<80 {
            var c = Config()
            let perGroup = rng.int(1, 3), groupChoice = trial % 4
            c.groups = groupChoice == 0 ? 1 : (groupChoice == 1 ? 2 : rng.int(2, 4))
            c.channels = groupChoice >= 2 ? c.groups : c.groups * perGroup
            c.outChannels = groupChoice == 2 ? c.channels : c.groups * rng.int(1, 3)
            c.batch = rng.int(1, 3)
            c.height = rng.int(1, 8); c.width = rng.int(1, 8)
            c.kernelHeight = rng.int(1, 4); c.kernelWidth = rng.int(1, 4)
            c.strides = [rng.int(1, 3), rng.int(1, 3)]
            c.dilations = [rng.int(1, 2), rng.int(1, 2)]
            c.pads = (0..<4).map { _ in rng.int(0, 2) }
            c.bias = rng.next() % 2 == 0
            let dtype: DType = trial % 2 == 0 ? .float32 : .float64
            if Self.fits(c) {
                try run(c, dtype, &rng)
                checked += 1
            } else {
                let x = Tensor(zeros: c.inputShape, dtype: dtype), w = Tensor(zeros: c.weightShape, dtype: dtype)
                XCTAssertThrowsError(try x.conv2d(weight: w, strides: c.strides, pads: c.pads, dilations: c.dilations, groups: c.groups),
                                     "kernel larger than the padded input: \(c)") { error in
                    guard case TensorError.shapeMismatch = error else { return XCTFail("\(c): \(error)") }
                }
                rejected += 1
            }
        }
        XCTAssertGreaterThan(checked, 50)
        XCTAssertGreaterThan(rejected, 0)
    }

    func testIm2colChunkingAcrossImages() throws {
        // A tiny scratch budget forces one image per im2col chunk; results must not change.
        var rng = TestRandom(seed: 83)
        let saved = Tensor.im2colBudget
        defer { Tensor.im2colBudget = saved }
        let c = Config(batch: 3, channels: 4, height: 6, width: 5, outChannels: 4, pads: [1, 0, 1, 2], groups: 2, bias: true)
        let (x, nx) = try rng.operand(c.inputShape, .float64)
        let (w, nw) = try rng.operand(c.weightShape, .float64)
        let (b, nb) = try rng.operand([c.outChannels], .float64)
        let ref = Self.naiveConv(nx, nw, nb, c)
        var results: [[Double]] = []
        var grads: [[Double]] = []
        for budget in [saved, 1] {
            Tensor.im2colBudget = budget
            let px = Parameter(name: "x", value: x), pw = Parameter(name: "w", value: w)
            let out = try px.tensor.conv2d(weight: pw.tensor, bias: b, pads: c.pads, groups: c.groups)
            assertClose(out.doubles(), ref.values, abs: 1e-12, rel: 1e-12, "budget \(budget)")
            results.append(out.doubles())
            try out.sum().backward()
            grads.append((px.grad?.doubles() ?? []) + (pw.grad?.doubles() ?? []))
        }
        XCTAssertEqual(results[0], results[1])
        assertClose(grads[0], grads[1], abs: 1e-12, rel: 1e-12)
    }

    func testNonContiguousAndEmptyBatch() throws {
        var rng = TestRandom(seed: 84)
        let c = Config(batch: 2, channels: 3, height: 4, width: 4, outChannels: 3, pads: [1, 1, 1, 1], groups: 3, bias: true)
        let (x, nx) = try rng.expandedOperand(c.inputShape, .float32)
        let (w, nw) = try rng.expandedOperand(c.weightShape, .float32)
        let (b, nb) = try rng.expandedOperand([3], .float32)
        for groups in [1, 3] {
            var cg = c
            cg.groups = groups
            let wg = groups == 1 ? try w.expanded(to: [3, 3, 3, 3]) : w
            let nwg = groups == 1 ? nw.broadcast(to: [3, 3, 3, 3]) : nw
            let out = try x.conv2d(weight: wg, bias: b, pads: cg.pads, groups: groups)
            assertClose(out.doubles(), Self.naiveConv(nx, nwg, nb, cg).values, abs: 1e-5, rel: 1e-4, "view input, groups \(groups)")
        }
        let empty = try Tensor(zeros: [0, 3, 4, 4], dtype: .float32).conv2d(weight: Tensor(zeros: [2, 3, 3, 3], dtype: .float32))
        XCTAssertEqual(empty.shape, [0, 2, 2, 2])
    }

    func testZeroChannelsGiveTheBias() throws {
        // Structured pruning can remove every input channel of a layer: the output is the bias alone.
        for dtype in [DType.float32, .float64] {
            let x = Tensor(zeros: [2, 0, 4, 4], dtype: dtype), w = Tensor(zeros: [3, 0, 3, 3], dtype: dtype)
            let b = try makeTensor([3], [0.5, -1, 2], dtype)
            let out = try x.conv2d(weight: w, bias: b, pads: [1, 1, 1, 1])
            XCTAssertEqual(out.shape, [2, 3, 4, 4])
            XCTAssertEqual(out.doubles(), NaiveArray(shape: [3, 1, 1], values: [0.5, -1, 2]).broadcast(to: [2, 3, 4, 4]).values, "\(dtype)")
            XCTAssertEqual(try x.conv2d(weight: w).doubles(), [Double](repeating: 0, count: 24), "\(dtype) without bias")
            let none = try Tensor(zeros: [2, 3, 4, 4], dtype: dtype).conv2d(weight: Tensor(zeros: [0, 3, 3, 3], dtype: dtype))
            XCTAssertEqual(none.shape, [2, 0, 2, 2])
        }
    }

    // MARK: Backward

    static let gradientConfigs: [Config] = [
        Config(batch: 2, channels: 2, height: 4, width: 4, outChannels: 2, bias: true),
        Config(batch: 1, channels: 4, height: 4, width: 5, outChannels: 4, kernelHeight: 2, kernelWidth: 3, strides: [2, 1], pads: [1, 0, 0, 2], groups: 2),
        Config(batch: 2, channels: 2, height: 5, width: 5, outChannels: 3, strides: [2, 2], pads: [1, 2, 0, 1], dilations: [2, 1], bias: true),
        Config(batch: 1, channels: 3, height: 4, width: 3, outChannels: 2, kernelHeight: 1, kernelWidth: 1),
        // Depthwise (direct kernel): with and without bias, strided, dilated, padded, fused 3x3.
        Config(batch: 2, channels: 3, height: 4, width: 4, outChannels: 3, pads: [1, 1, 1, 1], groups: 3, bias: true),
        Config(batch: 2, channels: 2, height: 5, width: 4, outChannels: 2, strides: [2, 2], pads: [0, 1, 2, 1], groups: 2),
        Config(batch: 1, channels: 2, height: 6, width: 5, outChannels: 2, kernelHeight: 2, kernelWidth: 3, strides: [1, 2], pads: [2, 1, 1, 0], dilations: [2, 2], groups: 2, bias: true),
        // Depthwise with multiplier OC = 2C.
        Config(batch: 2, channels: 2, height: 4, width: 4, outChannels: 4, pads: [1, 0, 1, 1], groups: 2, bias: true),
        // 528 output pixels per image: one image per chunk, three chunks, so the chunked backward
        // sums per-thread weight-gradient partials.
        Config(batch: 3, channels: 1, height: 22, width: 24, outChannels: 2, pads: [1, 1, 1, 1], bias: true),
    ]

    func testBackwardAgainstFiniteDifferences() throws {
        var rng = TestRandom(seed: 85)
        for c in Self.gradientConfigs {
            let x = try makeTensor(c.inputShape, rng.values(naiveProduct(c.inputShape), .float64), .float64)
            let w = try makeTensor(c.weightShape, rng.values(naiveProduct(c.weightShape), .float64), .float64)
            let b = try makeTensor([c.outChannels], rng.values(c.outChannels, .float64), .float64)
            let inputs = c.bias ? [x, w, b] : [x, w]
            try forEachSchedule { _ in
                try assertGradientsMatch(inputs) { xs in
                    try xs[0].conv2d(weight: xs[1], bias: c.bias ? xs[2] : nil, strides: c.strides, pads: c.pads,
                                     dilations: c.dilations, groups: c.groups)
                }
            }
        }
    }

    func testBackwardWeightOnlyAndThroughActivations() throws {
        var rng = TestRandom(seed: 86)
        for groups in [1, 2] {
            let x = try makeTensor([2, 2, 4, 4], rng.values(64, .float64), .float64)
            let w = try makeTensor([2, 2 / groups, 3, 3], rng.values(36 / groups, .float64), .float64)
            try forEachSchedule { _ in
                // The input is a constant here, so the kernel skips its gradient.
                try assertGradientsMatch([w]) { xs in try x.conv2d(weight: xs[0], pads: [1, 1, 1, 1], groups: groups) }
                // Two stacked convolutions with a smooth activation between.
                try assertGradientsMatch([x, w]) { xs in
                    let h = try xs[0].conv2d(weight: xs[1], pads: [1, 1, 1, 1], groups: groups).unary(.tanh)
                    return try h.conv2d(weight: xs[1], strides: [2, 2], groups: groups)
                }
            }
        }
    }

    func testFloat32BackwardMatchesFloat64() throws {
        var rng = TestRandom(seed: 87)
        for c in Self.gradientConfigs {
            let xv = rng.values(naiveProduct(c.inputShape), .float32), wv = rng.values(naiveProduct(c.weightShape), .float32)
            let bv = rng.values(c.outChannels, .float32)
            var grads: [[Double]] = []
            for dtype in [DType.float32, .float64] {
                let px = Parameter(name: "x", value: try makeTensor(c.inputShape, xv, dtype))
                let pw = Parameter(name: "w", value: try makeTensor(c.weightShape, wv, dtype))
                let pb = Parameter(name: "b", value: try makeTensor([c.outChannels], bv, dtype))
                let out = try px.tensor.conv2d(weight: pw.tensor, bias: c.bias ? pb.tensor : nil, strides: c.strides, pads: c.pads,
                                               dilations: c.dilations, groups: c.groups)
                try out.unary(.sin).sum().backward()
                grads.append([px, pw, pb].flatMap { $0.grad?.doubles() ?? [] })
            }
            assertClose(grads[0], grads[1], abs: 1e-5, rel: 1e-4, "\(c)")
        }
    }

    // MARK: Errors

    func testBadGeometryThrows() throws {
        let x = Tensor(zeros: [1, 4, 5, 5], dtype: .float32)
        let w = Tensor(zeros: [2, 4, 3, 3], dtype: .float32)
        func expect(_ body: @autoclosure () throws -> Tensor, _ message: String, line: UInt = #line) {
            XCTAssertThrowsError(try body(), message, line: line) { error in
                switch error as? TensorError {
                case .shapeMismatch?, .invalidArgument?, .dtypeMismatch?, .unsupportedDType?: break
                default: XCTFail("\(message): \(error)", line: line)
                }
            }
        }
        expect(try Tensor(zeros: [4, 5, 5], dtype: .float32).conv2d(weight: w), "rank-3 input")
        expect(try x.conv2d(weight: Tensor(zeros: [2, 4, 3], dtype: .float32)), "rank-3 weight")
        expect(try x.conv2d(weight: Tensor(zeros: [2, 3, 3, 3], dtype: .float32)), "weight channels differ from input")
        expect(try x.conv2d(weight: w, strides: [1]), "one stride")
        expect(try x.conv2d(weight: w, pads: [1, 1]), "two pads")
        expect(try x.conv2d(weight: w, dilations: [1, 1, 1]), "three dilations")
        expect(try x.conv2d(weight: w, strides: [0, 1]), "zero stride")
        expect(try x.conv2d(weight: w, dilations: [1, 0]), "zero dilation")
        expect(try x.conv2d(weight: w, pads: [0, -1, 0, 0]), "negative pad")
        expect(try x.conv2d(weight: w, groups: 0), "zero groups")
        expect(try x.conv2d(weight: Tensor(zeros: [2, 4, 3, 3], dtype: .float32), groups: 2), "weight not C/groups")
        expect(try x.conv2d(weight: Tensor(zeros: [2, 1, 3, 3], dtype: .float32), groups: 3), "groups do not divide C")
        expect(try x.conv2d(weight: Tensor(zeros: [3, 1, 3, 3], dtype: .float32), groups: 4), "groups do not divide OC")
        expect(try x.conv2d(weight: Tensor(zeros: [2, 4, 6, 3], dtype: .float32)), "kernel taller than the input")
        expect(try x.conv2d(weight: Tensor(zeros: [2, 4, 3, 3], dtype: .float32), dilations: [3, 1]), "dilated kernel too tall")
        expect(try x.conv2d(weight: Tensor(zeros: [2, 4, 0, 3], dtype: .float32)), "empty kernel")
        expect(try x.conv2d(weight: w, bias: Tensor(zeros: [3], dtype: .float32)), "bias size")
        expect(try x.conv2d(weight: w, bias: Tensor(zeros: [2], dtype: .float64)), "bias dtype")
        expect(try x.conv2d(weight: Tensor(zeros: [2, 4, 3, 3], dtype: .float64)), "weight dtype")
        expect(try Tensor(zeros: [1, 4, 5, 5], dtype: .int32).conv2d(weight: Tensor(zeros: [2, 4, 3, 3], dtype: .int32)), "integer conv")
        // The kernel must fit the (padded) input even when a stride would round the size up to 1.
        let small = Tensor(zeros: [1, 2, 2, 2], dtype: .float32)
        expect(try small.conv2d(weight: Tensor(zeros: [2, 2, 3, 3], dtype: .float32), strides: [2, 2]), "3x3 on 2x2, stride 2")
        expect(try small.conv2d(weight: Tensor(zeros: [2, 1, 3, 3], dtype: .float32), strides: [2, 2], groups: 2), "depthwise 3x3 on 2x2, stride 2")
        expect(try small.conv2d(weight: Tensor(zeros: [2, 1, 1, 4], dtype: .float32), strides: [1, 3], pads: [0, 1, 0, 0], groups: 2), "1x4 on width 2+1, stride 3")
    }
}
