import CBLAS
#if canImport(Glibc)
import Glibc
#endif

/// Timing summary of repeated runs: median and the spread (min, max) in seconds.
public struct Timing: Sendable, Codable {
    public let median: Double
    public let min: Double
    public let max: Double
    public let repeats: Int

    /// Runs `body` `warmup` times untimed, then `repeats` times timed.
    public static func measure(warmup: Int = 2, repeats: Int, _ body: () -> Void) -> Timing {
        for _ in 0..<warmup { body() }
        var samples: [Double] = []
        for _ in 0..<Swift.max(repeats, 1) {
            let start = monotonicSeconds()
            body()
            samples.append(monotonicSeconds() - start)
        }
        samples.sort()
        let mid = samples.count / 2
        let median = samples.count % 2 == 1 ? samples[mid] : (samples[mid - 1] + samples[mid]) / 2
        return Timing(median: median, min: samples[0], max: samples[samples.count - 1], repeats: samples.count)
    }

    /// Seconds from a monotonic clock.
    public static func monotonicSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }
}

/// `winnow bench core`: BLAS GEMM peak, convolution layers as a fraction of it, and the
/// depthwise kernel's bandwidth against memcpy, all measured in one run.
public struct CoreBenchmark: Sendable {
    /// One convolution layer of the benchmark (N, C→C, S×S, K×K, stride 1, same padding).
    public struct ConvLayer: Sendable {
        public let kernel, channels, size, batch: Int
        public var name: String { "\(kernel)x\(kernel)-c\(channels)-\(size)" }
    }

    /// Result for one convolution layer; GFLOPS count a multiply-add as two operations.
    public struct ConvResult: Sendable {
        public let layer: ConvLayer
        /// conv2d's own path (the direct kernels for these float32 layers).
        public let forward: Timing
        public let backward: Timing
        /// The im2col + GEMM reference path.
        public let im2colForward: Timing
        public let im2colBackward: Timing
        public let flops: Double
        public var forwardGflops: Double { flops / forward.median / 1e9 }
        /// Input and weight gradients together: twice the forward's operations.
        public var backwardGflops: Double { 2 * flops / backward.median / 1e9 }
        public var im2colForwardGflops: Double { flops / im2colForward.median / 1e9 }
        public var im2colBackwardGflops: Double { 2 * flops / im2colBackward.median / 1e9 }
    }

    /// Everything `bench core` reports.
    public struct Report: Sendable {
        public let threads: Int
        public let sgemm: [(size: Int, timing: Timing, gflops: Double)]
        public let conv: [ConvResult]
        public let depthwiseBytes: Double
        public let depthwise: Timing
        public let memcpy: Timing
        public var peakGflops: Double { sgemm.first { $0.size == 1024 }?.gflops ?? sgemm.map(\.gflops).max() ?? 1 }
        public var depthwiseGBps: Double { depthwiseBytes / depthwise.median / 1e9 }
        public var memcpyGBps: Double { depthwiseBytes / memcpy.median / 1e9 }
    }

    public var repeats: Int
    public var layers: [ConvLayer]

    public init(repeats: Int = 10) {
        self.repeats = repeats
        var layers: [ConvLayer] = []
        for kernel in [3, 1] {
            for (channels, size) in [(16, 28), (32, 14), (64, 7)] {
                layers.append(ConvLayer(kernel: kernel, channels: channels, size: size, batch: 128))
            }
        }
        self.layers = layers
    }

    /// Runs every measurement; `progress` gets one human line per step.
    public func run(progress: (String) -> Void = { _ in }) throws -> Report {
        var stream = RandomStream(seed: 7, purpose: "bench")
        var sgemm: [(Int, Timing, Double)] = []
        for size in [512, 1024] {
            let a = try Tensor.uniform([size, size], low: -1, high: 1, stream: &stream)
            let b = try Tensor.uniform([size, size], low: -1, high: 1, stream: &stream)
            var c = Tensor(zeros: [size, size])
            let t = a.withElements(Float.self) { pa in
                b.withElements(Float.self) { pb in
                    c.withMutableElements(Float.self) { pc in
                        Timing.measure(warmup: 3, repeats: repeats) {
                            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(size), Int32(size), Int32(size),
                                        1, pa.baseAddress, Int32(size), pb.baseAddress, Int32(size), 0, pc.baseAddress, Int32(size))
                        }
                    }
                }
            }
            let gflops = 2 * pow(Double(size), 3) / t.median / 1e9
            progress("sgemm \(size)³: \(format(gflops)) GFLOPS (median of \(t.repeats))")
            sgemm.append((size, t, gflops))
        }

        var conv: [ConvResult] = []
        for layer in layers {
            let x = try Tensor.uniform([layer.batch, layer.channels, layer.size, layer.size], low: -1, high: 1, stream: &stream)
            let w = try Tensor.uniform([layer.channels, layer.channels, layer.kernel, layer.kernel], low: -0.1, high: 0.1, stream: &stream)
            let pad = layer.kernel / 2
            let geo = try Conv2DGeometry(input: x.shape, weight: w.shape, strides: [1, 1], pads: [pad, pad, pad, pad], dilations: [1, 1], groups: 1)
            let g = try Tensor.uniform([layer.batch, layer.channels, geo.outHeight, geo.outWidth], low: -1, high: 1, stream: &stream)
            // What training runs (conv2d's forward and gradients: the direct kernels), and the
            // im2col + GEMM reference path beside it.
            let direct = Tensor.usesDirectKernels(geo, dtype: .float32)
            // Once outside the timing, so an error surfaces instead of timing a call that failed.
            _ = try Tensor.convolutionForward(x, w, nil, geo, direct: direct)
            _ = try Tensor.convolutionGradients(g, x, w, geo, needInputGradient: true, direct: direct)
            let forward = Timing.measure(repeats: repeats) { _ = try? Tensor.convolutionForward(x, w, nil, geo, direct: direct) }
            let backward = Timing.measure(repeats: repeats) {
                _ = try? Tensor.convolutionGradients(g, x, w, geo, needInputGradient: true, direct: direct)
            }
            let im2colForward = Timing.measure(repeats: repeats) { _ = Tensor.convForward(x, w, nil, geo, Float.self) }
            let im2colBackward = Timing.measure(repeats: repeats) { _ = Tensor.convBackward(g, x, w, geo, true, Float.self) }
            let result = ConvResult(layer: layer, forward: forward, backward: backward, im2colForward: im2colForward,
                                    im2colBackward: im2colBackward, flops: 2 * Double(geo.macs))
            progress("conv \(layer.name) batch \(layer.batch): forward \(format(result.forwardGflops)) GFLOPS, backward \(format(result.backwardGflops)) GFLOPS (im2col + GEMM: \(format(2 * Double(geo.macs) / im2colForward.median / 1e9)), \(format(4 * Double(geo.macs) / im2colBackward.median / 1e9)))")
            conv.append(result)
        }

        // Depthwise 3x3, 128 channels, 32x32, batch 16, same padding.
        let x = try Tensor.uniform([16, 128, 32, 32], low: -1, high: 1, stream: &stream)
        let w = try Tensor.uniform([128, 1, 3, 3], low: -0.3, high: 0.3, stream: &stream)
        let geo = try Conv2DGeometry(input: x.shape, weight: w.shape, strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], groups: 128)
        let bytes = Double((x.count + geo.batch * geo.outChannels * geo.outHeight * geo.outWidth + w.count) * 4)
        let depthwise = Timing.measure(repeats: repeats * 3) { _ = Tensor.depthwiseForward(x, w, nil, geo, Float.self) }
        // memcpy of the same number of bytes, into a fresh destination each time as the kernel does.
        let byteCount = Int(bytes)
        let source = UnsafeMutableRawPointer.allocate(byteCount: byteCount, alignment: 64)
        source.initializeMemory(as: UInt8.self, repeating: 1, count: byteCount)
        defer { source.deallocate() }
        let memcpyTiming = Timing.measure(repeats: repeats * 3) {
            let destination = UnsafeMutableRawPointer.allocate(byteCount: byteCount, alignment: 64)
            memcpy(destination, source, byteCount)
            destination.deallocate()
        }
        let report = Report(threads: Parallel.threads, sgemm: sgemm, conv: conv, depthwiseBytes: bytes,
                            depthwise: depthwise, memcpy: memcpyTiming)
        progress("depthwise 3x3 c128 32x32 batch 16: \(format(report.depthwiseGBps)) GB/s, memcpy \(format(report.memcpyGBps)) GB/s")
        return report
    }
}

/// Two-decimal formatting without Foundation.
public func format(_ value: Double, digits: Int = 2) -> String {
    guard value.isFinite else { return "\(value)" }
    let scale = pow(10.0, Double(digits))
    let rounded = (value * scale).rounded() / scale
    var text = "\(rounded)"
    if let dot = text.firstIndex(of: ".") {
        let decimals = text.distance(from: dot, to: text.endIndex) - 1
        if decimals < digits { text += String(repeating: "0", count: digits - decimals) }
    } else {
        text += "." + String(repeating: "0", count: digits)
    }
    return text
}
