/// Errors from the tensor core: what was wrong, in which operation, and what to do.
public enum TensorError: Error, CustomStringConvertible, Equatable {
    /// Shapes that cannot work together (broadcasting, matmul inner sizes, concat axes...).
    case shapeMismatch(op: String, detail: String)
    /// An operand of the wrong element type.
    case dtypeMismatch(op: String, expected: DType, got: DType)
    /// An element type the operation does not implement.
    case unsupportedDType(op: String, dtype: DType)
    /// An argument outside what the operation accepts (axis, kernel size, stride...).
    case invalidArgument(op: String, detail: String)
    /// Autograd misuse, e.g. backward from a tensor that does not require a gradient.
    case autograd(detail: String)

    public var description: String {
        switch self {
        case let .shapeMismatch(op, detail):
            return "\(op): shape mismatch: \(detail)"
        case let .dtypeMismatch(op, expected, got):
            return "\(op): expected dtype \(expected), got \(got); cast the operand first (Tensor.cast(to:))"
        case let .unsupportedDType(op, dtype):
            return "\(op): dtype \(dtype) is not supported by this operation; cast to float32 first"
        case let .invalidArgument(op, detail):
            return "\(op): \(detail)"
        case let .autograd(detail):
            return "autograd: \(detail)"
        }
    }
}
