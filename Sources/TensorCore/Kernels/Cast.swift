/// Conversions between dtypes (Float16 is storage only and converts through Float).
extension Tensor {
    /// The values converted to `target`. Float to integer truncates toward zero and saturates;
    /// to Bool is `value != 0`. The gradient flows between floating types.
    public func cast(to target: DType) throws -> Tensor {
        if target == dtype { return self }
        let out = Tensor.convert(self, to: target)
        guard dtype.isFloatingPoint && target.isFloatingPoint else { return out }
        let source = dtype
        return out.recorded("Cast", inputs: [self]) { g in [try g.cast(to: source)] }
    }

    static func convert(_ x: Tensor, to target: DType) -> Tensor {
        func from<A: TensorElement>(_: A.Type) -> Tensor {
            func to<O: TensorElement>(_: O.Type, _ f: (A) -> O) -> Tensor { mapUnary(x, A.self, O.self, f) }
            switch target {
            case .float32: return to(Float.self) { Float(fromDouble: $0.doubleValue) }
            case .float64: return to(Double.self) { $0.doubleValue }
            case .float16: return to(Float16.self) { Float16(fromDouble: $0.doubleValue) }
            case .int64: return to(Int64.self) { Int64(fromDouble: $0.doubleValue) }
            case .int32: return to(Int32.self) { Int32(fromDouble: $0.doubleValue) }
            case .int8: return to(Int8.self) { Int8(fromDouble: $0.doubleValue) }
            case .uint8: return to(UInt8.self) { UInt8(fromDouble: $0.doubleValue) }
            case .bool: return to(Bool.self) { $0.doubleValue != 0 }
            }
        }
        switch x.dtype {
        case .float32:
            // The hot conversions get direct closures.
            if target == .float64 { return mapUnary(x, Float.self, Double.self) { Double($0) } }
            if target == .float16 { return mapUnary(x, Float.self, Float16.self) { Float16($0) } }
            return from(Float.self)
        case .float64:
            if target == .float32 { return mapUnary(x, Double.self, Float.self) { Float($0) } }
            return from(Double.self)
        case .float16:
            if target == .float32 { return mapUnary(x, Float16.self, Float.self) { Float($0) } }
            return from(Float16.self)
        case .int64: return from(Int64.self)
        case .int32: return from(Int32.self)
        case .int8: return from(Int8.self)
        case .uint8: return from(UInt8.self)
        case .bool: return from(Bool.self)
        }
    }
}
