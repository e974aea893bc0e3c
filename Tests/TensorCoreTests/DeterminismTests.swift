import XCTest
@testable import TensorCore

/// DESIGN.md: static work splits, so results are bit-identical whatever the thread count.
/// Shapes are large enough that every kernel below really splits its work at 2 and 3 threads.
final class DeterminismTests: XCTestCase {

    /// Runs `body` once per thread count and checks that every result is bit-identical.
    func assertSameForThreadCounts(_ label: String, _ counts: [Int] = [1, 2, 3], note: String = "",
                                   file: StaticString = #filePath, line: UInt = #line,
                                   _ body: () throws -> [Tensor]) throws {
        let saved = Parallel.threads
        defer { Parallel.setThreads(saved) }
        var reference: [[UInt64]]?
        for n in counts {
            Parallel.setThreads(n)
            XCTAssertEqual(Parallel.threads, n, file: file, line: line)
            let bits = try body().map { t in t.doubles().map { $0.bitPattern } }
            if let reference {
                XCTAssertEqual(bits.count, reference.count, file: file, line: line)
                for (i, (a, b)) in zip(bits, reference).enumerated() where a != b {
                    let differing = zip(a, b).filter { $0 != $1 }.count
                    XCTFail("\(label): output \(i) differs between \(counts[0]) and \(n) threads in \(differing) of \(a.count) values\(note)",
                            file: file, line: line)
                }
            } else {
                reference = bits
            }
        }
    }

    func testThreadCountIsRestored() {
        let saved = Parallel.threads
        Parallel.setThreads(1)
        XCTAssertEqual(Parallel.threads, 1)
        Parallel.setThreads(0)
        XCTAssertEqual(Parallel.threads, 1, "clamped to at least one")
        Parallel.setThreads(saved)
        XCTAssertEqual(Parallel.threads, saved)
    }

    func testRandomSamplers() throws {
        try assertSameForThreadCounts("samplers") {
            var s = RandomStream(seed: 2024, purpose: "determinism")
            return [try Tensor.uniform([300_001], dtype: .float32, stream: &s),
                    try Tensor.uniform([300_001], low: -3, high: 5, dtype: .float64, stream: &s),
                    try Tensor.normal([100_001], dtype: .float32, stream: &s),
                    try Tensor.normal([100_001], mean: 1, standardDeviation: 3, dtype: .float64, stream: &s),
                    try Tensor.bernoulli([300_001], probability: 0.3, stream: &s),
                    Tensor.permutation(5000, stream: &s),
                    Tensor(scalar: Double(s.position))]
        }
    }

    func testElementwise() throws {
        var rng = TestRandom(seed: 101)
        let a = try makeTensor([64, 1, 1200], rng.values(64 * 1200, .float32), .float32)
        let b = try makeTensor([3, 1200], rng.values(3 * 1200, .float32), .float32).expanded(to: [64, 3, 1200])
        let c = try makeTensor([200_000], rng.values(200_000, .float64), .float64)
        try assertSameForThreadCounts("elementwise") {
            let sum = try a + b
            return [sum, try a.binary(.power, b.unary(.abs)), try c.unary(.exp), try c.unary(.erf), try b.unary(.tanh),
                    try sum.compare(.greater, a), try Tensor.where(sum.compare(.greater, a), sum, b),
                    try c.cast(to: .float32), try sum.cast(to: .float16)]
        }
    }

    func testReductions() throws {
        var rng = TestRandom(seed: 102)
        let x = try makeTensor([3, 700, 40], rng.values(84_000, .float32), .float32)
        let y = try makeTensor([400, 500], rng.values(200_000, .float64), .float64)
        try assertSameForThreadCounts("reductions") {
            var out: [Tensor] = []
            for axes in [[0], [1], [2], [0, 2], [1, 2], []] {
                out.append(try x.sum(axes: axes))
                out.append(try x.mean(axes: axes, keepDims: true))
                out.append(try x.maximum(axes: axes))
            }
            out.append(try y.sum(axes: [1]))
            out.append(try y.minimum(axes: [0]))
            out.append(try y.argmax(axis: 1))
            return out
        }
    }

    func testReductionBackward() throws {
        var rng = TestRandom(seed: 103)
        let value = try makeTensor([300, 400], rng.values(120_000, .float32), .float32)
        try assertSameForThreadCounts("reduction backward") {
            let p = Parameter(name: "x", value: value)
            let loss = try p.tensor.maximum(axes: [1], keepDims: true).binary(.multiply, p.tensor.mean(axes: [0], keepDims: true)).sum()
            try loss.backward()
            return [loss, p.grad ?? Tensor(zeros: [])]
        }
    }

    typealias ConvCase = (x: [Int], w: [Int], strides: [Int], pads: [Int], groups: Int)

    static let gemmConvCases: [ConvCase] = [
        ([4, 16, 24, 24], [32, 16, 3, 3], [1, 1], [1, 1, 1, 1], 1),     // im2col + GEMM
        ([3, 16, 20, 20], [16, 4, 3, 3], [2, 2], [0, 1, 2, 1], 4),      // grouped
    ]
    static let depthwiseConvCases: [ConvCase] = [
        ([4, 32, 24, 24], [32, 1, 3, 3], [1, 1], [1, 1, 1, 1], 32),     // depthwise, fused 3x3
        ([4, 32, 23, 23], [32, 1, 5, 5], [2, 2], [2, 1, 2, 2], 32),     // depthwise, general
    ]

    /// Forward, and the input, weight and bias gradients of Σ sin(conv).
    func convRun(_ c: ConvCase, seed: UInt64) throws -> () throws -> [Tensor] {
        var rng = TestRandom(seed: seed)
        let x = try makeTensor(c.x, rng.values(naiveProduct(c.x), .float32), .float32)
        let w = try makeTensor(c.w, rng.values(naiveProduct(c.w), .float32), .float32)
        let b = try makeTensor([c.w[0]], rng.values(c.w[0], .float32), .float32)
        return {
            let px = Parameter(name: "x", value: x), pw = Parameter(name: "w", value: w), pb = Parameter(name: "b", value: b)
            let out = try px.tensor.conv2d(weight: pw.tensor, bias: pb.tensor, strides: c.strides, pads: c.pads, groups: c.groups)
            try out.unary(.sin).sum().backward()
            return [out, px.grad ?? Tensor(zeros: []), pw.grad ?? Tensor(zeros: []), pb.grad ?? Tensor(zeros: [])]
        }
    }

    static let blasNote = """
        . Cause: the GEMM paths depend on the thread count by construction. Debian's pthread OpenBLAS \
        0.3.21 sums in a thread-count-dependent order (matmul has no Swift-side parallelism and still \
        differs), and at ≥ 2 threads conv switches to the chunked schedule whose per-thread \
        weight-gradient partials are "deterministic for a given thread count" (Conv2D.swift). \
        DESIGN.md promises bit-identity only for the same thread count, which holds \
        (testSameThreadCountIsReproducible). Decide: relax this test to that contract, or make GEMM \
        splits independent of the thread count.
        """

    func testDepthwiseConvAcrossThreadCounts() throws {
        for (i, c) in Self.depthwiseConvCases.enumerated() {
            let run = try convRun(c, seed: 104 + UInt64(i))
            try assertSameForThreadCounts("depthwise conv \(c)") { try run() }
        }
    }

    /// Required by the test plan (conv forward and backward bit-identical at 1 and 2 threads).
    /// Fails while the GEMM paths depend on the thread count; see `blasNote`.
    func testGemmConvAcrossThreadCounts() throws {
        for (i, c) in Self.gemmConvCases.enumerated() {
            let run = try convRun(c, seed: 114 + UInt64(i))
            try assertSameForThreadCounts("conv \(c)", [1, 2], note: Self.blasNote) { try run() }
        }
    }

    func testMatMulAcrossThreadCounts() throws {
        var rng = TestRandom(seed: 105)
        let a = try makeTensor([3, 200, 300], rng.values(180_000, .float32), .float32)
        let b = try makeTensor([300, 250], rng.values(75_000, .float32), .float32)
        try assertSameForThreadCounts("matmul", [1, 2], note: Self.blasNote) {
            let pa = Parameter(name: "a", value: a), pb = Parameter(name: "b", value: b)
            let out = try pa.tensor.matmul(pb.tensor)
            try out.sum().backward()
            return [out, pa.grad ?? Tensor(zeros: []), pb.grad ?? Tensor(zeros: [])]
        }
    }

    /// DESIGN.md's promise: the same inputs and thread count give bit-identical results, BLAS included.
    func testSameThreadCountIsReproducible() throws {
        let saved = Parallel.threads
        defer { Parallel.setThreads(saved); Tensor.convPathOverride = nil }
        for n in [1, 2, 3] {
            Parallel.setThreads(n)
            for schedule in [nil, false, true] as [Bool?] {
                Tensor.convPathOverride = schedule
                for (i, c) in (Self.gemmConvCases + Self.depthwiseConvCases).enumerated() {
                    let run = try convRun(c, seed: 124 + UInt64(i))
                    let first = try run().map { $0.doubles().map { $0.bitPattern } }
                    for _ in 0..<2 {
                        XCTAssertTrue(try run().map { $0.doubles().map { $0.bitPattern } } == first,
                                      "conv \(c) at \(n) threads, chunked schedule \(String(describing: schedule))")
                    }
                }
            }
        }
    }
}
