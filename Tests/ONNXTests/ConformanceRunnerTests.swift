import Foundation
import ModelGraph
import TensorCore
import XCTest
@testable import ONNX

/// The runner on small test folders written here: every status and reason it can give, each
/// test isolated, comparisons by the stated tolerance. Expected values are closed forms.
final class ConformanceRunnerTests: XCTestCase {
    var root: URL!

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("winnow-conformance-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: root)
    }

    /// Writes `root/name/model.onnx` (one node `opType` from x to y at `opset`) and one data set.
    func makeTest(_ name: String, opType: String = "Relu", opset: Int64 = 17, domain: String = "",
                  input: [Float], expected: ONNXTensor) throws {
        let folder = root.appendingPathComponent(name)
        let dataSet = folder.appendingPathComponent("test_data_set_0")
        try FileManager.default.createDirectory(at: dataSet, withIntermediateDirectories: true)
        let shape = [ONNXDimension.known(input.count)]
        var imports = [ONNXOpsetImport(domain: "", version: opset)]
        if !domain.isEmpty { imports.append(ONNXOpsetImport(domain: domain, version: 1)) }
        let model = ONNXModel(
            irVersion: 8, opsetImports: imports,
            graph: ONNXGraphProto(
                name: name,
                nodes: [ONNXNode(opType: opType, domain: domain, inputs: ["x"], outputs: ["y"])],
                inputs: [ONNXValueInfo(name: "x", elementType: .float, dims: shape)],
                outputs: [ONNXValueInfo(name: "y", elementType: expected.dataType, dims: expected.dims.map { .known($0) })]))
        try ONNXWriter().write(model, to: folder.appendingPathComponent("model.onnx"))
        let x = ONNXTensor(name: "x", dataType: .float, dims: [input.count], data: .floats(input))
        try ONNXWriter().serialize(x).write(to: dataSet.appendingPathComponent("input_0.pb"))
        try ONNXWriter().serialize(expected).write(to: dataSet.appendingPathComponent("output_0.pb"))
    }

    func floats(_ values: [Float]) -> ONNXTensor {
        ONNXTensor(name: "y", dataType: .float, dims: [values.count], data: .floats(values))
    }

    func testStatusesAndReasons() throws {
        let x: [Float] = [-2, -0.5, 0, 1.5, 3]
        let relu: [Float] = [0, 0, 0, 1.5, 3]
        try makeTest("test_a_pass", input: x, expected: floats(relu))
        try makeTest("test_b_within_tolerance", input: x, expected: floats(relu.map { $0 * (1 + 5e-4) }))
        var wrong = relu
        wrong[3] = 1.6
        try makeTest("test_c_wrong_value", input: x, expected: floats(wrong))
        try makeTest("test_d_wrong_dtype", input: x,
                     expected: ONNXTensor(name: "y", dataType: .double, dims: [5], data: .doubles(relu.map(Double.init))))
        try makeTest("test_e_wrong_shape", input: x, expected: floats(Array(relu.prefix(4))))
        try makeTest("test_f_unregistered", opType: "NoSuchOnnxOp", input: x, expected: floats(relu))
        try makeTest("test_g_other_domain", opType: "Relu", domain: "com.example", input: x, expected: floats(relu))
        // Relu exists, but not its opset-1 form (consumed_inputs era): a failure, never a skip.
        try makeTest("test_h_missing_version", opset: 1, input: x, expected: floats(relu))
        try makeTest("test_i_listed", opType: "NoSuchOnnxOp", input: x, expected: floats(relu))
        // A broken test in the middle does not stop the run.
        let broken = root.appendingPathComponent("test_j_garbage")
        try FileManager.default.createDirectory(at: broken.appendingPathComponent("test_data_set_0"), withIntermediateDirectories: true)
        try Data([0xFF, 0x01, 0x02, 0x03]).write(to: broken.appendingPathComponent("model.onnx"))
        try makeTest("test_k_after_garbage", input: x, expected: floats(relu))
        // A folder without model.onnx is not a test.
        try FileManager.default.createDirectory(at: root.appendingPathComponent("not_a_test"), withIntermediateDirectories: true)

        let runner = ConformanceRunner(nondeterministic: ["test_i_listed"])
        let summary = try runner.run(directory: root)
        let byName = Dictionary(uniqueKeysWithValues: summary.tests.map { ($0.name, $0) })

        XCTAssertEqual(summary.tests.map(\.name), ["test_a_pass", "test_b_within_tolerance", "test_c_wrong_value", "test_d_wrong_dtype",
                                                   "test_e_wrong_shape", "test_f_unregistered", "test_g_other_domain",
                                                   "test_h_missing_version", "test_i_listed", "test_j_garbage", "test_k_after_garbage"])
        XCTAssertEqual(summary.total, 11)
        XCTAssertEqual(summary.passed + summary.failed + summary.skipped, summary.total)
        XCTAssertEqual(byName["test_a_pass"]?.status, .passed)
        XCTAssertEqual(byName["test_a_pass"]?.reason, "")
        XCTAssertEqual(byName["test_b_within_tolerance"]?.status, .passed)
        XCTAssertEqual(byName["test_c_wrong_value"]?.status, .failed)
        XCTAssertTrue(byName["test_c_wrong_value"]?.reason.contains("element [3] is 1.5, expected 1.6") ?? false, byName["test_c_wrong_value"]?.reason ?? "")
        XCTAssertEqual(byName["test_d_wrong_dtype"]?.status, .failed)
        XCTAssertTrue(byName["test_d_wrong_dtype"]?.reason.contains("dtype float32, expected float64") ?? false)
        XCTAssertEqual(byName["test_e_wrong_shape"]?.status, .failed)
        XCTAssertTrue(byName["test_e_wrong_shape"]?.reason.contains("shape [5], expected [4]") ?? false)
        XCTAssertEqual(byName["test_f_unregistered"]?.status, .skipped)
        XCTAssertEqual(byName["test_f_unregistered"]?.reason, "op not registered: NoSuchOnnxOp")
        XCTAssertEqual(byName["test_g_other_domain"]?.status, .skipped)
        XCTAssertEqual(byName["test_g_other_domain"]?.reason, "op not registered: com.example.Relu")
        XCTAssertEqual(byName["test_h_missing_version"]?.status, .failed)
        XCTAssertTrue(byName["test_h_missing_version"]?.reason.contains("Relu (opset 1)") ?? false, byName["test_h_missing_version"]?.reason ?? "")
        XCTAssertEqual(byName["test_i_listed"]?.status, .skipped)
        XCTAssertEqual(byName["test_i_listed"]?.reason, "nondeterministic: listed")
        XCTAssertEqual(byName["test_j_garbage"]?.status, .failed)
        XCTAssertFalse(byName["test_j_garbage"]?.reason.isEmpty ?? true)
        XCTAssertEqual(byName["test_k_after_garbage"]?.status, .passed)

        let filtered = try runner.run(directory: root, filter: "wrong")
        XCTAssertEqual(filtered.tests.map(\.name), ["test_c_wrong_value", "test_d_wrong_dtype", "test_e_wrong_shape"])
    }

    func testEveryDataSetIsCompared() throws {
        let x: [Float] = [-1, 2]
        try makeTest("test_two_sets", input: x, expected: floats([0, 2]))
        // A second data set whose expected output is wrong must fail the test.
        let second = root.appendingPathComponent("test_two_sets/test_data_set_1")
        try FileManager.default.createDirectory(at: second, withIntermediateDirectories: true)
        let input = ONNXTensor(name: "x", dataType: .float, dims: [2], data: .floats([3, -4]))
        try ONNXWriter().serialize(input).write(to: second.appendingPathComponent("input_0.pb"))
        try ONNXWriter().serialize(floats([3, -4])).write(to: second.appendingPathComponent("output_0.pb"))
        let result = ConformanceRunner().runTest(at: root.appendingPathComponent("test_two_sets"))
        XCTAssertEqual(result.status, .failed)
        XCTAssertTrue(result.reason.hasPrefix("test_data_set_1: output 'y': element [1] is 0.0, expected -4.0"), result.reason)
    }

    func testMissingFolderIsAnError() {
        XCTAssertThrowsError(try ConformanceRunner().run(directory: root.appendingPathComponent("absent"))) { error in
            XCTAssertTrue("\(error)".contains("is not a folder of ONNX conformance tests"), "\(error)")
        }
    }

    func testToleranceRules() throws {
        let tolerance = ConformanceTolerance()
        func f32(_ v: [Float]) throws -> Tensor { try Tensor(shape: [v.count], scalars: v) }
        // |a - e| <= 1e-5 + 1e-3 |e|: at e = 100 the bound is 0.10001.
        XCTAssertNil(tolerance.mismatch(actual: try f32([100.1]), expected: try f32([100])))
        XCTAssertNotNil(tolerance.mismatch(actual: try f32([100.11]), expected: try f32([100])))
        XCTAssertNil(tolerance.mismatch(actual: try f32([9e-6]), expected: try f32([0])))
        XCTAssertNotNil(tolerance.mismatch(actual: try f32([2e-5]), expected: try f32([0])))
        XCTAssertNil(tolerance.mismatch(actual: try f32([.nan, .infinity]), expected: try f32([.nan, .infinity])))
        XCTAssertNotNil(tolerance.mismatch(actual: try f32([.nan]), expected: try f32([1])))
        XCTAssertNotNil(tolerance.mismatch(actual: try f32([1]), expected: try f32([.nan])))
        XCTAssertNotNil(tolerance.mismatch(actual: try f32([.infinity]), expected: try f32([-.infinity])))
        XCTAssertNotNil(tolerance.mismatch(actual: try f32([1e30]), expected: try f32([.infinity])))
        // Integers are exact, whatever their size.
        let big: Int64 = 1 << 60
        XCTAssertNil(tolerance.mismatch(actual: try Tensor(shape: [1], scalars: [big]), expected: try Tensor(shape: [1], scalars: [big])))
        XCTAssertEqual(tolerance.mismatch(actual: try Tensor(shape: [2], scalars: [Int64(5), big + 1]), expected: try Tensor(shape: [2], scalars: [Int64(5), big])),
                       "element [1] is \(big + 1), expected \(big) (1 of 2 differ)")
        XCTAssertNotNil(tolerance.mismatch(actual: try Tensor(shape: [1], scalars: [true]), expected: try Tensor(shape: [1], scalars: [false])))
        XCTAssertEqual(tolerance.mismatch(actual: try Tensor(shape: [1], scalars: [Int32(1)]), expected: try Tensor(shape: [1], scalars: [Int64(1)])),
                       "dtype int32, expected int64")
        XCTAssertEqual(tolerance.mismatch(actual: try Tensor(shape: [2, 1], scalars: [Float(1), 2]), expected: try Tensor(shape: [2], scalars: [Float(1), 2])),
                       "shape [2, 1], expected [2]")
        XCTAssertEqual(tolerance.index(7, shape: [2, 3, 2]), [1, 0, 1])
    }

    func testListParsing() {
        XCTAssertEqual(ConformanceList.parse("# header\n\ntest_a   # why\n  test_b\r\n#test_c\n"), ["test_a", "test_b"])
    }
}
