import XCTest
@testable import TensorCore

/// The two im2col schedules (one large multi-threaded GEMM, or thread-owned image chunks with
/// single-threaded GEMMs) against a naive direct convolution and against each other.
final class ConvPathTests: XCTestCase {
    override func tearDown() {
        Tensor.convPathOverride = nil
        Tensor.directConvolution = true
        Parallel.setThreads(Parallel.threadsFromEnvironment() ?? Parallel.defaultThreads)
    }

    /// Direct 7-loop convolution over [Double]; shares nothing with the library's kernels.
    func naiveConv(_ x: [Double], _ xs: [Int], _ w: [Double], _ ws: [Int], _ b: [Double]?,
                   stride: (Int, Int), pads: [Int], dilation: (Int, Int), groups: Int) -> ([Double], [Int]) {
        let (n, c, h, wd) = (xs[0], xs[1], xs[2], xs[3])
        let (oc, cg, kh, kw) = (ws[0], ws[1], ws[2], ws[3])
        let oh = (h + pads[0] + pads[2] - dilation.0 * (kh - 1) - 1) / stride.0 + 1
        let ow = (wd + pads[1] + pads[3] - dilation.1 * (kw - 1) - 1) / stride.1 + 1
        let ocg = oc / groups
        var y = [Double](repeating: 0, count: n * oc * oh * ow)
        for i in 0..<n { for o in 0..<oc { for yy in 0..<oh { for xx in 0..<ow {
            var acc = b?[o] ?? 0
            let grp = o / ocg
            for ci in 0..<cg { for ky in 0..<kh { for kx in 0..<kw {
                let iy = yy * stride.0 - pads[0] + ky * dilation.0
                let ix = xx * stride.1 - pads[1] + kx * dilation.1
                if iy < 0 || iy >= h || ix < 0 || ix >= wd { continue }
                let channel = grp * cg + ci
                acc += x[((i * c + channel) * h + iy) * wd + ix] * w[((o * cg + ci) * kh + ky) * kw + kx]
            } } }
            y[((i * oc + o) * oh + yy) * ow + xx] = acc
        } } } }
        _ = c
        return (y, [n, oc, oh, ow])
    }

    func runCase(batch: Int, channels: Int, outChannels: Int, size: (Int, Int), kernel: (Int, Int), stride: (Int, Int),
                 pads: [Int], dilation: (Int, Int), groups: Int, dtype: DType, seed: UInt64) throws {
        var rng = TestRandom(seed: seed)
        let xs = [batch, channels, size.0, size.1], ws = [outChannels, channels / groups, kernel.0, kernel.1]
        let x = rng.tensor(xs, dtype: dtype), w = rng.tensor(ws, dtype: dtype), b = rng.tensor([outChannels], dtype: dtype)
        let (expected, shape) = naiveConv(x.doubles(), xs, w.doubles(), ws, b.doubles(), stride: stride, pads: pads,
                                          dilation: dilation, groups: groups)
        let tol = dtype == .float32 ? 1e-4 : 1e-10
        var outputs: [[Double]] = []
        var grads: [[[Double]]] = []
        for forced in [false, true] {
            Tensor.convPathOverride = forced
            let px = Parameter(name: "x", value: x), pw = Parameter(name: "w", value: w), pb = Parameter(name: "b", value: b)
            let y = try px.tensor.conv2d(weight: pw.tensor, bias: pb.tensor, strides: [stride.0, stride.1], pads: pads,
                                         dilations: [dilation.0, dilation.1], groups: groups)
            XCTAssertEqual(y.shape, shape)
            assertClose(y.doubles(), expected, abs: tol, rel: tol, "forward, chunked=\(forced)")
            try y.sum().backward()
            outputs.append(y.doubles())
            grads.append([px.grad!.doubles(), pw.grad!.doubles(), pb.grad!.doubles()])
        }
        // The two schedules compute the same sums in different orders: equal within rounding.
        for k in 0..<3 { assertClose(grads[0][k], grads[1][k], abs: tol * 10, rel: tol * 10, "gradient \(k) across schedules") }
        // The input gradient of Σy is the correlation of ones with w: check against the naive rule.
        var dxExpected = [Double](repeating: 0, count: x.count)
        let (oh, ow) = (shape[2], shape[3]), cg = channels / groups, ocg = outChannels / groups
        let wv = w.doubles()
        for i in 0..<batch { for o in 0..<outChannels { for yy in 0..<oh { for xx in 0..<ow {
            for ci in 0..<cg { for ky in 0..<kernel.0 { for kx in 0..<kernel.1 {
                let iy = yy * stride.0 - pads[0] + ky * dilation.0, ix = xx * stride.1 - pads[1] + kx * dilation.1
                if iy < 0 || iy >= size.0 || ix < 0 || ix >= size.1 { continue }
                let channel = (o / ocg) * cg + ci
                dxExpected[((i * channels + channel) * size.0 + iy) * size.1 + ix] += wv[((o * cg + ci) * kernel.0 + ky) * kernel.1 + kx]
            } } }
        } } } }
        assertClose(grads[1][0], dxExpected, abs: tol * 10, rel: tol * 10, "input gradient vs naive")
    }

    func testSchedulesAgreeWithNaiveConvolution() throws {
        Parallel.setThreads(2)
        try runCase(batch: 9, channels: 4, outChannels: 6, size: (7, 6), kernel: (3, 3), stride: (1, 1), pads: [1, 1, 1, 1],
                    dilation: (1, 1), groups: 1, dtype: .float32, seed: 1)
        try runCase(batch: 5, channels: 6, outChannels: 4, size: (9, 8), kernel: (3, 2), stride: (2, 1), pads: [0, 1, 2, 0],
                    dilation: (1, 2), groups: 2, dtype: .float64, seed: 2)
        try runCase(batch: 6, channels: 3, outChannels: 5, size: (5, 5), kernel: (1, 1), stride: (1, 1), pads: [0, 0, 0, 0],
                    dilation: (1, 1), groups: 1, dtype: .float32, seed: 3)
        try runCase(batch: 3, channels: 4, outChannels: 8, size: (6, 7), kernel: (3, 3), stride: (2, 2), pads: [1, 0, 1, 2],
                    dilation: (2, 1), groups: 4, dtype: .float64, seed: 4)
    }

    /// Float32 dense convolutions run the direct kernels forward and, at stride 1, for the input
    /// gradient (a convolution with flipped, transposed weights): both against the im2col + GEMM
    /// path on geometries that take the direct data gradient (pads below the kernel size, also
    /// uneven) and ones that do not (stride 2, dilation, pads as large as the kernel).
    func testDirectKernelsAgreeWithIm2colPath() throws {
        Parallel.setThreads(2)
        var rng = TestRandom(seed: 21)
        let cases: [(x: [Int], w: [Int], strides: [Int], pads: [Int], dilations: [Int])] = [
            ([16, 16, 28, 28], [16, 16, 3, 3], [1, 1], [1, 1, 1, 1], [1, 1]),
            ([3, 5, 9, 7], [11, 5, 3, 3], [1, 1], [0, 2, 1, 0], [1, 1]),
            ([4, 6, 8, 8], [9, 6, 1, 1], [1, 1], [0, 0, 0, 0], [1, 1]),
            ([2, 3, 10, 9], [4, 3, 5, 3], [1, 1], [2, 1, 2, 1], [1, 1]),
            ([5, 8, 14, 14], [16, 8, 3, 3], [2, 2], [1, 1, 1, 1], [1, 1]),
            ([2, 4, 9, 9], [6, 4, 3, 3], [1, 1], [2, 2, 2, 2], [2, 2]),
            ([2, 4, 6, 6], [5, 4, 3, 3], [1, 1], [3, 3, 3, 3], [1, 1]),
        ]
        for c in cases {
            let x = rng.tensor(c.x, dtype: .float32), w = rng.tensor(c.w, dtype: .float32), b = rng.tensor([c.w[0]], dtype: .float32)
            var results: [[[Double]]] = []
            for direct in [true, false] {
                Tensor.directConvolution = direct
                let px = Parameter(name: "x", value: x), pw = Parameter(name: "w", value: w), pb = Parameter(name: "b", value: b)
                let y = try px.tensor.conv2d(weight: pw.tensor, bias: pb.tensor, strides: c.strides, pads: c.pads, dilations: c.dilations)
                try y.unary(.sin).sum().backward()
                results.append([y.doubles(), px.grad!.doubles(), pw.grad!.doubles(), pb.grad!.doubles()])
            }
            for (k, name) in ["output", "input gradient", "weight gradient", "bias gradient"].enumerated() {
                let magnitude = results[1][k].map(abs).max() ?? 1
                assertClose(results[0][k], results[1][k], abs: 1e-5 * Swift.max(1, magnitude), rel: 1e-4, "\(c) \(name)")
            }
        }
    }

    func testChunkedScheduleIsChosenForLargeBatches() throws {
        Parallel.setThreads(2)
        let geo = try Conv2DGeometry(input: [128, 32, 14, 14], weight: [32, 32, 3, 3], strides: [1, 1], pads: [1, 1, 1, 1],
                                     dilations: [1, 1], groups: 1)
        XCTAssertTrue(Tensor.useThreadChunks(geo))
        let single = try Conv2DGeometry(input: [1, 32, 14, 14], weight: [32, 32, 3, 3], strides: [1, 1], pads: [1, 1, 1, 1],
                                        dilations: [1, 1], groups: 1)
        XCTAssertFalse(Tensor.useThreadChunks(single))
    }

    /// The schedule depends on the shape only, so one and two threads give the same bits.
    func testConvolutionIsBitIdenticalAcrossThreadCounts() throws {
        var rng = TestRandom(seed: 11)
        for (batch, size) in [(16, 8), (1, 9)] {
            let x = rng.tensor([batch, 4, size, size], dtype: .float32)
            let w = rng.tensor([6, 4, 3, 3], dtype: .float32)
            var results: [[[Double]]] = []
            for threads in [1, 2] {
                Parallel.setThreads(threads)
                let px = Parameter(name: "x", value: x), pw = Parameter(name: "w", value: w)
                let y = try px.tensor.conv2d(weight: pw.tensor, pads: [1, 1, 1, 1])
                try y.sum().backward()
                results.append([y.doubles(), px.grad!.doubles(), pw.grad!.doubles()])
            }
            XCTAssertEqual(results[0], results[1], "batch \(batch): results differ between 1 and 2 threads")
        }
    }
}
