import Foundation
import XCTest
import TensorCore
@testable import Training

/// Each optimizer against the update rules as PyTorch's documentation writes them, computed
/// here in Float64 over plain arrays, across several steps with changing learning rates and
/// momenta; state round trips and slicing.
final class OptimizerTests: XCTestCase {
    static let shapes: [(String, [Int])] = [("conv.weight", [3, 2]), ("conv.bias", [4])]
    static let learningRates = [0.1, 0.05, 0.2, 0.01, 0.07, 0.03]
    static let momenta = [0.95, 0.9, 0.85, 0.88, 0.93, 0.95]

    /// The gradient the tests feed at `step`: depends on the current value, so a wrong update
    /// changes every later gradient too.
    static func gradient(_ value: [Double], name: String, step: Int) -> [Double] {
        var numbers = TestNumbers(seed: UInt64(step * 31 + name.count))
        return value.map { 0.5 * $0 + numbers.next() }
    }

    static func initialValues() -> [[Double]] {
        var numbers = TestNumbers(seed: 7)
        return shapes.map { numbers.array($0.1.reduce(1, *)) }
    }

    static func makeParameters(dtype: DType) throws -> [Parameter] {
        try zip(shapes, initialValues()).map { shape, values in
            Parameter(name: shape.0, value: try Tensor(shape: shape.1, scalars: values).cast(to: dtype))
        }
    }

    /// Runs `optimizer` for `steps` steps with the test gradients and schedule values.
    static func run(_ optimizer: any Optimizer, _ parameters: [Parameter], steps: Range<Int>, cycleMomentum: Bool) throws {
        for step in steps {
            for p in parameters {
                let g = gradient(p.value.doubles(), name: p.name, step: step)
                p.grad = try Tensor(shape: p.value.shape, scalars: g).cast(to: p.value.dtype)
            }
            optimizer.apply(ScheduleValue(learningRate: learningRates[step], momentum: cycleMomentum ? momenta[step] : nil))
            try optimizer.step(parameters)
        }
    }

    // MARK: references (PyTorch documentation pseudo-code)

    static func referenceSGD(momentum fixed: Double, dampening: Double, nesterov: Bool, weightDecay: Double, cycleMomentum: Bool) -> [[Double]] {
        var values = initialValues()
        var buffers: [[Double]?] = [nil, nil]
        for step in 0..<learningRates.count {
            let lr = learningRates[step], mu = cycleMomentum ? momenta[step] : fixed
            for k in values.indices {
                let g = gradient(values[k], name: shapes[k].0, step: step)
                var d = zip(g, values[k]).map { $0 + weightDecay * $1 }
                if mu != 0 {
                    if let b = buffers[k] {
                        buffers[k] = zip(b, d).map { mu * $0 + (1 - dampening) * $1 }
                    } else {
                        buffers[k] = d
                    }
                    let b = buffers[k]!
                    d = nesterov ? zip(d, b).map { $0 + mu * $1 } : b
                }
                values[k] = zip(values[k], d).map { $0 - lr * $1 }
            }
        }
        return values
    }

    static func referenceAdam(beta1 fixed: Double, beta2: Double, epsilon: Double, weightDecay: Double,
                              decoupled: Bool, cycleMomentum: Bool) -> [[Double]] {
        var values = initialValues()
        var m = values.map { [Double](repeating: 0, count: $0.count) }
        var v = m
        for step in 0..<learningRates.count {
            let lr = learningRates[step], b1 = cycleMomentum ? momenta[step] : fixed
            let t = Double(step + 1)
            for k in values.indices {
                var g = gradient(values[k], name: shapes[k].0, step: step)
                if decoupled {
                    values[k] = values[k].map { $0 - lr * weightDecay * $0 }
                } else {
                    g = zip(g, values[k]).map { $0 + weightDecay * $1 }
                }
                for i in g.indices {
                    m[k][i] = b1 * m[k][i] + (1 - b1) * g[i]
                    v[k][i] = beta2 * v[k][i] + (1 - beta2) * g[i] * g[i]
                    let mHat = m[k][i] / (1 - pow(b1, t))
                    let vHat = v[k][i] / (1 - pow(beta2, t))
                    values[k][i] -= lr * mHat / (vHat.squareRoot() + epsilon)
                }
            }
        }
        return values
    }

    func check(_ parameters: [Parameter], _ expected: [[Double]], rel: Double, _ label: String,
               file: StaticString = #filePath, line: UInt = #line) {
        for (p, e) in zip(parameters, expected) {
            assertClose(p.value.doubles(), e, abs: rel * 1e-2, rel: rel, "\(label) \(p.name)", file: file, line: line)
        }
    }

    // MARK: tests

    func testSGDVariantsMatchReference() throws {
        let cases: [(momentum: Double, dampening: Double, nesterov: Bool, weightDecay: Double, cycle: Bool)] = [
            (0, 0, false, 0, false),
            (0, 0, false, 5e-4, false),
            (0.9, 0, false, 0, false),
            (0.9, 0.3, false, 1e-2, false),
            (0.9, 0, true, 5e-4, false),
            (0.9, 0, true, 5e-4, true),
        ]
        for c in cases {
            let label = "sgd momentum \(c.momentum) dampening \(c.dampening) nesterov \(c.nesterov) wd \(c.weightDecay) cycled \(c.cycle)"
            let expected = Self.referenceSGD(momentum: c.momentum, dampening: c.dampening, nesterov: c.nesterov,
                                             weightDecay: c.weightDecay, cycleMomentum: c.cycle)
            for dtype in [DType.float64, .float32] {
                let parameters = try Self.makeParameters(dtype: dtype)
                let sgd = try SGD(.init(learningRate: 1, momentum: c.momentum, dampening: c.dampening,
                                        nesterov: c.nesterov, weightDecay: c.weightDecay))
                try Self.run(sgd, parameters, steps: 0..<Self.learningRates.count, cycleMomentum: c.cycle)
                check(parameters, expected, rel: dtype == .float64 ? 1e-13 : 2e-5, "\(label) \(dtype)")
                XCTAssertEqual(sgd.state.entries["conv.bias"]?.steps, Self.learningRates.count)
                XCTAssertEqual(sgd.state.entries["conv.bias"]?.buffers.keys.sorted(), c.momentum == 0 ? [] : ["momentum"])
            }
        }
    }

    func testAdamAndAdamWMatchReference() throws {
        let cases: [(weightDecay: Double, cycle: Bool)] = [(0, false), (1e-2, false), (0.1, true)]
        for c in cases {
            for decoupled in [false, true] {
                let label = "\(decoupled ? "adamw" : "adam") wd \(c.weightDecay) cycled \(c.cycle)"
                let expected = Self.referenceAdam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: c.weightDecay,
                                                  decoupled: decoupled, cycleMomentum: c.cycle)
                for dtype in [DType.float64, .float32] {
                    let parameters = try Self.makeParameters(dtype: dtype)
                    let configuration = Adam.Configuration(learningRate: 1, weightDecay: c.weightDecay)
                    let optimizer: any Optimizer = decoupled ? try AdamW(configuration) : try Adam(configuration)
                    try Self.run(optimizer, parameters, steps: 0..<Self.learningRates.count, cycleMomentum: c.cycle)
                    check(parameters, expected, rel: dtype == .float64 ? 1e-12 : 5e-5, "\(label) \(dtype)")
                    XCTAssertEqual(optimizer.state.entries["conv.weight"]?.steps, Self.learningRates.count)
                    XCTAssertEqual(optimizer.state.entries["conv.weight"]?.buffers.keys.sorted(), ["exp_avg", "exp_avg_sq"])
                }
            }
        }
    }

    func testAdamWeightDecayDiffersFromAdamW() throws {
        // Same hyperparameters, coupled versus decoupled decay: the references must differ, so
        // the test above could not pass by computing the same thing twice.
        let coupled = Self.referenceAdam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.1, decoupled: false, cycleMomentum: false)
        let decoupled = Self.referenceAdam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.1, decoupled: true, cycleMomentum: false)
        XCTAssertGreaterThan(zip(coupled[0], decoupled[0]).map { abs($0 - $1) }.max() ?? 0, 1e-4)
    }

    func testParametersWithoutGradientAreLeftAlone() throws {
        let parameters = try Self.makeParameters(dtype: .float64)
        let frozen = Parameter(name: "bn.running_mean", value: Tensor(repeating: 2, shape: [4], dtype: .float64), requiresGrad: false)
        frozen.grad = Tensor(repeating: 1, shape: [4], dtype: .float64)
        parameters[1].grad = nil
        parameters[0].grad = Tensor(repeating: 1, shape: [3, 2], dtype: .float64)
        let before = parameters[1].value.doubles()
        let sgd = try SGD(.init(learningRate: 0.5, momentum: 0.9))
        try sgd.step(parameters + [frozen])
        XCTAssertEqual(parameters[1].value.doubles(), before)
        XCTAssertEqual(frozen.value.doubles(), [2, 2, 2, 2])
        XCTAssertEqual(sgd.state.parameterNames, ["conv.weight"])
    }

    func testStateRoundTripResumesBitIdentically() throws {
        let steps = Self.learningRates.count
        let makers: [() throws -> any Optimizer] = [
            { try SGD(.init(learningRate: 1, momentum: 0.9, nesterov: true, weightDecay: 5e-4)) },
            { try Adam(.init(learningRate: 1, weightDecay: 1e-3)) },
            { try AdamW() },
        ]
        for make in makers {
            let straight = try Self.makeParameters(dtype: .float32)
            try Self.run(try make(), straight, steps: 0..<steps, cycleMomentum: true)

            let resumed = try Self.makeParameters(dtype: .float32)
            let first = try make()
            try Self.run(first, resumed, steps: 0..<3, cycleMomentum: true)
            let data = try JSONEncoder().encode(first.state)
            let decoded = try JSONDecoder().decode(OptimizerState.self, from: data)
            XCTAssertEqual(decoded, first.state)
            let second = try make()
            try second.restore(decoded)
            try Self.run(second, resumed, steps: 3..<steps, cycleMomentum: true)
            for (a, b) in zip(straight, resumed) {
                XCTAssertEqual(try a.value.scalars(Float.self), try b.value.scalars(Float.self), "\(type(of: first).name) \(a.name)")
            }
        }
    }

    func testRestoreRefusesAnotherOptimizersState() throws {
        let adam = try Adam()
        XCTAssertThrowsError(try adam.restore(OptimizerState(optimizer: "sgd"))) { error in
            guard case TrainingError.stateMismatch = error else { return XCTFail("\(error)") }
            XCTAssertTrue("\(error)".contains("sgd"))
        }
    }

    func testStateOfAnotherShapeIsRefused() throws {
        let parameters = try Self.makeParameters(dtype: .float64)
        let sgd = try SGD(.init(learningRate: 0.1, momentum: 0.9))
        try Self.run(sgd, parameters, steps: 0..<1, cycleMomentum: false)
        let shrunk = Parameter(name: "conv.weight", value: Tensor(zeros: [2, 2], dtype: .float64))
        shrunk.grad = Tensor(zeros: [2, 2], dtype: .float64)
        XCTAssertThrowsError(try sgd.step([shrunk])) { error in
            guard case let TrainingError.stateMismatch(parameter, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(parameter, "conv.weight")
        }
    }

    func testSliceKeepsStateOfKeptChannels() throws {
        let parameters = try Self.makeParameters(dtype: .float64)
        let adam = try Adam(.init(learningRate: 0.1))
        try Self.run(adam, parameters, steps: 0..<2, cycleMomentum: false)
        var state = adam.state
        let before = state.entries["conv.weight"]!.buffers["exp_avg"]!.doubles()  // [3, 2] row-major
        try state.slice(parameter: "conv.weight", axis: 0, keeping: [2, 0])
        let after = state.entries["conv.weight"]!.buffers["exp_avg"]!
        XCTAssertEqual(after.shape, [2, 2])
        XCTAssertEqual(after.doubles(), [before[4], before[5], before[0], before[1]])
        XCTAssertEqual(state.entries["conv.weight"]!.steps, 2)
        XCTAssertEqual(state.entries["conv.bias"]!.buffers["exp_avg"]!.shape, [4], "other parameters untouched")
        try state.slice(parameter: "conv.bias", axis: 0, keeping: [3])
        XCTAssertEqual(state.entries["conv.bias"]!.buffers["exp_avg_sq"]!.shape, [1])

        // The sliced state drives the sliced parameter.
        let sliced = Parameter(name: "conv.weight", value: try Tensor(shape: [2, 2], scalars: [1.0, 2, 3, 4]))
        sliced.grad = Tensor(repeating: 0.5, shape: [2, 2], dtype: .float64)
        try adam.restore(state.restricted(to: ["conv.weight"]))
        try adam.step([sliced])
        XCTAssertEqual(adam.state.entries["conv.weight"]!.steps, 3)
        XCTAssertEqual(adam.state.parameterNames, ["conv.weight"])

        XCTAssertThrowsError(try state.slice(parameter: "conv.weight", axis: 0, keeping: [5]))
        XCTAssertThrowsError(try state.slice(parameter: "conv.weight", axis: 3, keeping: [0]))
        state.rename(parameter: "conv.bias", to: "fc.bias")
        XCTAssertEqual(state.parameterNames, ["conv.weight", "fc.bias"])
        state.remove(parameter: "fc.bias")
        XCTAssertEqual(state.parameterNames, ["conv.weight"])
    }

    func testBadHyperparametersAreRefused() {
        XCTAssertThrowsError(try SGD(.init(momentum: 0, nesterov: true)))
        XCTAssertThrowsError(try SGD(.init(momentum: 0.9, dampening: 0.1, nesterov: true)))
        XCTAssertThrowsError(try SGD(.init(learningRate: -1)))
        XCTAssertThrowsError(try SGD(.init(learningRate: .nan)))
        XCTAssertThrowsError(try Adam(.init(beta1: 1)))
        XCTAssertThrowsError(try AdamW(.init(beta2: -0.1)))
        XCTAssertThrowsError(try Adam(.init(weightDecay: -1))) { error in
            XCTAssertTrue("\(error)".contains("weightDecay"), "\(error)")
        }
    }

    func testDuplicateNamesAndIntegerParametersAreRefused() throws {
        let p = Parameter(name: "w", value: Tensor(zeros: [2], dtype: .float32))
        p.grad = Tensor(zeros: [2], dtype: .float32)
        XCTAssertThrowsError(try SGD().step([p, p]))
        let q = Parameter(name: "steps", value: Tensor(zeros: [2], dtype: .int64))
        q.grad = Tensor(zeros: [2], dtype: .int64)
        XCTAssertThrowsError(try SGD().step([q])) { error in
            guard case TrainingError.unsupportedParameter = error else { return XCTFail("\(error)") }
        }
    }

    func testStoredTensorRefusesCorruptBytes() throws {
        var stored = StoredTensor(try Tensor(shape: [2], scalars: [Float(1), 2]))
        XCTAssertEqual(try stored.tensor().doubles(), [1, 2])
        stored.bytes.removeLast()
        XCTAssertThrowsError(try stored.tensor())
        stored.dtype = "complex128"
        XCTAssertThrowsError(try stored.tensor())
    }
}
