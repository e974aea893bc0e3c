/// Elementwise binary arithmetic with NumPy broadcasting, forward and backward.
public enum BinaryOp: String, Sendable, CaseIterable {
    case add, subtract, multiply, divide, power, maximum, minimum
    /// Remainder with the sign of the divisor (Python `%`, ONNX Mod with fmod = 0).
    case modulo
    /// Remainder with the sign of the dividend (C `fmod`, ONNX Mod with fmod = 1).
    case truncatedRemainder
}

extension Tensor {
    /// Elementwise `op` of two tensors of the same dtype, broadcast together.
    /// Float32/Float64 are differentiable; integer dtypes support every op but `power` for
    /// negative exponents (integer division truncates; a zero divisor is an error).
    public func binary(_ op: BinaryOp, _ other: Tensor) throws -> Tensor {
        guard dtype == other.dtype else {
            throw TensorError.dtypeMismatch(op: op.rawValue, expected: dtype, got: other.dtype)
        }
        let outShape = try Shape.broadcast(shape, other.shape, op: op.rawValue)
        let out: Tensor
        switch dtype {
        case .float32: out = (ContiguousFloat32.applies(self, other) ? ContiguousFloat32.binary(op, self, other) : nil)
            ?? Tensor.floatBinary(op, self, other, outShape, Float.self)
        case .float64: out = Tensor.floatBinary(op, self, other, outShape, Double.self)
        case .int64: out = try Tensor.integerBinary(op, self, other, outShape, Int64.self)
        case .int32: out = try Tensor.integerBinary(op, self, other, outShape, Int32.self)
        case .int8: out = try Tensor.integerBinary(op, self, other, outShape, Int8.self)
        case .uint8: out = try Tensor.integerBinary(op, self, other, outShape, UInt8.self)
        case .float16, .bool: throw TensorError.unsupportedDType(op: op.rawValue, dtype: dtype)
        }
        guard dtype.isFloatingCompute else { return out }
        let a = self, b = other, y = out
        return out.recorded(op.rawValue, inputs: [a, b]) { g in
            let ga: Tensor, gb: Tensor
            switch op {
            case .add:
                ga = g; gb = g
            case .subtract:
                ga = g; gb = try g.unary(.negate)
            case .multiply:
                ga = try g.binary(.multiply, b); gb = try g.binary(.multiply, a)
            case .divide:
                ga = try g.binary(.divide, b)
                gb = try g.binary(.multiply, y).binary(.divide, b).unary(.negate)
            case .power:
                // d/da a^b = b·a^(b−1); d/db a^b = a^b·ln a (taken as 0 where a ≤ 0, as frameworks do).
                ga = try Tensor.powerGradientBase(g, a, b, outShape)
                gb = try Tensor.powerGradientExponent(g, a, y, outShape)
            case .modulo, .truncatedRemainder:
                // a − b·q with q = floor(a/b) (or trunc) piecewise constant: ∂/∂a = 1, ∂/∂b = −q.
                let q = try a.binary(.divide, b).unary(op == .modulo ? .floor : .truncate).detached()
                ga = g
                gb = try g.binary(.multiply, q).unary(.negate)
            case .maximum, .minimum:
                // Ties send the gradient to the first operand.
                let pick = try a.compare(op == .maximum ? .greaterOrEqual : .lessOrEqual, b)
                let zero = Tensor(zeros: [], dtype: g.dtype)
                ga = try Tensor.where(pick, g, zero)
                gb = try Tensor.where(pick, zero, g)
            }
            return [try ga.summed(toShape: a.shape), try gb.summed(toShape: b.shape)]
        }
    }

    @inline(__always)
    static func floatBinary<T: FloatElement>(_ op: BinaryOp, _ a: Tensor, _ b: Tensor, _ outShape: [Int], _: T.Type) -> Tensor {
        switch op {
        case .add: return mapBinary(a, b, outShape: outShape, T.self, T.self, T.self) { $0 + $1 }
        case .subtract: return mapBinary(a, b, outShape: outShape, T.self, T.self, T.self) { $0 - $1 }
        case .multiply: return mapBinary(a, b, outShape: outShape, T.self, T.self, T.self) { $0 * $1 }
        case .divide: return mapBinary(a, b, outShape: outShape, T.self, T.self, T.self) { $0 / $1 }
        case .power: return mapBinary(a, b, outShape: outShape, T.self, T.self, T.self) { T.pow($0, $1) }
        case .maximum: return mapBinary(a, b, outShape: outShape, T.self, T.self, T.self) { x, y in x.isNaN || y.isNaN ? .nan : (x >= y ? x : y) }
        case .minimum: return mapBinary(a, b, outShape: outShape, T.self, T.self, T.self) { x, y in x.isNaN || y.isNaN ? .nan : (x <= y ? x : y) }
        case .truncatedRemainder: return mapBinary(a, b, outShape: outShape, T.self, T.self, T.self) { $0.truncatingRemainder(dividingBy: $1) }
        case .modulo: return mapBinary(a, b, outShape: outShape, T.self, T.self, T.self) { x, y in
            let r = x.truncatingRemainder(dividingBy: y)
            return r != 0 && (r < 0) != (y < 0) ? r + y : r
        }
        }
    }

    static func integerBinary<T: FixedWidthInteger & TensorElement>(_ op: BinaryOp, _ a: Tensor, _ b: Tensor, _ outShape: [Int], _: T.Type) throws -> Tensor {
        switch op {
        case .add: return mapBinary(a, b, outShape: outShape, T.self, T.self, T.self) { $0 &+ $1 }
        case .subtract: return mapBinary(a, b, outShape: outShape, T.self, T.self, T.self) { $0 &- $1 }
        case .multiply: return mapBinary(a, b, outShape: outShape, T.self, T.self, T.self) { $0 &* $1 }
        case .divide:
            if b.withElements(T.self, { $0.contains(0) }) {
                throw TensorError.invalidArgument(op: "divide", detail: "integer division by zero")
            }
            // min / -1 wraps like the other integer ops instead of trapping (x86 idiv faults).
            return mapBinary(a, b, outShape: outShape, T.self, T.self, T.self) { $0.dividedReportingOverflow(by: $1).partialValue }
        case .power:
            if T.isSigned && b.withElements(T.self, { $0.contains { $0 < 0 } }) {
                throw TensorError.invalidArgument(op: "power", detail: "negative integer exponent; cast to float first")
            }
            return mapBinary(a, b, outShape: outShape, T.self, T.self, T.self) { base, exponent in
                var result: T = 1, x = base, e = exponent
                while e > 0 {
                    if e & 1 == 1 { result = result &* x }
                    x = x &* x
                    e >>= 1
                }
                return result
            }
        case .maximum: return mapBinary(a, b, outShape: outShape, T.self, T.self, T.self) { Swift.max($0, $1) }
        case .minimum: return mapBinary(a, b, outShape: outShape, T.self, T.self, T.self) { Swift.min($0, $1) }
        case .modulo, .truncatedRemainder:
            if b.withElements(T.self, { $0.contains(0) }) {
                throw TensorError.invalidArgument(op: op.rawValue, detail: "integer remainder by zero")
            }
            let floored = op == .modulo
            return mapBinary(a, b, outShape: outShape, T.self, T.self, T.self) { x, y in
                let r = x.remainderReportingOverflow(dividingBy: y).partialValue
                return floored && r != 0 && (r < 0) != (y < 0) ? r &+ y : r
            }
        }
    }

    static func powerGradientBase(_ g: Tensor, _ a: Tensor, _ b: Tensor, _ outShape: [Int]) throws -> Tensor {
        func run<T: FloatElement>(_: T.Type) throws -> Tensor {
            let d = mapBinary(a, b, outShape: outShape, T.self, T.self, T.self) { x, e in e * T.pow(x, e - 1) }
            return try g.binary(.multiply, d)
        }
        return g.dtype == .float32 ? try run(Float.self) : try run(Double.self)
    }

    static func powerGradientExponent(_ g: Tensor, _ a: Tensor, _ y: Tensor, _ outShape: [Int]) throws -> Tensor {
        func run<T: FloatElement>(_: T.Type) throws -> Tensor {
            let d = mapBinary(a, y, outShape: outShape, T.self, T.self, T.self) { x, p in x > 0 ? p * T.log(x) : 0 }
            return try g.binary(.multiply, d)
        }
        return g.dtype == .float32 ? try run(Float.self) : try run(Double.self)
    }

    /// A rank-0 tensor of this tensor's dtype holding `value`.
    public func scalarLike(_ value: Double) -> Tensor { Tensor(repeating: value, shape: [], dtype: dtype) }

    public func adding(_ other: Tensor) throws -> Tensor { try binary(.add, other) }
    public func subtracting(_ other: Tensor) throws -> Tensor { try binary(.subtract, other) }
    public func multiplying(_ other: Tensor) throws -> Tensor { try binary(.multiply, other) }
    public func dividing(_ other: Tensor) throws -> Tensor { try binary(.divide, other) }
    public func adding(_ scalar: Double) throws -> Tensor { try binary(.add, scalarLike(scalar)) }
    public func multiplying(_ scalar: Double) throws -> Tensor { try binary(.multiply, scalarLike(scalar)) }

    public static func + (a: Tensor, b: Tensor) throws -> Tensor { try a.binary(.add, b) }
    public static func - (a: Tensor, b: Tensor) throws -> Tensor { try a.binary(.subtract, b) }
    public static func * (a: Tensor, b: Tensor) throws -> Tensor { try a.binary(.multiply, b) }
    public static func / (a: Tensor, b: Tensor) throws -> Tensor { try a.binary(.divide, b) }
    public static prefix func - (a: Tensor) throws -> Tensor { try a.unary(.negate) }
}
