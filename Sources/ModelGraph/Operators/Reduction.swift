import TensorCore

/// A reduction over axes (ReduceMean/Sum/Max/Min): `keepdims`, and the axes as an attribute or,
/// from the since-version `axesInputSince`, as an optional int64 input with
/// `noop_with_empty_axes`. No axes means every axis. Conforming types name the reduction and
/// the version; `run` and the channel description come from here.
public protocol ReductionOperator: Operator {
    /// The tensor-core reduction.
    static var reduction: ReduceOp { get }
    /// The first since-version that reads the axes from input 1.
    static var axesInputSince: Int { get }
    /// The parsed attributes.
    var settings: ReductionSettings { get }
}

/// The parsed attributes of a reduction node.
public struct ReductionSettings: Sendable {
    let keepDims: Bool
    let attributeAxes: [Int]?
    let axesFromInput: Bool
    let noopWithEmptyAxes: Bool

    init(node: Node, axesFromInput: Bool) throws {
        keepDims = try node.int("keepdims", default: 1) != 0
        self.axesFromInput = axesFromInput
        attributeAxes = axesFromInput ? nil : try node.ints("axes")
        noopWithEmptyAxes = axesFromInput ? try node.int("noop_with_empty_axes", default: 0) != 0 : false
    }
}

extension ReductionOperator {
    public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
        let x = try context.required(inputs, 0, "data")
        let axes = settings.axesFromInput ? try context.optionalIntegers(inputs, 1, "axes") ?? [] : settings.attributeAxes ?? []
        if axes.isEmpty && settings.noopWithEmptyAxes { return [x] }
        let op = Self.reduction, keep = settings.keepDims
        switch x.dtype {
        case .float32, .float64, .int64, .int32:
            return [try x.reduce(op, axes: axes, keepDims: keep)]
        case .float16:
            return [try x.cast(to: .float32).reduce(op, axes: axes, keepDims: keep).cast(to: .float16)]
        case .int8, .uint8, .bool:
            // Exact in Int32 for max/min/mean; sums that leave the type's range saturate.
            return [try x.cast(to: .int32).reduce(op, axes: axes, keepDims: keep).cast(to: x.dtype)]
        }
    }

    public func channels(inputRanks: [Int?]) -> ChannelDescription {
        let name = Self.opType
        guard !settings.axesFromInput else {
            return .opaque("\(name): the axes come from an input, so which axes survive is not known ahead")
        }
        guard let rank = inputRanks.first ?? nil else { return .opaque("\(name): the input's rank is unknown") }
        let axes = settings.attributeAxes ?? []
        let reduced = axes.isEmpty ? Set(0..<rank) : Set(axes.map { $0 < 0 ? $0 + rank : $0 })
        return ReductionChannels.describe(name: name, rank: rank, reduced: reduced, keepDims: settings.keepDims)
    }

    public func channels(_ query: ChannelQuery) -> ChannelDescription {
        guard settings.axesFromInput else { return channels(inputRanks: query.inputRanks) }
        guard let rank = query.inputRanks.first ?? nil else { return .opaque("\(Self.opType): the input's rank is unknown") }
        let given = query.integers(1)
        let omitted = query.inputRanks.count < 2 || query.inputRanks[1] == nil
        guard let axes = given ?? (omitted ? [] : nil) else {
            return .opaque("\(Self.opType): the axes input is computed at run time, so which axes survive is not known ahead")
        }
        if axes.isEmpty && settings.noopWithEmptyAxes { return .axisMap((0..<rank).map { ($0, $0) }) }
        let reduced = axes.isEmpty ? Set(0..<rank) : Set(axes.map { $0 < 0 ? $0 + rank : $0 })
        return ReductionChannels.describe(name: Self.opType, rank: rank, reduced: reduced, keepDims: settings.keepDims)
    }
}

enum ReductionChannels {
    /// Kept axes pass channels through; a reduced channel axis (1) mixes channels, so pruning stops.
    static func describe(name: String, rank: Int, reduced: Set<Int>, keepDims: Bool) -> ChannelDescription {
        if reduced.contains(1) { return .opaque("\(name) reduces the channel axis 1: channels are mixed into one value") }
        var pairs: [(input: Int, output: Int)] = []
        var output = 0
        for axis in 0..<rank {
            if !reduced.contains(axis) { pairs.append((axis, output)) }
            if keepDims || !reduced.contains(axis) { output += 1 }
        }
        return .axisMap(pairs)
    }
}
