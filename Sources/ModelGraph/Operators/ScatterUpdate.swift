import TensorCore

/// Shared body of ScatterElements, Scatter, ScatterND and MaxUnpool: a copy of `data` with
/// every element of `updates` combined into the data element at its flat target offset.
/// Floating results are recorded: with reduction none the data gradient skips written
/// positions and each update that was not overwritten gets the gradient of its target; with add both pass it through.
enum ScatterUpdate {
    enum Reduction: String, Sendable { case none, add, mul, max, min }

    static func reduction(_ node: Node, version: Int, since16: Int = 16, since18: Int = 18) throws -> Reduction {
        let raw = try node.string("reduction", default: "none")
        guard let value = Reduction(rawValue: raw) else {
            throw node.invalid("reduction", "must be none, add, mul, max or min, got '\(raw)'")
        }
        if value != .none && version < since16 { throw node.invalid("reduction", "needs opset \(since16) or later") }
        if (value == .max || value == .min) && version < since18 { throw node.invalid("reduction", "\(raw) needs opset \(since18) or later") }
        return value
    }

    static func apply(_ data: Tensor, _ updates: Tensor, targets: [Int], reduction: Reduction, context: OperatorContext) throws -> Tensor {
        guard updates.dtype == data.dtype else { throw context.invalid("updates", "is \(updates.dtype) but data is \(data.dtype)") }
        guard targets.count == updates.count else {
            throw context.invalid("updates", "has \(updates.count) elements for \(targets.count) target positions")
        }
        for t in targets where t < 0 || t >= data.count {
            throw context.invalid("indices", "target offset \(t) is outside data of \(data.count) elements")
        }
        var out = data.materialized()
        func combine<T: TensorElement>(_: T.Type) {
            out.withMutableElements(T.self) { o in
                updates.withElements(T.self) { u in
                    for (k, t) in targets.enumerated() {
                        switch reduction {
                        case .none: o[t] = u[k]
                        case .add: o[t] = T(fromDouble: o[t].doubleValue + u[k].doubleValue)
                        case .mul: o[t] = T(fromDouble: o[t].doubleValue * u[k].doubleValue)
                        case .max: if u[k].doubleValue > o[t].doubleValue { o[t] = u[k] }
                        case .min: if u[k].doubleValue < o[t].doubleValue { o[t] = u[k] }
                        }
                    }
                }
            }
        }
        Tensor.dispatchAll(data.dtype) { combine($0) }
        guard data.dtype.isFloatingCompute else { return out }
        var written = [Bool](repeating: false, count: data.count)
        for t in targets { written[t] = true }
        let mask = try Tensor(shape: data.shape, scalars: written)
        // With reduction none a repeated target keeps the last update; only that one gets a gradient.
        var lastWriter = [Int: Int]()
        for (k, t) in targets.enumerated() { lastWriter[t] = k }
        let kept = try Tensor(shape: updates.shape, scalars: targets.indices.map { lastWriter[targets[$0]] == $0 })
        let table = try Tensor(shape: [targets.count], scalars: targets.map { Int64($0) })
        let updateShape = updates.shape, node = context.node.label
        return out.recorded("Scatter", inputs: [data, updates]) { g in
            let toUpdates = try g.reshaped([g.count]).gathered(indices: table, axis: 0).reshaped(updateShape)
            switch reduction {
            case .none:
                let zero = Tensor(zeros: [], dtype: g.dtype)
                return [try Tensor.where(mask, zero, g), try Tensor.where(kept, toUpdates, zero)]
            case .add: return [g, toUpdates]
            case .mul, .max, .min:
                throw ModelGraphError.invalidAttribute(node: node, attribute: "reduction",
                                                       detail: "\(reduction.rawValue) scatter has no gradient in Winnow; use none or add in a trained graph")
            }
        }
    }
}
