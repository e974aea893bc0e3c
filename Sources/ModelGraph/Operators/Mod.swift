import TensorCore

extension Ops {
    /// ONNX Mod with broadcasting: the remainder with the divisor's sign (Python `%`) when
    /// `fmod` = 0, with the dividend's sign (C `fmod`) when `fmod` = 1. A zero integer divisor
    /// is an error.
    public struct Mod: Operator {
        public static let opType = "Mod"
        public static let versions = [10, 13]
        let op: BinaryOp

        public init(node: Node, version: Int) throws {
            let fmod = try node.int("fmod", default: 0)
            guard fmod == 0 || fmod == 1 else { throw node.invalid("fmod", "must be 0 or 1, got \(fmod)") }
            op = fmod == 1 ? .truncatedRemainder : .modulo
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let a = try context.required(inputs, 0, "A"), b = try context.required(inputs, 1, "B")
            guard a.dtype == b.dtype else { throw context.invalid("B", "is \(b.dtype) but A is \(a.dtype)") }
            if a.dtype == .float16 { return [try a.cast(to: .float32).binary(op, b.cast(to: .float32)).cast(to: .float16)] }
            return [try a.binary(op, b)]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription { .elementwise }
    }
}
