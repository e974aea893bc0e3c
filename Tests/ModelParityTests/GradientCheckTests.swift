import Foundation
import XCTest
@testable import ModelGraph
import ONNX
import TensorCore

/// Gradients through imported graphs (issue 8, "Gradients"): loss = Σ output · R for a fixed
/// random R, `loss.backward()` against central finite differences of the same executor's forward
/// pass, for several elements of every floating-point input and of every floating-point Parameter.
/// Models: the pip-built Conv → BatchNormalization → Reshape → Gemm → Softmax model (Float64 and
/// Float32) and the DDPM UNets in Float64 (InstanceNormalization, Resize, attention, Sin/Cos, ...).
final class GradientCheckTests: XCTestCase {
    struct Check {
        /// Relative to the largest |gradient| of the tensor being checked.
        var tolerance: Double
        /// Absolute floor, for gradients that are zero in exact arithmetic (a conv bias ahead of
        /// BatchNormalization with batch statistics cancels out; so does the key bias of attention).
        /// The rounding of the loss itself, 16 ulp(|L|) / eps, is added to it.
        var absolute: Double
        var epsilon: Double
        /// Unit roundoff of the forward pass's dtype.
        var roundoff: Double
    }

    /// Float64 forward: central differences are accurate to ~eps² + 1e-16/eps.
    static let float64 = Check(tolerance: 1e-6, absolute: 1e-10, epsilon: 1e-6, roundoff: 0x1p-52)
    /// Float32 forward: eps 1e-2 keeps the rounding error of the two losses (~1e-7 relative,
    /// ~3e-6 after dividing by 2·eps) well below the gradient, and the O(eps²) truncation error
    /// stays near 1e-4 for this model.
    static let float32 = Check(tolerance: 1e-2, absolute: 2e-5, epsilon: 1e-2, roundoff: 0x1p-23)

    struct Setup {
        let graph: Graph
        let executor: Executor
        let feeds: [String: Tensor]
        let weights: Tensor
        let output: String
    }

    func setup(_ name: String, caseName: String) throws -> Setup {
        let fixtures = try ModelFixtures.get()
        let model = try fixtures.model(name)
        let graph = try fixtures.load(model)
        let executor = try Executor(graph: graph)
        let testCase = try XCTUnwrap(model.cases.first { $0.name == caseName })
        let feeds = try fixtures.inputs(testCase)
        let output = try XCTUnwrap(graph.outputs.first?.name)
        let reference = try XCTUnwrap(fixtures.outputs(testCase)[output])
        // A fixed weighting of the outputs, so the loss is not a constant such as Σ softmax = N.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let values = (0..<reference.count).map { _ -> Double in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53) * 2 - 1
        }
        let weights = try Tensor(shape: reference.shape, scalars: values).cast(to: reference.dtype)
        return Setup(graph: graph, executor: executor, feeds: feeds, weights: weights, output: output)
    }

    /// The loss in Float64 from a forward pass without the tape. Training mode uses batch
    /// statistics; the running statistics it writes back are restored so every pass sees the same graph.
    func loss(_ s: Setup, feeds: [String: Tensor], training: Bool) throws -> Double {
        let saved = s.graph.initializers.map { ($0, $0.value) }
        defer { for (p, v) in saved { p.value = v } }
        let out = try noGrad { try XCTUnwrap(s.executor.run(feeds, training: training)[s.output]) }
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
        let floor = check.absolute + 16 * check.roundoff * abs(try lossAt(value)) / check.epsilon
        var numeric: [(Int, Double)] = []
        for index in probes(value.count) {
            let up = try lossAt(perturbed(value, at: index, by: check.epsilon))
            let down = try lossAt(perturbed(value, at: index, by: -check.epsilon))
            numeric.append((index, (up - down) / (2 * check.epsilon)))
        }
        let numericScale = numeric.map { abs($0.1) }.max() ?? 0
        guard let analytic else {
            // Only acceptable when the loss does not depend on this tensor at all.
            XCTAssertLessThanOrEqual(numericScale, floor, "\(label): backward left no gradient, finite differences give \(numeric)", file: file, line: line)
            return
        }
        XCTAssertEqual(analytic.shape, value.shape, "\(label): gradient shape", file: file, line: line)
        let grad = analytic.doubles()
        let scale = max(grad.map(abs).max() ?? 0, numericScale)
        for (index, fd) in numeric {
            XCTAssertLessThanOrEqual(abs(grad[index] - fd), check.tolerance * scale + floor,
                                     "\(label)[\(index)]: backward \(grad[index]), finite differences \(fd) (scale \(scale))", file: file, line: line)
        }
    }

    /// Training mode (batch statistics): every floating input and every floating Parameter.
    func checkTraining(_ name: String, caseName: String = "b3", check: Check,
                       minimumParameters: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        let s = try setup(name, caseName: caseName)
        for p in s.graph.initializers { p.zeroGrad() }
        let saved = s.graph.initializers.map { ($0, $0.value) }
        var recorded = s.feeds
        var inputs: [String: Parameter] = [:]
        for (feed, value) in s.feeds where value.dtype.isFloatingCompute {
            let p = Parameter(name: "gradient-check input \(feed)", value: value)
            inputs[feed] = p
            recorded[feed] = p.tensor
        }
        let out = try XCTUnwrap(s.executor.run(recorded, training: true)[s.output])
        try (out * s.weights).sum().backward()
        for (p, v) in saved { p.value = v }
        XCTAssertFalse(inputs.isEmpty, "\(name): no floating-point input", file: file, line: line)
        for (feed, p) in inputs.sorted(by: { $0.key < $1.key }) {
            try compare("\(name) training ∂L/∂\(feed)", analytic: p.grad, value: p.value, check: check, lossAt: {
                var feeds = s.feeds
                feeds[feed] = $0
                return try self.loss(s, feeds: feeds, training: true)
            }, file: file, line: line)
        }
        // Trainable parameters only: BatchNormalization's running statistics and graph constants
        // (Constant nodes folded at load, Resize scales) are not differentiated.
        let trainable = s.graph.initializers.filter { $0.requiresGrad }
        XCTAssertGreaterThanOrEqual(trainable.count, minimumParameters, "\(name): trainable parameters", file: file, line: line)
        for p in trainable {
            let original = p.value
            try compare("\(name) training ∂L/∂\(p.name)", analytic: p.grad, value: original, check: check, lossAt: {
                p.value = $0
                defer { p.value = original }
                return try self.loss(s, feeds: s.feeds, training: true)
            }, file: file, line: line)
        }
        // Every trainable parameter was reached.
        for p in trainable {
            XCTAssertNotNil(p.grad, "\(name): backward did not reach \(p.name)", file: file, line: line)
        }
    }

    /// Inference mode (running statistics): the executor records parameters on the tape only in
    /// training, so here only input gradients can be checked; the graph is run through the
    /// internal `execute` with grad mode on, which `run(training: false)` turns off.
    func checkInference(_ name: String, check: Check) throws {
        let s = try setup(name, caseName: "b3")
        let input = Parameter(name: "gradient-check input x", value: try XCTUnwrap(s.feeds["x"]))
        let out = try XCTUnwrap(s.executor.execute(["x": input.tensor], training: false, random: nil, observer: nil)[s.output])
        try (out * s.weights).sum().backward()
        try compare("\(name) inference ∂L/∂x", analytic: input.grad, value: input.value, check: check) {
            try self.loss(s, feeds: ["x": $0], training: false)
        }
    }

    func testFloat64TrainingModeMatchesFiniteDifferences() throws {
        try checkTraining("grad_small_f64", check: Self.float64, minimumParameters: 6)
    }

    func testFloat64InferenceModeInputGradientMatchesFiniteDifferences() throws { try checkInference("grad_small_f64", check: Self.float64) }

    func testFloat32TrainingModeMatchesFiniteDifferences() throws {
        try checkTraining("grad_small", check: Self.float32, minimumParameters: 6)
    }

    func testFloat32InferenceModeInputGradientMatchesFiniteDifferences() throws { try checkInference("grad_small", check: Self.float32) }

    /// Training mode on every real model: `loss.backward()` reaches every trainable Parameter with
    /// a finite gradient, and not all of each model's gradients vanish.
    func testBackwardReachesEveryTrainableParameterOfEveryModel() throws {
        var names = ["resnet_legacy", "resnet_legacy_bn", "resnet_dynamo", "unet_matmul", "unet_einsum"]
        if ModelFixtures.effnetURL != nil { names.append("effnet") }
        for name in names {
            let s = try setup(name, caseName: name == "effnet" ? "s64_b2" : "b3")
            let trainable = s.graph.initializers.filter(\.requiresGrad)
            XCTAssertGreaterThan(trainable.count, 4, name)
            let out = try XCTUnwrap(s.executor.run(s.feeds, training: true)[s.output])
            try (out * s.weights).sum().backward()
            var largest = 0.0
            for p in trainable {
                guard let grad = p.grad else { XCTFail("\(name): backward did not reach \(p.name)"); continue }
                XCTAssertEqual(grad.shape, p.value.shape, "\(name): \(p.name)")
                let values = grad.doubles()
                XCTAssertTrue(values.allSatisfy(\.isFinite), "\(name): non-finite gradient for \(p.name)")
                largest = max(largest, values.map(abs).max() ?? 0)
            }
            XCTAssertGreaterThan(largest, 0, "\(name): every gradient is zero")
        }
    }

    /// GroupNorm-as-InstanceNormalization, SiLU, strided Conv, Resize, Concat, MatMul attention
    /// with a Shape-derived Div scale, Gemm time embedding: every parameter.
    func testUNetWithMatMulAttentionFloat64GradientsMatchFiniteDifferences() throws {
        try checkTraining("unet_matmul_f64", caseName: "b1", check: Self.float64, minimumParameters: 40)
    }

    /// The Einsum attention variant, with float timesteps: ∂L/∂t goes through Sin/Cos.
    func testUNetWithEinsumAttentionFloat64GradientsMatchFiniteDifferences() throws {
        try checkTraining("unet_einsum_f64", caseName: "b1", check: Self.float64, minimumParameters: 40)
    }
}
