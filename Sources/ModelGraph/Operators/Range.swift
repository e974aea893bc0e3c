import TensorCore

extension Ops {
    /// ONNX Range: start, start + delta, … up to `limit` (exclusive), from three scalars of one
    /// type; max(⌈(limit − start)/delta⌉, 0) elements. Integer types count exactly.
    public struct Range: Operator {
        public static let opType = "Range"
        // Opset 27's `stash_type` only concerns float16/bfloat16 accumulation; Float16 is
        // computed in Float64 here anyway.
        public static let versions = [11, 27]

        public init(node: Node, version: Int) throws {}

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let start = try context.required(inputs, 0, "start")
            let limit = try context.required(inputs, 1, "limit")
            let delta = try context.required(inputs, 2, "delta")
            for (index, t) in [start, limit, delta].enumerated() {
                guard t.count == 1, t.rank <= 1 else {
                    throw ModelGraphError.invalidAttribute(node: context.node.label, attribute: "input \(index)",
                                                           detail: "must be a scalar, got shape \(t.shape)")
                }
                guard t.dtype == start.dtype else {
                    throw ModelGraphError.invalidAttribute(node: context.node.label, attribute: "input \(index)",
                                                           detail: "start, limit and delta must share one type; got \(start.dtype) and \(t.dtype)")
                }
            }
            switch start.dtype {
            case .int64: return [try integerRange(start, limit, delta, Int64.self, context)]
            case .int32: return [try integerRange(start, limit, delta, Int32.self, context)]
            case .int8: return [try integerRange(start, limit, delta, Int8.self, context)]
            case .uint8: return [try integerRange(start, limit, delta, UInt8.self, context)]
            case .float32, .float64, .float16:
                let s = try start.item(), l = try limit.item(), d = try delta.item()
                guard d != 0, d.isFinite, s.isFinite, l.isFinite else {
                    throw ModelGraphError.invalidAttribute(node: context.node.label, attribute: "input 2",
                                                           detail: "needs finite start/limit and a non-zero finite delta; got \(s), \(l), \(d)")
                }
                let steps = ((l - s) / d).rounded(.up)
                guard steps.isFinite, steps < Double(Int32.max) else {
                    throw ModelGraphError.invalidAttribute(node: context.node.label, attribute: "input 1",
                                                           detail: "start \(s), limit \(l), delta \(d) give \(steps) elements, too many to hold")
                }
                let n = max(Int(steps), 0)
                let values = (0..<n).map { s + Double($0) * d }
                return [try Tensor(shape: [n], scalars: values).cast(to: start.dtype)]
            case .bool:
                throw TensorError.unsupportedDType(op: "Range", dtype: .bool)
            }
        }

        func integerRange<T: FixedWidthInteger & TensorElement>(_ start: Tensor, _ limit: Tensor, _ delta: Tensor,
                                                                  _: T.Type, _ context: OperatorContext) throws -> Tensor {
            // Counted in Int so differences of extreme values do not overflow T.
            let s = Int(try start.scalars(T.self)[0]), l = Int(try limit.scalars(T.self)[0]), d = Int(try delta.scalars(T.self)[0])
            guard d != 0 else {
                throw ModelGraphError.invalidAttribute(node: context.node.label, attribute: "input 2", detail: "delta must not be 0")
            }
            let (span, overflow) = l.subtractingReportingOverflow(s)
            guard !overflow else {
                throw ModelGraphError.invalidAttribute(node: context.node.label, attribute: "input 1", detail: "limit − start overflows")
            }
            let n = span == 0 || (span > 0) != (d > 0) ? 0 : (span.magnitude / d.magnitude + (span.magnitude % d.magnitude == 0 ? 0 : 1))
            _ = try TensorCore.Shape.checkedCount([Int(clamping: n)], dtype: T.dtype, op: "Range")
            return try Tensor(shape: [Int(n)], scalars: (0..<Int(n)).map { T(truncatingIfNeeded: s + $0 * d) })
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription {
            .opaque("Range: the output is a generated sequence with no channel data")
        }
    }
}
