import ArgumentParser
import TensorCore

/// `winnow bench core`: sgemm peak, convolution layers as a fraction of it, depthwise vs memcpy.
struct BenchCoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "core",
        abstract: "Tensor-core speed: sgemm GFLOPS, conv forward/backward as a fraction of sgemm, depthwise bandwidth.")

    @Flag(name: .long, help: "Print one JSON object on stdout (progress still goes to stderr).")
    var json = false

    @Option(name: .long, help: "Timed repeats per measurement (median reported).")
    var repeats = 10

    @OptionGroup var threadOptions: ThreadOptions

    func validate() throws {
        guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1, got \(repeats)") }
    }

    func run() throws {
        try threadOptions.apply()
        Console.info("bench core: \(Parallel.threads) thread(s), median of \(repeats) repeats")
        let report = try CoreBenchmark(repeats: repeats).run { Console.info("  " + $0) }
        if json {
            Console.output(Self.json(report).serialized)
        } else {
            Console.output(Self.table(report))
        }
    }

    static func json(_ r: CoreBenchmark.Report) -> JSONValue {
        let peak = r.peakGflops
        func spread(_ t: Timing, flops: Double) -> JSONValue {
            .array([.number(flops / t.max / 1e9), .number(flops / t.min / 1e9)])
        }
        return .object([
            ("sgemm_gflops", .object(r.sgemm.map { (String($0.size), .number($0.gflops)) })),
            ("sgemm_spread_gflops", .object(r.sgemm.map { (String($0.size), spread($0.timing, flops: 2 * Double($0.size * $0.size * $0.size))) })),
            ("conv", .array(r.conv.map { c in
                .object([
                    ("name", .string(c.layer.name)), ("kernel", .integer(c.layer.kernel)),
                    ("channels", .integer(c.layer.channels)), ("size", .integer(c.layer.size)),
                    ("batch", .integer(c.layer.batch)),
                    ("forward_gflops", .number(c.forwardGflops)), ("backward_gflops", .number(c.backwardGflops)),
                    ("forward_fraction", .number(c.forwardGflops / peak)), ("backward_fraction", .number(c.backwardGflops / peak)),
                    ("forward_spread_gflops", spread(c.forward, flops: c.flops)),
                    ("backward_spread_gflops", spread(c.backward, flops: 2 * c.flops)),
                    ("im2col_forward_gflops", .number(c.im2colForwardGflops)),
                    ("im2col_backward_gflops", .number(c.im2colBackwardGflops)),
                ])
            })),
            ("depthwise", .object([
                ("gbps", .number(r.depthwiseGBps)), ("memcpy_gbps", .number(r.memcpyGBps)),
                ("fraction", .number(r.depthwiseGBps / r.memcpyGBps)),
                ("spread_gbps", .array([.number(r.depthwiseBytes / r.depthwise.max / 1e9), .number(r.depthwiseBytes / r.depthwise.min / 1e9)])),
            ])),
            ("threads", .integer(r.threads)),
            ("blas_core", .string(BLASCore.coreName)),
            ("repeats", .integer(r.sgemm.first?.timing.repeats ?? 0)),
        ])
    }

    static func table(_ r: CoreBenchmark.Report) -> String {
        var lines: [String] = []
        for s in r.sgemm { lines.append("sgemm \(s.size)³            \(format(s.gflops)) GFLOPS") }
        lines.append("layer          fwd GFLOPS  fwd frac  bwd GFLOPS  bwd frac  im2col fwd/bwd GFLOPS")
        for c in r.conv {
            let name = c.layer.name.padding(14)
            lines.append("\(name) \(format(c.forwardGflops).padding(11)) \(format(c.forwardGflops / r.peakGflops).padding(9)) \(format(c.backwardGflops).padding(11)) \(format(c.backwardGflops / r.peakGflops).padding(9)) \(format(c.im2colForwardGflops)) / \(format(c.im2colBackwardGflops))")
        }
        lines.append("depthwise 3x3 c128 32x32 b16: \(format(r.depthwiseGBps)) GB/s vs memcpy \(format(r.memcpyGBps)) GB/s (fraction \(format(r.depthwiseGBps / r.memcpyGBps)))")
        return lines.joined(separator: "\n")
    }
}

extension String {
    /// Left-aligned in a field of `width` characters.
    func padding(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}
