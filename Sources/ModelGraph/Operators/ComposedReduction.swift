import TensorCore

/// A reduction written as a composition of tensor-core functions (ReduceL1, ReduceL2,
/// ReduceLogSum, ReduceLogSumExp, ReduceProd, ReduceSumSquare), sharing the attribute/input
/// handling of `ReductionSettings`. Conforming types give `compute`; `run` and the channel
/// description come from here.
public protocol ComposedReductionOperator: Operator {
    /// The first since-version that reads the axes from input 1.
    static var axesInputSince: Int { get }
    /// The parsed attributes.
    var settings: ReductionSettings { get }
    /// The reduction of a Float32/Float64 `x` over `axes` (nil: every axis; empty: none, the
    /// function applied elementwise as `noop_with_empty_axes` asks).
    static func compute(_ x: Tensor, axes: [Int]?, keepDims: Bool) throws -> Tensor
}

extension ComposedReductionOperator {
    public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
        let x = try context.required(inputs, 0, "data")
        let listed = settings.axesFromInput ? try context.optionalIntegers(inputs, 1, "axes") ?? [] : settings.attributeAxes ?? []
        let axes: [Int]? = listed.isEmpty ? (settings.noopWithEmptyAxes ? [] : nil) : listed
        let keep = settings.keepDims
        switch x.dtype {
        case .float32, .float64:
            return [try Self.compute(x, axes: axes, keepDims: keep)]
        case .float16:
            return [try Self.compute(x.cast(to: .float32), axes: axes, keepDims: keep).cast(to: .float16)]
        case .int64, .int32, .int8, .uint8:
            // Exact in Float64 for the integer sizes these ops meet; the result is cast back (truncating).
            return [try Self.compute(x.cast(to: .float64), axes: axes, keepDims: keep).cast(to: x.dtype)]
        case .bool:
            throw context.invalid("input 0", "\(Self.opType) needs a numeric input, got bool")
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
}

enum ComposedReduction {
    /// `op` over `axes` (nil: all; empty: none, so `x` itself).
    static func reduce(_ x: Tensor, _ op: ReduceOp, axes: [Int]?, keepDims: Bool) throws -> Tensor {
        if let axes, axes.isEmpty { return x }
        return try x.reduce(op, axes: axes ?? [], keepDims: keepDims)
    }

    /// The product over `axes` as a log-depth tree of elementwise multiplications of halves, so
    /// the tape records it (the gradient of each factor is the product of the others, zeros included).
    static func product(_ x: Tensor, axes: [Int]?, keepDims: Bool) throws -> Tensor {
        if let axes, axes.isEmpty { return x }
        let rank = x.rank
        let reduced = try TensorCore.Shape.normalizeAxes(axes ?? [], rank: rank, op: "ReduceProd").sorted()
        let kept = (0..<rank).filter { !reduced.contains($0) }
        let keptShape = kept.map { x.shape[$0] }
        let count = reduced.reduce(1) { $0 * x.shape[$1] }
        // [reduced…, kept…] → [R, K]
        var rows = try x.transposed(permutation: reduced + kept).reshaped([count, keptShape.reduce(1, *)])
        if count == 0 {
            rows = Tensor(repeating: 1, shape: [1, rows.shape[1]], dtype: x.dtype)
        }
        while rows.shape[0] > 1 {
            let n = rows.shape[0], half = n / 2
            let front = try rows.sliced(starts: [0], ends: [half], axes: [0])
            let back = try rows.sliced(starts: [half], ends: [2 * half], axes: [0])
            var merged = try front.multiplying(back)
            if n % 2 == 1 { merged = try Tensor.concat([merged, rows.sliced(starts: [n - 1], ends: [n], axes: [0])], axis: 0) }
            rows = merged
        }
        let outShape = keepDims ? (0..<rank).map { reduced.contains($0) ? 1 : x.shape[$0] } : keptShape
        return try rows.reshaped(outShape)
    }
}
