import TensorCore

/// Shared axis handling of Softmax and LogSoftmax: before opset 13 the input is coerced to 2-D
/// at `axis` (default 1) and normalised over the flattened trailing block; from opset 13 over
/// the single axis `axis` (default −1).
struct SoftmaxFamily: Sendable {
    let axis: Int
    let coerced: Bool
    let logarithm: Bool

    init(node: Node, version: Int, logarithm: Bool) throws {
        coerced = version < 13
        axis = try node.int("axis", default: coerced ? 1 : -1)
        self.logarithm = logarithm
    }

    func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
        let x = try context.required(inputs, 0, "input")
        guard axis >= -x.rank, axis < max(x.rank, 1) else {
            throw context.invalid("axis", "\(axis) is out of range for an input of rank \(x.rank) (shape \(x.shape))")
        }
        let apply: (Tensor, Int) throws -> Tensor = { [logarithm] t, a in logarithm ? try t.logSoftmax(axis: a) : try t.softmax(axis: a) }
        guard coerced else { return [try apply(x, axis)] }
        let a = axis < 0 ? axis + x.rank : axis
        let rows = Shape.count(Array(x.shape[..<a]))
        let flat = try x.reshaped([rows, Shape.count(Array(x.shape[a...]))])
        return [try apply(flat, 1).reshaped(x.shape)]
    }

    func channels(inputRanks: [Int?]) -> ChannelDescription {
        let name = logarithm ? "LogSoftmax" : "Softmax"
        guard let rank = inputRanks.first ?? nil else {
            return .opaque("\(name) couples the entries of its axis and the input rank is unknown")
        }
        let a = axis < 0 ? axis + rank : axis
        // Axes before the normalised block (opset < 13) or every other axis (13+) pass through.
        let kept = coerced ? Array(0..<max(0, a)) : (0..<rank).filter { $0 != a }
        if !kept.contains(1) && rank > 1 {
            return .opaque("\(name) normalises over the channel axis, so removing a channel changes the others")
        }
        return ChannelDescription(mappings: kept.map { .passthrough(input: 0, inputAxis: $0, output: 0, outputAxis: $0) })
    }
}
