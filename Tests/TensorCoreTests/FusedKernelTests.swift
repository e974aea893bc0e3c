import Foundation
import XCTest
@testable import TensorCore

/// The direct/depthwise convolution and the fused elementwise kernels against the naive path
/// (im2col conv2d, batchNormalization, adding) and closed forms in Double, on every
/// instruction set this CPU supports.
final class FusedKernelTests: XCTestCase {
    static let instructionSets = ["baseline", "avx2", "avx512"]

    override func tearDown() {
        // Back to the best variant for the other tests.
        for name in Self.instructionSets.reversed() where FusedKernels.selectInstructionSet(name) { break }
        super.tearDown()
    }

    /// Runs `body` once per supported instruction set; at least the baseline must run.
    func forEachInstructionSet(_ body: (String) throws -> Void) rethrows {
        var ran: [String] = []
        for name in Self.instructionSets where FusedKernels.selectInstructionSet(name) {
            XCTAssertEqual(FusedKernels.instructionSet, name)
            try body(name)
            ran.append(name)
        }
        XCTAssertTrue(ran.contains("baseline"), "the baseline kernels must always be available")
    }

    static func activate(_ x: Double, _ a: FusedActivation) -> Double {
        switch a {
        case .none: return x
        case .relu: return Swift.max(x, 0)
        case let .clip(lo, hi): return Swift.min(Swift.max(x, Double(lo)), Double(hi))
        case .sigmoid: return 1 / (1 + Foundation.exp(-x))
        case .silu: return x / (1 + Foundation.exp(-x))
        case let .hardSigmoid(alpha, beta): return Swift.max(0, Swift.min(1, Double(alpha) * x + Double(beta)))
        case .hardSwish: return x * Swift.max(0, Swift.min(1, x / 6 + 0.5))
        case let .leakyRelu(alpha): return x < 0 ? Double(alpha) * x : x
        }
    }

    func assertClose(_ got: Tensor, _ expected: [Double], relative: Double = 1e-4, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        let g = got.doubles()
        XCTAssertEqual(g.count, expected.count, what, file: file, line: line)
        let scale = Swift.max(expected.map { Swift.abs($0) }.max() ?? 0, 1e-6)
        var worst = 0.0, at = 0
        for (i, (a, b)) in zip(g, expected).enumerated() where Swift.abs(a - b) > worst || !a.isFinite {
            worst = a.isFinite ? Swift.abs(a - b) : .infinity
            at = i
        }
        XCTAssertLessThanOrEqual(worst / scale, relative, "\(what): worst difference \(worst) at \(at) (scale \(scale))", file: file, line: line)
    }

    struct Case {
        var n, c, oc, h, w, k: Int
        var stride: [Int], pads: [Int], dilation: [Int]
        var depthwise = false
    }

    static let cases: [Case] = [
        Case(n: 2, c: 3, oc: 16, h: 9, w: 11, k: 3, stride: [1, 1], pads: [1, 1, 1, 1], dilation: [1, 1]),
        Case(n: 1, c: 5, oc: 13, h: 8, w: 8, k: 3, stride: [2, 2], pads: [1, 1, 1, 1], dilation: [1, 1]),
        Case(n: 9, c: 4, oc: 8, h: 7, w: 6, k: 1, stride: [1, 1], pads: [0, 0, 0, 0], dilation: [1, 1]),
        Case(n: 3, c: 6, oc: 20, h: 12, w: 10, k: 5, stride: [1, 2], pads: [2, 1, 0, 3], dilation: [1, 1]),
        Case(n: 2, c: 4, oc: 9, h: 11, w: 13, k: 3, stride: [1, 1], pads: [2, 2, 2, 2], dilation: [2, 2]),
        Case(n: 1, c: 17, oc: 33, h: 16, w: 16, k: 3, stride: [1, 1], pads: [1, 1, 1, 1], dilation: [1, 1]),
        Case(n: 3, c: 2, oc: 3, h: 5, w: 5, k: 1, stride: [2, 2], pads: [0, 0, 0, 0], dilation: [1, 1]),
        Case(n: 2, c: 12, oc: 12, h: 10, w: 9, k: 3, stride: [1, 1], pads: [1, 1, 1, 1], dilation: [1, 1], depthwise: true),
        Case(n: 3, c: 7, oc: 7, h: 13, w: 12, k: 5, stride: [2, 2], pads: [1, 2, 2, 1], dilation: [1, 1], depthwise: true),
        Case(n: 1, c: 5, oc: 5, h: 9, w: 9, k: 3, stride: [2, 1], pads: [0, 0, 1, 1], dilation: [2, 1], depthwise: true),
        // Small planes: several images share one prepared group (and its tiles).
        Case(n: 37, c: 10, oc: 20, h: 2, w: 2, k: 1, stride: [1, 1], pads: [0, 0, 0, 0], dilation: [1, 1]),
        Case(n: 9, c: 3, oc: 5, h: 3, w: 5, k: 3, stride: [1, 1], pads: [1, 1, 1, 1], dilation: [1, 1]),
        Case(n: 30, c: 4, oc: 12, h: 4, w: 4, k: 3, stride: [2, 2], pads: [1, 1, 1, 1], dilation: [1, 1]),
        Case(n: 23, c: 6, oc: 6, h: 4, w: 4, k: 3, stride: [2, 2], pads: [0, 0, 1, 1], dilation: [1, 1], depthwise: true),
        Case(n: 41, c: 5, oc: 5, h: 2, w: 3, k: 5, stride: [1, 1], pads: [2, 2, 2, 2], dilation: [1, 1], depthwise: true),
        // Stride 1 with uneven and oversized padding (the compact layout shares one side's zeros).
        Case(n: 4, c: 3, oc: 10, h: 6, w: 7, k: 3, stride: [1, 1], pads: [0, 2, 1, 0], dilation: [1, 1]),
        Case(n: 3, c: 2, oc: 4, h: 5, w: 4, k: 3, stride: [1, 1], pads: [3, 0, 1, 4], dilation: [2, 1]),
        Case(n: 6, c: 4, oc: 4, h: 3, w: 3, k: 3, stride: [1, 1], pads: [2, 3, 0, 1], dilation: [1, 1], depthwise: true),
    ]

    func testConvolutionMatchesNaivePathWithFoldingAddendAndActivation() throws {
        let activations: [FusedActivation] = [.none, .relu, .clip(min: 0, max: 6), .silu, .sigmoid, .hardSwish,
                                              .hardSigmoid(alpha: 0.2, beta: 0.5), .leakyRelu(alpha: 0.1)]
        try forEachInstructionSet { isa in
            for (index, c) in Self.cases.enumerated() {
                var stream = RandomStream(seed: 42, purpose: "fused-conv", index: UInt64(index))
                let groups = c.depthwise ? c.c : 1
                let x = try Tensor.uniform([c.n, c.c, c.h, c.w], low: -1, high: 1, stream: &stream)
                let w = try Tensor.uniform([c.oc, c.c / groups, c.k, c.k], low: -0.5, high: 0.5, stream: &stream)
                let b = try Tensor.uniform([c.oc], low: -0.3, high: 0.3, stream: &stream)
                let norm = FoldedNormalization(scale: try Tensor.uniform([c.oc], low: 0.5, high: 1.5, stream: &stream),
                                               bias: try Tensor.uniform([c.oc], low: -0.2, high: 0.2, stream: &stream),
                                               mean: try Tensor.uniform([c.oc], low: -0.3, high: 0.3, stream: &stream),
                                               variance: try Tensor.uniform([c.oc], low: 0.5, high: 2, stream: &stream),
                                               epsilon: 1e-5)
                let plain = try x.conv2d(weight: w, bias: b, strides: c.stride, pads: c.pads, dilations: c.dilation, groups: groups)
                let normalized = try plain.batchNormalization(scale: norm.scale, bias: norm.bias, mean: norm.mean, variance: norm.variance, epsilon: norm.epsilon)
                let residual = try Tensor.uniform(plain.shape, low: -1, high: 1, stream: &stream)
                let perChannel = try Tensor.uniform([c.n, c.oc, 1, 1], low: -1, high: 1, stream: &stream)
                let activation = activations[index % activations.count]

                let conv = try PreparedConvolution(weight: w, bias: b, strides: c.stride, pads: c.pads, dilations: c.dilation, groups: groups)
                assertClose(try conv.apply(x), plain.doubles(), "\(isa) case \(index) plain")

                let fused = try PreparedConvolution(weight: w, bias: b, strides: c.stride, pads: c.pads, dilations: c.dilation, groups: groups,
                                                    normalization: norm, activation: activation)
                let withResidual = try normalized.adding(residual).doubles().map { Self.activate($0, activation) }
                assertClose(try fused.apply(x, addend: residual), withResidual, "\(isa) case \(index) bn+residual+\(activation)")
                let withChannel = try normalized.adding(perChannel).doubles().map { Self.activate($0, activation) }
                assertClose(try fused.apply(x, addend: perChannel), withChannel, "\(isa) case \(index) bn+per-channel+\(activation)")
            }
        }
    }

    func testUnsupportedConvolutionsAreRefusedWithReasons() throws {
        XCTAssertFalse(PreparedConvolution.supports(weightShape: [8, 2, 3, 3], groups: 2, inputChannels: 4))
        XCTAssertTrue(PreparedConvolution.supports(weightShape: [4, 1, 3, 3], groups: 4, inputChannels: 4))
        XCTAssertThrowsError(try PreparedConvolution(weight: Tensor(zeros: [8, 2, 3, 3]), bias: nil, strides: [1, 1], pads: [0, 0, 0, 0],
                                                     dilations: [1, 1], groups: 2)) { error in
            XCTAssertTrue("\(error)".contains("groups"), "\(error)")
        }
        let conv = try PreparedConvolution(weight: Tensor(zeros: [4, 3, 3, 3]), bias: nil, strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], groups: 1)
        XCTAssertThrowsError(try conv.apply(Tensor(zeros: [1, 3, 2, 2]))) { XCTAssertTrue("\($0)".contains("does not fit"), "\($0)") }
        XCTAssertThrowsError(try conv.apply(Tensor(zeros: [1, 2, 5, 5]))) { XCTAssertTrue("\($0)".contains("(N, 3, H, W)"), "\($0)") }
        XCTAssertThrowsError(try conv.apply(Tensor(zeros: [1, 3, 5, 5]), addend: Tensor(zeros: [1, 4, 3, 1]))) {
            XCTAssertTrue("\($0)".contains("addend"), "\($0)")
        }
    }

    func testActivationsMatchClosedForms() throws {
        var values: [Float] = [-100, -88, -87.5, -20, -6, -3, -1e-3, 0, 1e-3, 0.5, 3, 6, 20, 87.5, 100]
        var stream = RandomStream(seed: 7, purpose: "activations")
        for _ in 0..<1000 { values.append(Float(stream.nextDouble() * 24 - 12)) }
        let x = try Tensor(shape: [values.count], scalars: values)
        try forEachInstructionSet { isa in
            for a in [FusedActivation.none, .relu, .clip(min: -1, max: 2), .sigmoid, .silu, .hardSigmoid(alpha: 0.2, beta: 0.5), .hardSwish, .leakyRelu(alpha: 0.01)] {
                let got = try x.fusedActivation(a).doubles()
                for (v, g) in zip(values, got) {
                    let e = Self.activate(Double(v), a)
                    XCTAssertEqual(g, e, accuracy: 2e-6 * Swift.max(1, Swift.abs(e)), "\(isa) \(a) at \(v)")
                }
            }
        }
    }

    /// NaN propagates through the vector kernels as through the unfused operators: sigmoid, SiLU,
    /// clip, hard sigmoid, hard swish and leaky ReLU of NaN are NaN, and a softmax row holding a
    /// NaN (or +inf, where inf − inf appears) is NaN.
    func testNaNPropagatesThroughExpSigmoidAndSoftmax() throws {
        try forEachInstructionSet { isa in
            for length in [3, 16, 37] {
                var values = (0..<length).map { Float($0) * 0.25 - 2 }
                values[length / 2] = .nan
                let x = try Tensor(shape: [1, length], scalars: values)
                for a in [FusedActivation.sigmoid, .silu, .clip(min: -1, max: 1), .hardSigmoid(alpha: 0.2, beta: 0.5), .hardSwish, .leakyRelu(alpha: 0.1)] {
                    let got = try x.fusedActivation(a).doubles()
                    XCTAssertTrue(got[length / 2].isNaN, "\(isa) \(a) of NaN gave \(got[length / 2])")
                    XCTAssertEqual(got.filter(\.isNaN).count, 1, "\(isa) \(a): only the NaN lane")
                }
                XCTAssertTrue(try x.fusedSoftmaxLastAxis().doubles().allSatisfy(\.isNaN), "\(isa) softmax row with NaN, length \(length)")
                values[length / 2] = .infinity
                let y = try Tensor(shape: [1, length], scalars: values)
                XCTAssertTrue(try y.fusedSoftmaxLastAxis().doubles().allSatisfy(\.isNaN), "\(isa) softmax row with +inf, length \(length)")
                XCTAssertEqual(try y.fusedActivation(.sigmoid).doubles()[length / 2], 1, "\(isa) sigmoid(+inf)")
            }
        }
    }

    func testGroupNormMatchesDoubleReference() throws {
        try forEachInstructionSet { isa in
            for (n, c, h, w, groups) in [(2, 8, 5, 7, 4), (1, 6, 16, 16, 3), (3, 4, 1, 3, 1)] {
                var stream = RandomStream(seed: 3, purpose: "group-norm", index: UInt64(c))
                let x = try Tensor.uniform([n, c, h, w], low: -2, high: 3, stream: &stream)
                let scale = try Tensor.uniform([c], low: 0.5, high: 1.5, stream: &stream)
                let shift = try Tensor.uniform([c], low: -0.5, high: 0.5, stream: &stream)
                let xs = x.doubles(), s = scale.doubles(), b = shift.doubles()
                let plane = h * w, per = c / groups
                var expected = [Double](repeating: 0, count: xs.count)
                for image in 0..<n {
                    for g in 0..<groups {
                        let start = (image * c + g * per) * plane, count = per * plane
                        let slice = xs[start..<(start + count)]
                        let mean = slice.reduce(0, +) / Double(count)
                        let variance = slice.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(count)
                        for i in 0..<count {
                            let channel = g * per + i / plane
                            let y = (xs[start + i] - mean) / (variance + 1e-5).squareRoot() * s[channel] + b[channel]
                            expected[start + i] = Self.activate(y, .silu)
                        }
                    }
                }
                assertClose(try x.fusedGroupNorm(groups: groups, epsilon: 1e-5, scale: scale, shift: shift, activation: .silu), expected,
                            relative: 1e-5, "\(isa) group norm \(n)x\(c)x\(h)x\(w) g\(groups)")
            }
        }
    }

    func testSoftmaxRowsMatchDoubleReference() throws {
        try forEachInstructionSet { isa in
            for length in [1, 5, 16, 37, 256] {
                var stream = RandomStream(seed: 5, purpose: "softmax", index: UInt64(length))
                let x = try Tensor.uniform([3, length], low: -30, high: 30, stream: &stream)
                let xs = x.doubles()
                var expected: [Double] = []
                for r in 0..<3 {
                    let row = xs[(r * length)..<((r + 1) * length)]
                    let m = row.max()!
                    let e = row.map { Foundation.exp($0 - m) }
                    let total = e.reduce(0, +)
                    expected += e.map { $0 / total }
                }
                assertClose(try x.fusedSoftmaxLastAxis(), expected, relative: 1e-5, "\(isa) softmax length \(length)")
            }
        }
    }
}
