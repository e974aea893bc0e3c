import TensorCore

/// Reading small constant-like inputs (pads, starts, sizes, scales) that later opsets moved from
/// attributes into tensors.
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

    /// The values of floating-point input `index` as Doubles; nil when the input is omitted.
    func floatingValues(_ inputs: [Tensor?], _ index: Int, _ what: String) throws -> [Double]? {
        guard index < inputs.count, let t = inputs[index] else { return nil }
        guard t.dtype.isFloatingPoint else {
            throw ModelGraphError.invalidAttribute(node: node.label, attribute: "input \(index) '\(what)'",
                                                   detail: "must be a floating-point tensor, got \(t.dtype) \(t.shape)")
        }
        return t.doubles()
    }

    /// An error about the node's inputs or attributes that names the node.
    func invalid(_ attribute: String, _ detail: String) -> ModelGraphError {
        .invalidAttribute(node: node.label, attribute: attribute, detail: detail)
    }
}

extension Node {
    /// An error about an attribute of this node.
    func invalid(_ attribute: String, _ detail: String) -> ModelGraphError {
        .invalidAttribute(node: label, attribute: attribute, detail: detail)
    }

    /// Number of outputs the node names (trailing omitted ones excluded).
    var namedOutputCount: Int {
        outputs.lastIndex { !$0.isEmpty }.map { $0 + 1 } ?? 0
    }

    /// Whether output `index` is requested.
    func wantsOutput(_ index: Int) -> Bool { index < outputs.count && !outputs[index].isEmpty }
}

/// Python-style floor division (rounds toward −∞), as ONNX's formulas assume.
func floorDivide(_ a: Int, _ b: Int) -> Int {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}
