import TensorCore

/// An update rule over named parameters. A conformer holds its hyperparameters in a Codable
/// `Configuration` with defaults and implements `step`, `state`/`restore` and `apply`.
public protocol Optimizer: AnyObject {
    /// The kebab-case name used in recipes, the CLI and stored state ("sgd", "adam", "adamw").
    static var name: String { get }
    /// The learning rate of the next `step` (a schedule sets it before every step).
    var learningRate: Double { get set }
    /// Per-parameter state keyed by parameter name, for snapshots and slicing.
    var state: OptimizerState { get }
    /// Replaces the state (resume, rewind); refused when it was written by another optimizer.
    func restore(_ state: OptimizerState) throws
    /// Updates, in place, every parameter that requires a gradient and has one.
    func step(_ parameters: [Parameter]) throws
    /// Takes a schedule's values for the next step: the learning rate, and the momentum
    /// (SGD momentum, Adam's β₁) when the schedule cycles it.
    func apply(_ value: ScheduleValue)
}

extension Optimizer {
    /// Calls `body` with each parameter that takes part in the update and its gradient, after
    /// checking names are unique and gradients fit their parameters.
    static func forEachUpdatable(_ parameters: [Parameter],
                                 _ body: (Parameter, Tensor) throws -> Void) throws {
        var seen = Set<String>()
        for parameter in parameters {
            guard seen.insert(parameter.name).inserted else {
                throw TrainingError.stateMismatch(parameter: parameter.name, detail: "the parameter is listed twice in one \(name) step; state is keyed by name, so names must be unique")
            }
            guard parameter.requiresGrad, let grad = parameter.grad else { continue }
            guard parameter.value.dtype == .float32 || parameter.value.dtype == .float64 else {
                throw TrainingError.unsupportedParameter(parameter: parameter.name, detail: "\(name) updates float32 or float64 values, this one is \(parameter.value.dtype); mark it requiresGrad = false or cast it")
            }
            guard grad.shape == parameter.value.shape, grad.dtype == parameter.value.dtype else {
                throw TrainingError.stateMismatch(parameter: parameter.name, detail: "gradient \(grad.dtype)\(grad.shape) does not fit the value \(parameter.value.dtype)\(parameter.value.shape)")
            }
            try body(parameter, grad)
        }
    }

    /// Takes buffer `slot` of `entry` out for in-place use, or zeros shaped like `parameter`.
    static func takeBuffer(_ slot: String, from entry: inout OptimizerState.Entry, for parameter: Parameter) throws -> (Tensor, fresh: Bool) {
        guard let buffer = entry.buffers.removeValue(forKey: slot) else {
            return (Tensor(zeros: parameter.value.shape, dtype: parameter.value.dtype), true)
        }
        guard buffer.shape == parameter.value.shape, buffer.dtype == parameter.value.dtype else {
            throw TrainingError.stateMismatch(parameter: parameter.name, detail: "buffer '\(slot)' is \(buffer.dtype)\(buffer.shape) but the parameter is \(parameter.value.dtype)\(parameter.value.shape)")
        }
        return (buffer, false)
    }

    /// Checks that `state` came from this optimizer kind.
    static func checkKind(_ state: OptimizerState) throws {
        guard state.optimizer == name else {
            throw TrainingError.stateMismatch(parameter: "*", detail: "the state was written by '\(state.optimizer)', not '\(name)'; resume with the same --optimizer")
        }
    }
}

/// Throws unless `value` is finite and within `range`.
func requireHyperparameter(_ value: Double, _ range: ClosedRange<Double>, owner: String, name: String) throws {
    guard value.isFinite, range.contains(value) else {
        throw TrainingError.invalidHyperparameter(owner: owner, name: name, detail: "must lie in [\(range.lowerBound), \(range.upperBound)], got \(value)")
    }
}
