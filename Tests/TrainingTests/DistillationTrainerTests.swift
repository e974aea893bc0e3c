import Datasets
import Foundation
import ModelGraph
import ModelZoo
import ONNX
import TensorCore
import WinnowTestSupport
import XCTest
@testable import Training

/// Distillation inside the trainer, with the teacher another ONNX graph: one step's loss
/// against onnxruntime's logits of both files and the formula in numpy (float64); α = 0 is the
/// plain cross-entropy step bit for bit; teachers that do not fit are refused before any step.
final class DistillationTrainerTests: XCTestCase {
    static func modelURL(_ name: String) -> URL { TrainerTests.modelsFolder.appendingPathComponent("\(name).onnx") }

    /// LeNet-300-100 student on band images, one full batch per epoch in storage order, no
    /// augmentation or normalisation: the step's batch is the dataset scaled by 1/255.
    func makeTrainer(data: Dataset, objective: TrainingObjective, steps: Int = 1) throws -> Trainer {
        let loader = try DataLoader(source: data, batchSize: data.count, seed: 5, shuffle: false)
        let sgd = try SGD(.init(learningRate: 0.05, momentum: 0.9, nesterov: true, weightDecay: 5e-4))
        return try Trainer(graph: try TrainerTests.model("lenet-300-100"), data: loader, optimizer: sgd,
                           schedule: try ConstantSchedule(learningRate: 0.05), objective: objective,
                           configuration: .init(duration: .steps(steps), seed: 2))
    }

    func distillation(alpha: Double, temperature: Double, teacher graph: Graph) throws -> TrainingObjective {
        .distillation(try Distillation(alpha: alpha, temperature: temperature), teacher: try Executor(graph: graph),
                      teacherOutput: graph.outputs[0].name)
    }

    func testOneStepLossMatchesOnnxruntimeLogitsAndNumpy() throws {
        let data = try TrainerTests.bandData(count: 24, seed: 11)
        let alpha = 0.7, temperature = 3.0
        // resnet8 with its classifier scaled up, so its softened distribution is far from the
        // freshly initialised student's and the KL term weighs in; saved for onnxruntime too.
        let directory = try makeTemporaryDirectory(self)
        let teacher = try TrainerTests.model("resnet8")
        let classifier = try XCTUnwrap(teacher.nodes.last { $0.opType == "Gemm" })
        for name in classifier.inputs[1...2] {
            let parameter = try XCTUnwrap(teacher.parameter(named: name))
            parameter.value = try parameter.value.multiplying(40).materialized()
        }
        let teacherURL = directory.appendingPathComponent("teacher.onnx")
        try ONNXExporter.save(teacher, to: teacherURL)
        let trainer = try makeTrainer(data: data, objective: try distillation(alpha: alpha, temperature: temperature, teacher: teacher))
        // The batch the step will see, from a loader with the same settings.
        let batch = try DataLoader(source: data, batchSize: data.count, seed: 5, shuffle: false).next()
        let record = try trainer.trainStep()
        XCTAssertEqual(record.samples.map(\.id), batch.ids)

        try NPY.write(batch.images, to: directory.appendingPathComponent("images.npy"))
        try NPY.write(try XCTUnwrap(batch.labels), to: directory.appendingPathComponent("labels.npy"))
        let script = """
        import json, sys
        import numpy as np, onnxruntime as ort
        x = np.load("images.npy"); y = np.load("labels.npy")
        def logits(path):
            s = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
            return s.run(None, {s.get_inputs()[0].name: x})[0].astype(np.float64)
        s, t = logits(sys.argv[1]), logits(sys.argv[2])
        a, T = float(sys.argv[3]), float(sys.argv[4])
        def log_softmax(v):
            m = v.max(axis=1, keepdims=True)
            return v - m - np.log(np.exp(v - m).sum(axis=1, keepdims=True))
        ce = -log_softmax(s)[np.arange(len(y)), y]
        pt = np.exp(log_softmax(t / T))
        kl = (pt * (log_softmax(t / T) - log_softmax(s / T))).sum(axis=1)
        per = (1 - a) * ce + a * T * T * kl
        print(json.dumps({"per": per.tolist(), "mean": float(per.mean()), "kl": float(kl.mean())}))
        """
        let stdout = try PythonOracle.run(script, in: directory, arguments: [
            Self.modelURL("lenet-300-100").path, teacherURL.path, "\(alpha)", "\(temperature)"])
        let reference = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any])
        let perSample = try XCTUnwrap(reference["per"] as? [Double])
        let mean = try XCTUnwrap(reference["mean"] as? Double)
        XCTAssertGreaterThan(try XCTUnwrap(reference["kl"] as? Double), 0.05, "the teacher term is not trivially zero")
        assertClose(record.samples.map(\.loss), perSample, abs: 1e-5, rel: 1e-5, "per-sample distillation losses")
        XCTAssertEqual(record.loss, mean, accuracy: 1e-5 * max(1, mean))
        // The plain cross-entropy of the same logits is far from it: the teacher term counts.
        let plain = try makeTrainer(data: data, objective: .crossEntropy(.plain)).trainStep().loss
        XCTAssertGreaterThan(abs(plain - mean), 1e-3)
    }

    func testAlphaZeroIsThePlainCrossEntropyStep() throws {
        let data = try TrainerTests.bandData(count: 20, seed: 12)
        let plain = try makeTrainer(data: data, objective: .crossEntropy(.plain), steps: 3)
        let distilled = try makeTrainer(data: data, objective: try distillation(alpha: 0, temperature: 4,
                                                                               teacher: try TrainerTests.model("resnet8")), steps: 3)
        for _ in 0..<3 {
            let a = try plain.trainStep(), b = try distilled.trainStep()
            XCTAssertEqual(a.loss, b.loss)
            XCTAssertEqual(a.samples, b.samples)
        }
        let before = TrainerTests.weightBytes(try TrainerTests.model("lenet-300-100"))
        let a = TrainerTests.weightBytes(plain.graph), b = TrainerTests.weightBytes(distilled.graph)
        XCTAssertEqual(a, b, "alpha 0 trains exactly as plain cross-entropy")
        XCTAssertNotEqual(a, before, "the steps moved the weights")
    }

    func testTeacherThatDoesNotFitIsRefusedBeforeTheFirstStep() throws {
        let data = try TrainerTests.bandData(count: 8, seed: 13)
        func attempt(_ teacher: Graph) throws {
            _ = try makeTrainer(data: data, objective: try distillation(alpha: 0.5, temperature: 2, teacher: teacher))
        }
        // Declared class count differs.
        XCTAssertThrowsError(try attempt(try LeNet300100.build(classes: 5))) { error in
            XCTAssertTrue("\(error)".contains("the teacher predicts 5 classes, the student 10"), "\(error)")
        }
        // Class count not declared: the rehearsal before the first step finds it.
        let undeclared = try LeNet300100.build(classes: 7)
        undeclared.outputs = undeclared.outputs.map { ValueInfo(name: $0.name, dtype: $0.dtype, shape: nil) }
        XCTAssertThrowsError(try attempt(undeclared)) { error in
            XCTAssertTrue("\(error)".contains("classes"), "\(error)")
            XCTAssertTrue("\(error)".contains("[2, 7]") && "\(error)".contains("[2, 10]"), "\(error)")
        }
        // Another image size.
        XCTAssertThrowsError(try attempt(try LeNet300100.build(channels: 3))) { error in
            XCTAssertTrue("\(error)".contains("the teacher's input 'input' takes 3 channels"), "\(error)")
        }
    }
}
