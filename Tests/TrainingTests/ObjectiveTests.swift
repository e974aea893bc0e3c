import Foundation
import XCTest
import TensorCore
@testable import Training

/// Cross-entropy and distillation against numpy (float64) and their gradients against central
/// finite differences.
final class ObjectiveTests: XCTestCase {
    static let n = 6, k = 5
    static let labels: [Int64] = [0, 4, 2, 2, 1, 3]

    static func logits(seed: UInt64, scale: Double) -> [Double] {
        var numbers = TestNumbers(seed: seed)
        return numbers.array(n * k, scale: scale)
    }

    static func labelTensor() throws -> Tensor { try Tensor(shape: [n], scalars: labels) }

    /// numpy's per-sample cross-entropy (label smoothing ε) and distillation losses.
    func numpyReference(student: [Double], teacher: [Double], smoothing: [Double],
                        alpha: Double, temperature: Double) throws -> [String: [Double]] {
        let directory = try makeTemporaryDirectory(self)
        let input: [String: Any] = ["student": student, "teacher": teacher, "labels": Self.labels.map { Int($0) },
                                    "smoothing": smoothing, "alpha": alpha, "temperature": temperature,
                                    "n": Self.n, "k": Self.k]
        try JSONSerialization.data(withJSONObject: input).write(to: directory.appendingPathComponent("input.json"))
        let script = """
        import json
        import numpy as np
        d = json.load(open("input.json"))
        n, k = d["n"], d["k"]
        s = np.array(d["student"], dtype=np.float64).reshape(n, k)
        t = np.array(d["teacher"], dtype=np.float64).reshape(n, k)
        y = np.array(d["labels"])
        def log_softmax(x):
            m = x.max(axis=1, keepdims=True)
            return x - m - np.log(np.exp(x - m).sum(axis=1, keepdims=True))
        out = {}
        for eps in d["smoothing"]:
            lp = log_softmax(s)
            nll = -lp[np.arange(n), y]
            smooth = -lp.mean(axis=1)
            out["ce%g" % eps] = ((1 - eps) * nll + eps * smooth).tolist()
        T, a = d["temperature"], d["alpha"]
        pt = np.exp(log_softmax(t / T))
        kl = (pt * (np.log(pt) - log_softmax(s / T))).sum(axis=1)
        lp = log_softmax(s)
        out["kd"] = ((1 - a) * -lp[np.arange(n), y] + a * T * T * kl).tolist()
        print(json.dumps(out))
        """
        let stdout = try PythonOracle.run(script, in: directory)
        let object = try JSONSerialization.jsonObject(with: Data(stdout.utf8))
        guard let dictionary = object as? [String: [Double]] else { throw PythonOracle.Failure(description: "unexpected oracle output \(stdout)") }
        return dictionary
    }

    func testLossesMatchNumpy() throws {
        let student = Self.logits(seed: 1, scale: 3), teacher = Self.logits(seed: 2, scale: 5)
        let reference = try numpyReference(student: student, teacher: teacher, smoothing: [0, 0.1, 0.3],
                                           alpha: 0.7, temperature: 4)
        let labels = try Self.labelTensor()
        for dtype in [DType.float64, .float32] {
            let s = try Tensor(shape: [Self.n, Self.k], scalars: student).cast(to: dtype)
            let t = try Tensor(shape: [Self.n, Self.k], scalars: teacher).cast(to: dtype)
            let tolerance = dtype == .float64 ? 1e-13 : 2e-6
            for eps in [0.0, 0.1, 0.3] {
                let objective = try CrossEntropy(labelSmoothing: eps)
                let expected = try XCTUnwrap(reference[String(format: "ce%g", eps)])
                let perSample = try objective.losses(logits: s, labels: labels)
                XCTAssertEqual(perSample.dtype, dtype)
                assertClose(perSample.doubles(), expected, abs: tolerance, rel: tolerance, "CE ε=\(eps) \(dtype)")
                let mean = try objective.loss(logits: s, labels: labels).item()
                XCTAssertEqual(mean, expected.reduce(0, +) / Double(Self.n), accuracy: tolerance)
            }
            let kd = try Distillation(alpha: 0.7, temperature: 4)
            let expected = try XCTUnwrap(reference["kd"])
            assertClose(try kd.losses(student: s, teacher: t, labels: labels).doubles(), expected,
                        abs: tolerance, rel: tolerance, "KD \(dtype)")
            XCTAssertEqual(try kd.loss(student: s, teacher: t, labels: labels).item(),
                           expected.reduce(0, +) / Double(Self.n), accuracy: tolerance)
        }
    }

    func testDistillationLimits() throws {
        // α = 0 is plain cross-entropy; a teacher equal to the student leaves only the CE term.
        let s = try Tensor(shape: [Self.n, Self.k], scalars: Self.logits(seed: 3, scale: 2))
        let t = try Tensor(shape: [Self.n, Self.k], scalars: Self.logits(seed: 4, scale: 2))
        let labels = try Self.labelTensor()
        let ce = try CrossEntropy().losses(logits: s, labels: labels).doubles()
        assertClose(try Distillation(alpha: 0, temperature: 3).losses(student: s, teacher: t, labels: labels).doubles(),
                    ce, abs: 1e-15, rel: 1e-14, "alpha 0")
        assertClose(try Distillation(alpha: 0.4, temperature: 3).losses(student: s, teacher: s, labels: labels).doubles(),
                    ce.map { 0.6 * $0 }, abs: 1e-14, rel: 1e-13, "same logits")
    }

    /// Central differences of `loss` with respect to every logit, against backward.
    func checkGradient(_ label: String, logits: [Double], loss: (Tensor) throws -> Tensor) throws {
        let parameter = Parameter(name: "logits", value: try Tensor(shape: [Self.n, Self.k], scalars: logits))
        try loss(parameter.tensor).backward()
        let analytic = try XCTUnwrap(parameter.grad).doubles()
        var numeric: [Double] = []
        let h = 1e-6
        for i in logits.indices {
            var plus = logits, minus = logits
            plus[i] += h
            minus[i] -= h
            let up = try noGrad { try loss(Tensor(shape: [Self.n, Self.k], scalars: plus)).item() }
            let down = try noGrad { try loss(Tensor(shape: [Self.n, Self.k], scalars: minus)).item() }
            numeric.append((up - down) / (2 * h))
        }
        assertClose(analytic, numeric, abs: 1e-8, rel: 1e-6, label)
        XCTAssertGreaterThan(analytic.map(abs).max() ?? 0, 1e-3, "\(label): the gradient is not trivially zero")
    }

    func testGradientsMatchFiniteDifferences() throws {
        let labels = try Self.labelTensor()
        let student = Self.logits(seed: 5, scale: 2)
        let teacher = try Tensor(shape: [Self.n, Self.k], scalars: Self.logits(seed: 6, scale: 4))
        for eps in [0.0, 0.2] {
            let objective = try CrossEntropy(labelSmoothing: eps)
            try checkGradient("CE ε=\(eps)", logits: student) { try objective.loss(logits: $0, labels: labels) }
        }
        let kd = try Distillation(alpha: 0.6, temperature: 2.5, crossEntropy: CrossEntropy(labelSmoothing: 0.1))
        try checkGradient("KD", logits: student) { try kd.loss(student: $0, teacher: teacher, labels: labels) }
        // Per-sample losses with a seed: row i's gradient is seed_i times that row's own gradient.
        let weights = [1.0, 0, 2, -1, 0.5, 3]
        try checkGradient("weighted per-sample CE", logits: student) {
            try CrossEntropy().losses(logits: $0, labels: labels).multiplying(Tensor(shape: [Self.n], scalars: weights)).sum()
        }
    }

    func testTeacherIsConstant() throws {
        let labels = try Self.labelTensor()
        let student = Parameter(name: "s", value: try Tensor(shape: [Self.n, Self.k], scalars: Self.logits(seed: 7, scale: 1)))
        let teacher = Parameter(name: "t", value: try Tensor(shape: [Self.n, Self.k], scalars: Self.logits(seed: 8, scale: 1)))
        try Distillation(alpha: 0.5, temperature: 2).loss(student: student.tensor, teacher: teacher.tensor, labels: labels).backward()
        XCTAssertNotNil(student.grad)
        XCTAssertNil(teacher.grad)
    }

    func testMismatchesAreClearErrors() throws {
        let logits = Tensor(zeros: [3, 4], dtype: .float32)
        func expectMismatch(_ body: () throws -> Tensor, mentions text: String, file: StaticString = #filePath, line: UInt = #line) {
            XCTAssertThrowsError(try body(), file: file, line: line) { error in
                guard case TrainingError.objectiveMismatch = error else { return XCTFail("\(error)", file: file, line: line) }
                XCTAssertTrue("\(error)".contains(text), "\(error)", file: file, line: line)
            }
        }
        let ce = try CrossEntropy()
        expectMismatch({ try ce.loss(logits: logits, labels: Tensor(shape: [3], scalars: [Int64(0), 4, 1])) }, mentions: "label 4")
        expectMismatch({ try ce.loss(logits: logits, labels: Tensor(shape: [2], scalars: [Int64(0), 1])) }, mentions: "[3]")
        expectMismatch({ try ce.loss(logits: logits, labels: Tensor(zeros: [3], dtype: .float32)) }, mentions: "int64")
        expectMismatch({ try ce.loss(logits: Tensor(zeros: [3, 4, 1], dtype: .float32), labels: Tensor(zeros: [3], dtype: .int64)) }, mentions: "(N, K)")
        let kd = try Distillation(alpha: 0.5, temperature: 2)
        expectMismatch({ try kd.loss(student: logits, teacher: Tensor(zeros: [3, 10], dtype: .float32), labels: Tensor(zeros: [3], dtype: .int64)) },
                       mentions: "classes")
        XCTAssertThrowsError(try CrossEntropy(labelSmoothing: 1.5))
        XCTAssertThrowsError(try Distillation(alpha: 0.5, temperature: 0))
        XCTAssertThrowsError(try Distillation(alpha: -0.1, temperature: 1))
    }
}
