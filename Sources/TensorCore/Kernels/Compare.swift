/// Comparisons (to Bool), logical operations on Bool, and `where`.
public enum CompareOp: String, Sendable, CaseIterable {
    case equal, less, lessOrEqual, greater, greaterOrEqual
}

/// Logical operations on Bool tensors.
public enum LogicalOp: String, Sendable, CaseIterable {
    case and, or, xor
}

extension Tensor {
    /// Elementwise comparison with broadcasting; both operands of one dtype; Bool result.
    public func compare(_ op: CompareOp, _ other: Tensor) throws -> Tensor {
        guard dtype == other.dtype else { throw TensorError.dtypeMismatch(op: op.rawValue, expected: dtype, got: other.dtype) }
        let outShape = try Shape.broadcast(shape, other.shape, op: op.rawValue)
        func run<T: TensorElement & Comparable>(_: T.Type) -> Tensor {
            switch op {
            case .equal: return Tensor.mapBinary(self, other, outShape: outShape, T.self, T.self, Bool.self) { $0 == $1 }
            case .less: return Tensor.mapBinary(self, other, outShape: outShape, T.self, T.self, Bool.self) { $0 < $1 }
            case .lessOrEqual: return Tensor.mapBinary(self, other, outShape: outShape, T.self, T.self, Bool.self) { $0 <= $1 }
            case .greater: return Tensor.mapBinary(self, other, outShape: outShape, T.self, T.self, Bool.self) { $0 > $1 }
            case .greaterOrEqual: return Tensor.mapBinary(self, other, outShape: outShape, T.self, T.self, Bool.self) { $0 >= $1 }
            }
        }
        switch dtype {
        case .float32: return run(Float.self)
        case .float64: return run(Double.self)
        case .float16: return run(Float16.self)
        case .int64: return run(Int64.self)
        case .int32: return run(Int32.self)
        case .int8: return run(Int8.self)
        case .uint8: return run(UInt8.self)
        case .bool:
            let a = try cast(to: .uint8), b = try other.cast(to: .uint8)
            return try a.compare(op, b)
        }
    }

    /// Elementwise logical `op` of two Bool tensors, broadcast.
    public func logical(_ op: LogicalOp, _ other: Tensor) throws -> Tensor {
        guard dtype == .bool else { throw TensorError.dtypeMismatch(op: op.rawValue, expected: .bool, got: dtype) }
        guard other.dtype == .bool else { throw TensorError.dtypeMismatch(op: op.rawValue, expected: .bool, got: other.dtype) }
        let outShape = try Shape.broadcast(shape, other.shape, op: op.rawValue)
        switch op {
        case .and: return Tensor.mapBinary(self, other, outShape: outShape, Bool.self, Bool.self, Bool.self) { $0 && $1 }
        case .or: return Tensor.mapBinary(self, other, outShape: outShape, Bool.self, Bool.self, Bool.self) { $0 || $1 }
        case .xor: return Tensor.mapBinary(self, other, outShape: outShape, Bool.self, Bool.self, Bool.self) { $0 != $1 }
        }
    }

    /// Elementwise negation of a Bool tensor.
    public func logicalNot() throws -> Tensor {
        guard dtype == .bool else { throw TensorError.dtypeMismatch(op: "not", expected: .bool, got: dtype) }
        return Tensor.mapUnary(self, Bool.self, Bool.self) { !$0 }
    }

    /// `condition ? a : b` elementwise with broadcasting of all three; `a` and `b` share a dtype.
    /// Differentiable in `a` and `b`.
    public static func `where`(_ condition: Tensor, _ a: Tensor, _ b: Tensor) throws -> Tensor {
        guard condition.dtype == .bool else { throw TensorError.dtypeMismatch(op: "where", expected: .bool, got: condition.dtype) }
        guard a.dtype == b.dtype else { throw TensorError.dtypeMismatch(op: "where", expected: a.dtype, got: b.dtype) }
        let outShape = try Shape.broadcast([condition.shape, a.shape, b.shape], op: "where")
        func run<T: TensorElement>(_: T.Type) -> Tensor {
            mapTernary(condition, a, b, outShape: outShape, Bool.self, T.self, T.self, T.self) { $0 ? $1 : $2 }
        }
        let out: Tensor
        switch a.dtype {
        case .float32: out = run(Float.self)
        case .float64: out = run(Double.self)
        case .float16: out = run(Float16.self)
        case .int64: out = run(Int64.self)
        case .int32: out = run(Int32.self)
        case .int8: out = run(Int8.self)
        case .uint8: out = run(UInt8.self)
        case .bool: out = run(Bool.self)
        }
        guard a.dtype.isFloatingCompute else { return out }
        return out.recorded("Where", inputs: [a, b]) { g in
            let zero = Tensor(zeros: [], dtype: g.dtype)
            return [try Tensor.where(condition, g, zero).summed(toShape: a.shape),
                    try Tensor.where(condition, zero, g).summed(toShape: b.shape)]
        }
    }
}
