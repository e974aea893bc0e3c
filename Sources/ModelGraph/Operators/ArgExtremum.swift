import TensorCore

/// The shared attributes and body of ArgMax and ArgMin.
struct ArgExtremum: Sendable {
    let axis: Int
    let keepDims: Bool
    let selectLastIndex: Bool
    let largest: Bool

    init(node: Node, version: Int, largest: Bool) throws {
        axis = try node.int("axis", default: 0)
        keepDims = try node.int("keepdims", default: 1) != 0
        selectLastIndex = version >= 12 ? try node.int("select_last_index", default: 0) != 0 : false
        self.largest = largest
    }

    func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
        var x = try context.required(inputs, 0, "data")
        if x.dtype == .bool { x = try x.cast(to: .uint8) }
        return [largest ? try x.argmax(axis: axis, keepDims: keepDims, selectLastIndex: selectLastIndex)
                        : try x.argmin(axis: axis, keepDims: keepDims, selectLastIndex: selectLastIndex)]
    }

    func channels(inputRanks: [Int?], name: String) -> ChannelDescription {
        guard let rank = inputRanks.first ?? nil else { return .opaque("\(name): the input's rank is unknown") }
        return ReductionChannels.describe(name: name, rank: rank, reduced: [axis < 0 ? axis + rank : axis], keepDims: keepDims)
    }
}
