import TensorCore

extension OperatorContext {
    /// The values of an integer input that describes a shape, axes or repeats (int64, or int32),
    /// or a typed error naming the node and input.
    func integers(_ inputs: [Tensor?], _ index: Int, _ what: String) throws -> [Int] {
        let t = try required(inputs, index, what)
        return try integers(t, what, index: index)
    }

    /// Like `integers`, nil when the optional input is omitted.
    func optionalIntegers(_ inputs: [Tensor?], _ index: Int, _ what: String) throws -> [Int]? {
        guard index < inputs.count, let t = inputs[index] else { return nil }
        return try integers(t, what, index: index)
    }

    func integers(_ t: Tensor, _ what: String, index: Int) throws -> [Int] {
        guard t.rank <= 1 else {
            throw ModelGraphError.invalidAttribute(node: node.label, attribute: "input \(index)",
                                                   detail: "'\(what)' must be a 1-D tensor, got shape \(t.shape)")
        }
        switch t.dtype {
        case .int64: return try t.scalars(Int64.self).map { Int($0) }
        case .int32: return try t.scalars(Int32.self).map { Int($0) }
        default:
            throw ModelGraphError.invalidAttribute(node: node.label, attribute: "input \(index)",
                                                   detail: "'\(what)' must be int64, got \(t.dtype)")
        }
    }
}
