import Foundation
import XCTest
import ModelGraph
import ONNX
import TensorCore
import Training
@testable import ModelZoo

/// The zoo's graphs: pip onnx's checker and onnxruntime accept them and agree with Winnow's
/// executor; one training step reaches every trainable parameter; PyTorch's default
/// initialisation and parameter counts; the committed `Models/` files are what the builder writes.
final class ModelZooTests: XCTestCase {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Inputs for `graph` at batch `n`: uniform images, timesteps spread over 0..<1000.
    static func feeds(for graph: Graph, batch n: Int, seed: UInt64 = 11) throws -> [String: Tensor] {
        var feeds: [String: Tensor] = [:]
        var stream = RandomStream(seed: seed, purpose: "zoo-test-input")
        for info in graph.inputs {
            let shape = [n] + (info.shape ?? []).dropFirst().map { $0.value ?? 1 }
            if info.dtype == .int64 {
                feeds[info.name] = try Tensor(shape: shape, scalars: (0..<n).map { _ in Int64(stream.nextInt(below: 1000)) })
            } else {
                feeds[info.name] = try Tensor.uniform(shape, low: -1, high: 1, stream: &stream)
            }
        }
        return feeds
    }

    func testEveryModelPassesCheckerAndMatchesOnnxruntime() throws {
        let directory = try makeTemporaryDirectory(self)
        var names: [String] = []
        for entry in ZooCatalog.entries {
            let graph = try ZooCatalog.build(entry.name)
            let url = directory.appendingPathComponent("\(entry.name).onnx")
            try ONNXExporter.save(graph, to: url)
            let feeds = try Self.feeds(for: graph, batch: 3)
            for (name, tensor) in feeds { try NPY.write(tensor, to: directory.appendingPathComponent("\(entry.name).in.\(name).npy")) }
            names.append(entry.name)
        }
        let script = """
        import json, sys, numpy as np, onnx, onnxruntime as ort
        report = {}
        for name in sys.argv[1:]:
            model = onnx.load(name + ".onnx")
            onnx.checker.check_model(model, full_check=True)
            session = ort.InferenceSession(name + ".onnx", providers=["CPUExecutionProvider"])
            feeds = {i.name: np.load("%s.in.%s.npy" % (name, i.name)) for i in session.get_inputs()}
            outputs = session.run(None, feeds)
            for info, value in zip(session.get_outputs(), outputs):
                np.save("%s.out.%s.npy" % (name, info.name), value)
            report[name] = {"ir": model.ir_version, "opset": [o.version for o in model.opset_import if o.domain in ("", "ai.onnx")],
                            "outputs": [o.name for o in session.get_outputs()]}
        print(json.dumps(report))
        """
        let stdout = try PythonOracle.run(script, in: directory, arguments: names)
        let report = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: [String: Any]])
        for name in names {
            let info = try XCTUnwrap(report[name], name)
            XCTAssertEqual(info["ir"] as? Int, 8, name)
            XCTAssertEqual(info["opset"] as? [Int], [17], name)
            let url = directory.appendingPathComponent("\(name).onnx")
            let imported = try ONNXImporter.load(contentsOf: url)
            var feeds: [String: Tensor] = [:]
            for input in imported.inputs {
                feeds[input.name] = try NPY.read(contentsOf: directory.appendingPathComponent("\(name).in.\(input.name).npy"))
            }
            let ours = try Executor(graph: imported).run(feeds)
            // The builder's own graph (Constant nodes not folded) gives the same values.
            let built = try Executor(graph: try ZooCatalog.build(name)).run(feeds)
            for output in imported.outputs {
                let expected = try NPY.read(contentsOf: directory.appendingPathComponent("\(name).out.\(output.name).npy"))
                let actual = try XCTUnwrap(ours[output.name], "\(name) \(output.name)")
                XCTAssertEqual(actual.shape, expected.shape, name)
                let scale = expected.doubles().map(abs).max() ?? 1
                assertClose(actual.doubles(), expected.doubles(), abs: 1e-5 * max(scale, 1), rel: 1e-4, "\(name) \(output.name) vs onnxruntime")
                XCTAssertGreaterThan(expected.doubles().map(abs).max() ?? 0, 1e-3, "\(name): outputs are not trivially zero")
                assertClose(try XCTUnwrap(built[output.name]).doubles(), actual.doubles(), abs: 1e-6, rel: 1e-6, "\(name) built vs imported")
            }
        }
    }

    func testOneTrainingStepReachesEveryTrainableParameter() throws {
        let directory = try makeTemporaryDirectory(self)
        for entry in ZooCatalog.entries {
            let url = directory.appendingPathComponent("\(entry.name).onnx")
            try ONNXExporter.save(try ZooCatalog.build(entry.name), to: url)
            let graph = try ONNXImporter.load(contentsOf: url)
            // Only BatchNormalization statistics are frozen: every configuration value was a
            // Constant node, folded at import into a non-trainable constant.
            let frozen = graph.initializers.filter { !$0.requiresGrad && $0.value.dtype == .float32 && $0.value.count > 1 }.map(\.name)
            let frozenStatistics = frozen.filter { $0.hasSuffix(".running_mean") || $0.hasSuffix(".running_var") }
            let built = try ZooCatalog.build(entry.name)
            let builtTrainable = built.initializers.filter(\.requiresGrad).map(\.name).sorted()
            XCTAssertEqual(graph.initializers.filter(\.requiresGrad).map(\.name).sorted(), builtTrainable,
                           "\(entry.name): the imported graph trains exactly the builder's parameters")
            let constants = Set(built.nodes.filter { $0.opType == "Constant" }.flatMap(\.outputs))
            XCTAssertEqual(Set(frozen).subtracting(frozenStatistics).subtracting(constants), [],
                           "\(entry.name): frozen float tensors that are neither statistics nor Constant nodes")
            XCTAssertEqual(graph.nodes.filter { $0.opType == "Constant" }.count, 0, "\(entry.name): Constant nodes fold at import")

            let feeds = try Self.feeds(for: graph, batch: 4)
            let outputs = try Executor(graph: graph).run(feeds, training: true)
            let loss: Tensor
            if let classes = entry.classes {
                let labels = try Tensor(shape: [4], scalars: (0..<4).map { Int64(($0 * 3) % classes) })
                loss = try CrossEntropy().loss(logits: try XCTUnwrap(outputs["logits"]), labels: labels)
            } else {
                let prediction = try XCTUnwrap(outputs["epsilon"])
                var stream = RandomStream(seed: 3, purpose: "noise")
                let noise = try Tensor.normal(prediction.shape, stream: &stream)
                let difference = try prediction.subtracting(noise)
                loss = try difference.multiplying(difference).mean()
            }
            try loss.backward()
            let statisticsBefore = graph.initializers.filter { $0.name.hasSuffix(".running_mean") }.map { $0.value.doubles() }
            for parameter in graph.initializers where parameter.requiresGrad {
                let grad = try XCTUnwrap(parameter.grad, "\(entry.name): \(parameter.name) got no gradient")
                let values = grad.doubles()
                XCTAssertTrue(values.allSatisfy(\.isFinite), "\(entry.name): \(parameter.name) has a non-finite gradient")
                XCTAssertGreaterThan(values.map(abs).max() ?? 0, 0, "\(entry.name): \(parameter.name) has an all-zero gradient")
            }
            // BatchNormalization updated its running statistics during the training run.
            for mean in statisticsBefore { XCTAssertGreaterThan(mean.map(abs).max() ?? 0, 0, "\(entry.name): running mean not updated") }
            let sgd = try SGD(.init(learningRate: 0.01, momentum: 0.9, nesterov: true, weightDecay: 5e-4))
            try sgd.step(graph.initializers)
            XCTAssertEqual(sgd.state.parameterNames, builtTrainable)
        }
    }

    func testDefaultInitialisationMatchesPyTorch() throws {
        let graph = try ZooCatalog.build("resnet20", seed: 5)
        for parameter in graph.initializers {
            let values = parameter.value.doubles()
            let shape = parameter.value.shape
            if parameter.name.hasSuffix("running_var") || (parameter.name.contains("bn") || parameter.name.hasSuffix("downsample.1.weight")) && parameter.name.hasSuffix("weight") {
                XCTAssertEqual(Set(values), [1], parameter.name)
                continue
            }
            if parameter.name.hasSuffix("running_mean") || (parameter.name.contains("bn") || parameter.name.contains("downsample.1")) && parameter.name.hasSuffix("bias") {
                XCTAssertEqual(Set(values), [0], parameter.name)
                continue
            }
            // Conv [OC, C, K, K] and Linear [out, in] weights, Linear bias: U(±1/√fan_in).
            let fanIn = parameter.name == "fc.bias" ? 64 : shape.dropFirst().reduce(1, *)
            let bound = 1 / Double(fanIn).squareRoot()
            XCTAssertLessThanOrEqual(values.map(abs).max() ?? 0, bound, parameter.name)
            if values.count >= 500 {
                let mean = values.reduce(0, +) / Double(values.count)
                let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)
                XCTAssertEqual(mean, 0, accuracy: 4 * bound / Double(values.count).squareRoot(), parameter.name)
                XCTAssertEqual(variance, bound * bound / 3, accuracy: 0.15 * bound * bound / 3, parameter.name)
                XCTAssertGreaterThan(values.map(abs).max() ?? 0, 0.95 * bound, parameter.name)
            }
        }
        // Seeded: the same seed gives the same weights, another seed other weights.
        let again = try ZooCatalog.build("resnet20", seed: 5)
        let other = try ZooCatalog.build("resnet20", seed: 6)
        let name = "layer2.0.conv1.weight"
        XCTAssertEqual(graph.parameter(named: name)?.value.doubles(), again.parameter(named: name)?.value.doubles())
        XCTAssertNotEqual(graph.parameter(named: name)?.value.doubles(), other.parameter(named: name)?.value.doubles())
    }

    func testParameterCountsMatchTheArchitectures() throws {
        func trainable(_ graph: Graph) -> Int { graph.initializers.filter(\.requiresGrad).reduce(0) { $0 + $1.value.count } }
        // LeNet-300-100 on 28x28: 784·300+300 + 300·100+100 + 100·10+10.
        XCTAssertEqual(trainable(try ZooCatalog.build("lenet-300-100")), 266_610)
        // CIFAR ResNet, counted by hand: stem conv + BN, blocks of two 3x3 convs + two BNs,
        // projections (1x1 conv + BN) entering stages 2 and 3, and the classifier.
        func resnet(blocks: Int, inputChannels: Int, classes: Int) -> Int {
            var total = inputChannels * 16 * 9 + 2 * 16
            var width = 16
            for stageWidth in [16, 32, 64] {
                for _ in 0..<blocks {
                    total += width * stageWidth * 9 + stageWidth * stageWidth * 9 + 4 * stageWidth
                    if width != stageWidth { total += width * stageWidth + 2 * stageWidth }
                    width = stageWidth
                }
            }
            return total + 64 * classes + classes
        }
        XCTAssertEqual(trainable(try ZooCatalog.build("resnet8")), resnet(blocks: 1, inputChannels: 1, classes: 10))
        XCTAssertEqual(trainable(try ZooCatalog.build("resnet20")), resnet(blocks: 3, inputChannels: 3, classes: 10))
        XCTAssertEqual(trainable(try ZooCatalog.build("resnet20", classes: 100)), resnet(blocks: 3, inputChannels: 3, classes: 100))
        // He et al.'s ResNet-20 has 0.27M parameters (identity shortcuts); projections add a few thousand.
        XCTAssertEqual(Double(trainable(try ZooCatalog.build("resnet20"))), 0.27e6, accuracy: 0.01e6)
    }

    func testOptionsChangeShapes() throws {
        let graph = try ZooCatalog.build("resnet8", channels: 3, size: 32, classes: 100)
        XCTAssertEqual(graph.inputs[0].shape, [.symbolic("N"), .known(3), .known(32), .known(32)])
        let out = try Executor(graph: graph).run(try Self.feeds(for: graph, batch: 2))
        XCTAssertEqual(out["logits"]?.shape, [2, 100])
        let unet = try ZooCatalog.build("ddpm-unet32", channels: 1, size: 16)
        let eps = try Executor(graph: unet).run(try Self.feeds(for: unet, batch: 2))
        XCTAssertEqual(eps["epsilon"]?.shape, [2, 1, 16, 16])
    }

    func testBadOptionsAreClearErrors() {
        XCTAssertThrowsError(try ZooCatalog.build("resnet9")) { error in
            XCTAssertEqual(error as? ModelZooError, .unknownModel("resnet9", known: ZooCatalog.names))
        }
        XCTAssertThrowsError(try ZooCatalog.build("ddpm-unet32", classes: 10)) { XCTAssertTrue("\($0)".contains("classifier"), "\($0)") }
        XCTAssertThrowsError(try ZooCatalog.build("ddpm-unet32", size: 30)) { XCTAssertTrue("\($0)".contains("multiple of 4"), "\($0)") }
        XCTAssertThrowsError(try ZooCatalog.build("resnet8", classes: 1))
        XCTAssertThrowsError(try ZooCatalog.build("lenet-300-100", channels: 0))
        XCTAssertThrowsError(try ZooCatalog.build("lenet-300-100", size: 100_000))
        XCTAssertThrowsError(try CIFARResNet.build(depth: 10))
    }

    func testCommittedModelsAreWhatTheBuilderWrites() throws {
        let models = Self.repositoryRoot.appendingPathComponent("Models")
        let directory = try makeTemporaryDirectory(self)
        var total = 0
        for name in ZooCatalog.names {
            let committed = models.appendingPathComponent("\(name).onnx")
            let fresh = directory.appendingPathComponent("\(name).onnx")
            try ONNXExporter.save(try ZooCatalog.build(name), to: fresh)
            let committedData = try Data(contentsOf: committed)
            XCTAssertEqual(committedData, try Data(contentsOf: fresh), "Models/\(name).onnx is stale; run winnow zoo build --out Models")
            total += committedData.count
        }
        XCTAssertLessThan(total, 10 << 20, "Models/ must stay under 10 MB")
    }
}
