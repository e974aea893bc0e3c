import Foundation
import XCTest
import ModelGraph
import ONNX
import TensorCore

/// The execution plan (fusions, planned buffers) on the real-model fixtures: its outputs match
/// onnxruntime's and the unfused executor's within 1e-4 of the output's largest magnitude. Every
/// case runs three times so the compiled specialisation (not the recording run) is checked, and
/// the cases change batch size so specialisations are rebuilt.
final class ExecutionPlanParityTests: XCTestCase {
    func checkPlan(_ name: String, tolerance: Double = 1e-4, expectFusion: Bool = true, file: StaticString = #filePath, line: UInt = #line) throws {
        let fixtures = try ModelFixtures.get()
        let model = try fixtures.model(name)
        let graph = try fixtures.load(model)
        let plan = try ExecutionPlan(graph: graph)
        let executor = try Executor(graph: graph)
        for testCase in model.cases {
            let feeds = try fixtures.inputs(testCase)
            let expected = try fixtures.outputs(testCase)
            let unfused = try executor.run(feeds)
            for call in 0..<3 {
                let outputs = try plan.run(feeds)
                for (outputName, reference) in expected.sorted(by: { $0.key < $1.key }) {
                    guard let actual = outputs[outputName], let plain = unfused[outputName] else {
                        XCTFail("\(name) case \(testCase.name): output \(outputName) missing", file: file, line: line)
                        continue
                    }
                    let versusRuntime = Discrepancy(actual: actual, expected: reference)
                    XCTAssertLessThanOrEqual(versusRuntime.relative, tolerance, "\(name) \(testCase.name) call \(call) '\(outputName)' vs onnxruntime: \(versusRuntime)", file: file, line: line)
                    let versusUnfused = Discrepancy(actual: actual, expected: plain)
                    XCTAssertLessThanOrEqual(versusUnfused.relative, tolerance, "\(name) \(testCase.name) call \(call) '\(outputName)' vs unfused: \(versusUnfused)", file: file, line: line)
                }
            }
        }
        if expectFusion {
            XCTAssertTrue(plan.stepLabels.contains { $0.contains("+") }, "\(name): nothing was fused: \(plan.stepLabels)", file: file, line: line)
        }
    }

    func testResNets() throws {
        try checkPlan("resnet_legacy")
        try checkPlan("resnet_legacy_bn")
        try checkPlan("resnet_dynamo")
    }

    func testUNets() throws {
        try checkPlan("unet_matmul")
        try checkPlan("unet_einsum")
    }

    func testFloat64ModelsRunUnfusedThroughThePlan() throws {
        try checkPlan("grad_small_f64", tolerance: 1e-12, expectFusion: false)
        try checkPlan("unet_matmul_f64", tolerance: 1e-10, expectFusion: false)
    }

    func testEffNetLite0() throws {
        let fixtures = try ModelFixtures.get()
        guard fixtures.effnetPath != nil else {
            throw XCTSkip("effnet-lite0.onnx not found at ../shared/models (or $WINNOW_SHARED/models); the effnet plan check needs it")
        }
        try checkPlan("effnet")
    }
}
