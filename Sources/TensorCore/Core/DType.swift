/// The element types a `Tensor` can hold (DESIGN.md: Float32 computes, Float64 accumulates).
public enum DType: String, Sendable, CaseIterable, CustomStringConvertible {
    case float32, float64, int64, int32, int8, uint8, bool, float16

    /// Bytes per element in storage (Bool is one byte, 0 or 1).
    public var byteSize: Int {
        switch self {
        case .float64, .int64: return 8
        case .float32, .int32: return 4
        case .float16: return 2
        case .int8, .uint8, .bool: return 1
        }
    }

    /// True for the types kernels compute with (Float32, Float64).
    public var isFloatingCompute: Bool { self == .float32 || self == .float64 }

    /// True for every floating type, storage-only Float16 included.
    public var isFloatingPoint: Bool { self == .float32 || self == .float64 || self == .float16 }

    public var description: String { rawValue }
}

/// A Swift type that can be the element of a `Tensor`.
public protocol TensorElement: Sendable {
    /// The dtype whose storage holds this type.
    static var dtype: DType { get }
    /// Conversion through Double, used for dtype casts and reference code.
    var doubleValue: Double { get }
    init(fromDouble value: Double)
}

extension Float: TensorElement {
    public static var dtype: DType { .float32 }
    @inlinable public var doubleValue: Double { Double(self) }
    @inlinable public init(fromDouble value: Double) { self = Float(value) }
}
extension Double: TensorElement {
    public static var dtype: DType { .float64 }
    @inlinable public var doubleValue: Double { self }
    @inlinable public init(fromDouble value: Double) { self = value }
}
extension Float16: TensorElement {
    public static var dtype: DType { .float16 }
    @inlinable public var doubleValue: Double { Double(self) }
    @inlinable public init(fromDouble value: Double) { self = Float16(value) }
}
extension Int64: TensorElement {
    public static var dtype: DType { .int64 }
    @inlinable public var doubleValue: Double { Double(self) }
    @inlinable public init(fromDouble value: Double) { self = Int64(saturating: value) }
}
extension Int32: TensorElement {
    public static var dtype: DType { .int32 }
    @inlinable public var doubleValue: Double { Double(self) }
    @inlinable public init(fromDouble value: Double) { self = Int32(saturating: value) }
}
extension Int8: TensorElement {
    public static var dtype: DType { .int8 }
    @inlinable public var doubleValue: Double { Double(self) }
    @inlinable public init(fromDouble value: Double) { self = Int8(saturating: value) }
}
extension UInt8: TensorElement {
    public static var dtype: DType { .uint8 }
    @inlinable public var doubleValue: Double { Double(self) }
    @inlinable public init(fromDouble value: Double) { self = UInt8(saturating: value) }
}
extension Bool: TensorElement {
    public static var dtype: DType { .bool }
    @inlinable public var doubleValue: Double { self ? 1 : 0 }
    @inlinable public init(fromDouble value: Double) { self = value != 0 }
}

extension FixedWidthInteger {
    /// Truncates toward zero and clamps to the type's range; NaN becomes 0 (as C casts do not promise).
    @inlinable init(saturating value: Double) {
        if value.isNaN { self = 0; return }
        if value <= Double(Self.min) { self = Self.min; return }
        if value >= Double(Self.max) { self = Self.max; return }
        self = Self(value.rounded(.towardZero))
    }
}
