#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Elementwise unary functions, forward and backward.
public enum UnaryOp: Sendable, Equatable {
    case negate, abs, exp, log, sqrt, reciprocal, relu, sigmoid, tanh, erf, sin, cos
    case floor, ceil, round, sign, softplus, hardSwish
    /// Trigonometric and hyperbolic functions and their inverses (computed through Double libm).
    case tan, asin, acos, atan, sinh, cosh, asinh, acosh, atanh
    /// Rounds toward zero (zero gradient, like floor/ceil).
    case truncate
    case leakyRelu(alpha: Double)
    case clip(min: Double, max: Double)
    case hardSigmoid(alpha: Double, beta: Double)

    var name: String {
        switch self {
        case .leakyRelu: return "leakyRelu"
        case .clip: return "clip"
        case .hardSigmoid: return "hardSigmoid"
        default: return "\(self)"
        }
    }
}

extension Tensor {
    /// Applies `op` elementwise. Float32/Float64 support every op and are differentiable
    /// (floor/ceil/round/sign have zero gradient); integer dtypes support negate, abs, relu,
    /// sign and clip.
    public func unary(_ op: UnaryOp) throws -> Tensor {
        let out: Tensor
        switch dtype {
        case .float32: out = op == .relu && isContiguous ? ContiguousFloat32.relu(self) : Tensor.floatUnary(op, self, Float.self)
        case .float64: out = Tensor.floatUnary(op, self, Double.self)
        case .int64: out = try Tensor.integerUnary(op, self, Int64.self)
        case .int32: out = try Tensor.integerUnary(op, self, Int32.self)
        case .int8: out = try Tensor.integerUnary(op, self, Int8.self)
        case .uint8, .float16, .bool: throw TensorError.unsupportedDType(op: op.name, dtype: dtype)
        }
        guard dtype.isFloatingCompute else { return out }
        let x = self, y = out
        return out.recorded(op.name, inputs: [x]) { g in
            if op == .relu, ContiguousFloat32.applies(g, x) { return [ContiguousFloat32.reluGradient(g, x)] }
            return [g.dtype == .float32 ? Tensor.floatUnaryGradient(op, g, x, y, Float.self)
                                        : Tensor.floatUnaryGradient(op, g, x, y, Double.self)]
        }
    }

    @inline(__always)
    static func floatUnary<T: FloatElement>(_ op: UnaryOp, _ x: Tensor, _: T.Type) -> Tensor {
        switch op {
        case .negate: return mapUnary(x, T.self, T.self) { -$0 }
        case .abs: return mapUnary(x, T.self, T.self) { Swift.abs($0) }
        case .exp: return mapUnary(x, T.self, T.self) { T.exp($0) }
        case .log: return mapUnary(x, T.self, T.self) { T.log($0) }
        case .sqrt: return mapUnary(x, T.self, T.self) { T.sqrt($0) }
        case .reciprocal: return mapUnary(x, T.self, T.self) { 1 / $0 }
        case .relu: return mapUnary(x, T.self, T.self) { $0 > 0 ? $0 : 0 }
        case .sigmoid: return mapUnary(x, T.self, T.self) { v in
            // Stable for both signs: never exponentiates a large positive number.
            if v >= 0 { return 1 / (1 + T.exp(-v)) }
            let e = T.exp(v)
            return e / (1 + e)
        }
        case .tanh: return mapUnary(x, T.self, T.self) { T.tanh($0) }
        case .erf: return mapUnary(x, T.self, T.self) { T.erf($0) }
        case .sin: return mapUnary(x, T.self, T.self) { T.sin($0) }
        case .cos: return mapUnary(x, T.self, T.self) { T.cos($0) }
        case .floor: return mapUnary(x, T.self, T.self) { $0.rounded(.down) }
        case .ceil: return mapUnary(x, T.self, T.self) { $0.rounded(.up) }
        case .round: return mapUnary(x, T.self, T.self) { $0.rounded(.toNearestOrEven) }
        case .sign: return mapUnary(x, T.self, T.self) { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) }
        case .softplus: return mapUnary(x, T.self, T.self) { v in
            v > 0 ? v + T.log(1 + T.exp(-v)) : T.log(1 + T.exp(v))
        }
        case .hardSwish: return mapUnary(x, T.self, T.self) { v in
            v * Swift.max(0, Swift.min(1, v / 6 + T(0.5)))
        }
        case .tan: return mapUnary(x, T.self, T.self) { T(libm_tan(Double($0))) }
        case .asin: return mapUnary(x, T.self, T.self) { T(libm_asin(Double($0))) }
        case .acos: return mapUnary(x, T.self, T.self) { T(libm_acos(Double($0))) }
        case .atan: return mapUnary(x, T.self, T.self) { T(libm_atan(Double($0))) }
        case .sinh: return mapUnary(x, T.self, T.self) { T(libm_sinh(Double($0))) }
        case .cosh: return mapUnary(x, T.self, T.self) { T(libm_cosh(Double($0))) }
        case .asinh: return mapUnary(x, T.self, T.self) { T(libm_asinh(Double($0))) }
        case .acosh: return mapUnary(x, T.self, T.self) { T(libm_acosh(Double($0))) }
        case .atanh: return mapUnary(x, T.self, T.self) { T(libm_atanh(Double($0))) }
        case .truncate: return mapUnary(x, T.self, T.self) { $0.rounded(.towardZero) }
        case let .leakyRelu(alpha):
            let a = T(alpha)
            return mapUnary(x, T.self, T.self) { $0 < 0 ? a * $0 : $0 }
        case let .clip(lo, hi):
            let l = T(lo), h = T(hi)
            return mapUnary(x, T.self, T.self) { v in v.isNaN ? v : Swift.min(Swift.max(v, l), h) }
        case let .hardSigmoid(alpha, beta):
            let a = T(alpha), b = T(beta)
            return mapUnary(x, T.self, T.self) { Swift.max(0, Swift.min(1, a * $0 + b)) }
        }
    }

    /// The input gradient of `op` from the output gradient `g`, input `x` and output `y`.
    @inline(__always)
    static func floatUnaryGradient<T: FloatElement>(_ op: UnaryOp, _ g: Tensor, _ x: Tensor, _ y: Tensor, _: T.Type) -> Tensor {
        let s = g.shape
        switch op {
        case .negate: return mapUnary(g, T.self, T.self) { -$0 }
        case .abs: return mapBinary(g, x, outShape: s, T.self, T.self, T.self) { d, v in v > 0 ? d : (v < 0 ? -d : 0) }
        case .exp: return mapBinary(g, y, outShape: s, T.self, T.self, T.self) { $0 * $1 }
        case .log: return mapBinary(g, x, outShape: s, T.self, T.self, T.self) { $0 / $1 }
        case .sqrt: return mapBinary(g, y, outShape: s, T.self, T.self, T.self) { d, r in d * T(0.5) / r }
        case .reciprocal: return mapBinary(g, y, outShape: s, T.self, T.self, T.self) { d, r in -d * r * r }
        case .relu: return mapBinary(g, x, outShape: s, T.self, T.self, T.self) { d, v in v > 0 ? d : 0 }
        case .sigmoid: return mapBinary(g, y, outShape: s, T.self, T.self, T.self) { d, p in d * p * (1 - p) }
        case .tanh: return mapBinary(g, y, outShape: s, T.self, T.self, T.self) { d, t in d * (1 - t * t) }
        case .erf:
            let c = T(1.1283791670955126)  // 2/√π
            return mapBinary(g, x, outShape: s, T.self, T.self, T.self) { d, v in d * c * T.exp(-v * v) }
        case .sin: return mapBinary(g, x, outShape: s, T.self, T.self, T.self) { d, v in d * T.cos(v) }
        case .cos: return mapBinary(g, x, outShape: s, T.self, T.self, T.self) { d, v in -d * T.sin(v) }
        case .floor, .ceil, .round, .sign, .truncate: return Tensor(zeros: s, dtype: T.dtype)
        case .tan: return mapBinary(g, y, outShape: s, T.self, T.self, T.self) { d, t in d * (1 + t * t) }
        case .asin: return mapBinary(g, x, outShape: s, T.self, T.self, T.self) { d, v in d / T.sqrt(1 - v * v) }
        case .acos: return mapBinary(g, x, outShape: s, T.self, T.self, T.self) { d, v in -d / T.sqrt(1 - v * v) }
        case .atan: return mapBinary(g, x, outShape: s, T.self, T.self, T.self) { d, v in d / (1 + v * v) }
        case .sinh: return mapBinary(g, x, outShape: s, T.self, T.self, T.self) { d, v in d * T(libm_cosh(Double(v))) }
        case .cosh: return mapBinary(g, x, outShape: s, T.self, T.self, T.self) { d, v in d * T(libm_sinh(Double(v))) }
        case .asinh: return mapBinary(g, x, outShape: s, T.self, T.self, T.self) { d, v in d / T.sqrt(v * v + 1) }
        case .acosh: return mapBinary(g, x, outShape: s, T.self, T.self, T.self) { d, v in d / T.sqrt(v * v - 1) }
        case .atanh: return mapBinary(g, x, outShape: s, T.self, T.self, T.self) { d, v in d / (1 - v * v) }
        case .softplus: return mapBinary(g, x, outShape: s, T.self, T.self, T.self) { d, v in
            d * (v >= 0 ? 1 / (1 + T.exp(-v)) : T.exp(v) / (1 + T.exp(v)))
        }
        case .hardSwish: return mapBinary(g, x, outShape: s, T.self, T.self, T.self) { d, v in
            v < -3 ? 0 : (v > 3 ? d : d * (2 * v + 3) / 6)
        }
        case let .leakyRelu(alpha):
            let a = T(alpha)
            return mapBinary(g, x, outShape: s, T.self, T.self, T.self) { d, v in v < 0 ? a * d : d }
        case let .clip(lo, hi):
            let l = T(lo), h = T(hi)
            return mapBinary(g, x, outShape: s, T.self, T.self, T.self) { d, v in v >= l && v <= h ? d : 0 }
        case let .hardSigmoid(alpha, beta):
            let a = T(alpha), b = T(beta)
            return mapBinary(g, x, outShape: s, T.self, T.self, T.self) { d, v in
                let t = a * v + b
                return t > 0 && t < 1 ? a * d : 0
            }
        }
    }

    static func integerUnary<T: FixedWidthInteger & SignedInteger & TensorElement>(_ op: UnaryOp, _ x: Tensor, _: T.Type) throws -> Tensor {
        switch op {
        case .negate: return mapUnary(x, T.self, T.self) { 0 &- $0 }
        case .abs: return mapUnary(x, T.self, T.self) { $0 < 0 ? 0 &- $0 : $0 }
        case .relu: return mapUnary(x, T.self, T.self) { Swift.max($0, 0) }
        case .sign: return mapUnary(x, T.self, T.self) { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) }
        case let .clip(lo, hi):
            let l = T(saturating: lo), h = T(saturating: hi)
            return mapUnary(x, T.self, T.self) { Swift.min(Swift.max($0, l), h) }
        default: throw TensorError.unsupportedDType(op: op.name, dtype: x.dtype)
        }
    }

    public func relu() throws -> Tensor { try unary(.relu) }
    public func exp() throws -> Tensor { try unary(.exp) }
    public func log() throws -> Tensor { try unary(.log) }
    public func sqrt() throws -> Tensor { try unary(.sqrt) }
    public func sigmoid() throws -> Tensor { try unary(.sigmoid) }
    public func tanh() throws -> Tensor { try unary(.tanh) }
}

// File-scope wrappers: inside `extension Tensor` a bare `exp`/`log`… could resolve to a method.
@inline(__always) private func libm_tan(_ x: Double) -> Double { tan(x) }
@inline(__always) private func libm_asin(_ x: Double) -> Double { asin(x) }
@inline(__always) private func libm_acos(_ x: Double) -> Double { acos(x) }
@inline(__always) private func libm_atan(_ x: Double) -> Double { atan(x) }
@inline(__always) private func libm_sinh(_ x: Double) -> Double { sinh(x) }
@inline(__always) private func libm_cosh(_ x: Double) -> Double { cosh(x) }
@inline(__always) private func libm_asinh(_ x: Double) -> Double { asinh(x) }
@inline(__always) private func libm_acosh(_ x: Double) -> Double { acosh(x) }
@inline(__always) private func libm_atanh(_ x: Double) -> Double { atanh(x) }
