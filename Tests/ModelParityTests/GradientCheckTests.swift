import Foundation
import XCTest
@testable import ModelGraph
import ONNX
import TensorCore

/// Gradients through an imported graph (issue 8, "Gradients"): the pip-built Conv →
/// BatchNormalization → Reshape → Gemm → Softmax model, loss = Σ probs · R for a fixed random R,
/// `loss.backward()` against central finite differences of the same executor's forward pass, for
/// several elements of the input and of every floating-point Parameter.
final class GradientCheckTests: XCTestCase {
    struct Check {
        /// Relative to the largest |gradient| of the tensor being checked.
        var tolerance: Double
        /// Absolute floor, for gradients that are zero in exact arithmetic (a conv bias ahead of
        /// BatchNormalization with batch statistics cancels out).
        var absolute: Double
        var epsilon: Double
    }

    /// Float64 forward: central differences are accurate to ~eps² + 1e-16/eps.
    static let float64 = Check(tolerance: 1e-6, absolute: 1e-10, epsilon: 1e-6)
    /// Float32 forward: eps 1e-2 keeps the rounding error of the two losses (~1e-7 relative)
    /// (~3e-6 after dividing by 2·eps) well below the gradient, and the O(eps²) truncation error
    /// stays near 1e-4 for this model.
    static let float32 = Check(tolerance: 1e-2, absolute: 2e-5, epsilon: 1e-2)

    struct Setup {
        let graph: Graph
        let executor: Executor
        let x: Tensor
        let weights: Tensor
        let output: String
    }

    func setup(_ name: String) throws -> Setup {
        let fixtures = try ModelFixtures.get()
        let model = try fixtures.model(name)
        let graph = try fixtures.load(model)
        let executor = try Executor(graph: graph)
        let testCase = try XCTUnwrap(model.cases.first { $0.name == "b3" })
        let x = try XCTUnwrap(fixtures.inputs(testCase)["x"])
        let output = try XCTUnwrap(graph.outputs.first?.name)
        // A fixed weighting of the (3, 5) outputs, so the loss is not the constant Σ softmax = N.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let values = (0..<15).map { _ -> Double in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53) * 2 - 1
        }
        let weights = try Tensor(shape: [3, 5], scalars: values).cast(to: x.dtype)
        return Setup(graph: graph, executor: executor, x: x, weights: weights, output: output)
    }

    /// The loss in Float64 from a forward pass without the tape. Training mode uses batch
    /// statistics; the running statistics it writes back are restored so every pass sees the same graph.
    func loss(_ s: Setup, x: Tensor, training: Bool) throws -> Double {
        let saved = s.graph.initializers.map { ($0, $0.value) }
        defer { for (p, v) in saved { p.value = v } }
        let out = try noGrad { try XCTUnwrap(s.executor.run(["x": x], training: training)[s.output]) }
        return zip(out.doubles(), s.weights.doubles()).reduce(0) { $0 + $1.0 * $1.1 }
    }

    /// A few spread-out flat indices of a tensor with `count` elements.
    func probes(_ count: Int) -> [Int] {
        Array(Set([0, count - 1, count / 2, count / 3, (2 * count) / 3, (7 * count) / 11])).filter { $0 >= 0 && $0 < count }.sorted()
    }

    func perturbed(_ t: Tensor, at index: Int, by delta: Double) throws -> Tensor {
        var values = t.doubles()
        values[index] += delta
        return try Tensor(shape: t.shape, scalars: values).cast(to: t.dtype)
    }

    /// Compares `analytic` with central differences of `lossAt` at `probes`.
    func compare(_ label: String, analytic: Tensor?, value: Tensor, check: Check,
                 lossAt: (Tensor) throws -> Double, file: StaticString = #filePath, line: UInt = #line) throws {
        var numeric: [(Int, Double)] = []
        for index in probes(value.count) {
            let up = try lossAt(perturbed(value, at: index, by: check.epsilon))
            let down = try lossAt(perturbed(value, at: index, by: -check.epsilon))
            numeric.append((index, (up - down) / (2 * check.epsilon)))
        }
        let numericScale = numeric.map { abs($0.1) }.max() ?? 0
        guard let analytic else {
            // Only acceptable when the loss does not depend on this tensor at all.
            XCTAssertLessThanOrEqual(numericScale, check.absolute, "\(label): backward left no gradient, finite differences give \(numeric)", file: file, line: line)
            return
        }
        XCTAssertEqual(analytic.shape, value.shape, "\(label): gradient shape", file: file, line: line)
        let grad = analytic.doubles()
        let scale = max(grad.map(abs).max() ?? 0, numericScale)
        for (index, fd) in numeric {
            XCTAssertLessThanOrEqual(abs(grad[index] - fd), check.tolerance * scale + check.absolute,
                                     "\(label)[\(index)]: backward \(grad[index]), finite differences \(fd) (scale \(scale))", file: file, line: line)
        }
    }

    /// Training mode (batch statistics): the input and every floating-point Parameter.
    func checkTraining(_ name: String, check: Check) throws {
        let s = try setup(name)
        for p in s.graph.initializers { p.zeroGrad() }
        let saved = s.graph.initializers.map { ($0, $0.value) }
        let input = Parameter(name: "gradient-check input x", value: s.x)
        let out = try XCTUnwrap(s.executor.run(["x": input.tensor], training: true)[s.output])
        try (out * s.weights).sum().backward()
        for (p, v) in saved { p.value = v }
        try compare("\(name) training ∂L/∂x", analytic: input.grad, value: s.x, check: check) {
            try self.loss(s, x: $0, training: true)
        }
        let floating = s.graph.initializers.filter { $0.value.dtype.isFloatingCompute }
        XCTAssertGreaterThanOrEqual(floating.count, 8, "\(name): conv W/b, four BatchNormalization inputs, Gemm W/b")
        for p in floating {
            let original = p.value
            try compare("\(name) training ∂L/∂\(p.name)", analytic: p.grad, value: original, check: check) {
                p.value = $0
                defer { p.value = original }
                return try self.loss(s, x: s.x, training: true)
            }
        }
        // Everything the loss depends on was reached (running statistics are not used in training).
        for p in floating where !p.name.hasSuffix("running_mean") && !p.name.hasSuffix("running_var") {
            XCTAssertNotNil(p.grad, "\(name): backward did not reach \(p.name)")
        }
    }

    /// Inference mode (running statistics): the executor records parameters on the tape only in
    /// training, so here only the input gradient can be checked; the graph is run through the
    /// internal `execute` with grad mode on, which `run(training: false)` turns off.
    func checkInference(_ name: String, check: Check) throws {
        let s = try setup(name)
        let input = Parameter(name: "gradient-check input x", value: s.x)
        let out = try XCTUnwrap(s.executor.execute(["x": input.tensor], training: false, random: nil, observer: nil)[s.output])
        try (out * s.weights).sum().backward()
        try compare("\(name) inference ∂L/∂x", analytic: input.grad, value: s.x, check: check) {
            try self.loss(s, x: $0, training: false)
        }
    }

    func testFloat64TrainingModeMatchesFiniteDifferences() throws { try checkTraining("grad_small_f64", check: Self.float64) }

    func testFloat64InferenceModeInputGradientMatchesFiniteDifferences() throws { try checkInference("grad_small_f64", check: Self.float64) }

    func testFloat32TrainingModeMatchesFiniteDifferences() throws { try checkTraining("grad_small", check: Self.float32) }

    func testFloat32InferenceModeInputGradientMatchesFiniteDifferences() throws { try checkInference("grad_small", check: Self.float32) }
}
