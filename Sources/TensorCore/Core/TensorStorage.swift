/// One block of element memory, shared copy-on-write by the `Tensor` values that view it.
public final class TensorStorage: @unchecked Sendable {
    /// Start of the block, 64-byte aligned and bound to `dtype`'s Swift type.
    public let raw: UnsafeMutableRawPointer
    /// Number of elements the block holds.
    public let capacity: Int
    /// The element type the memory is bound to.
    public let dtype: DType

    /// Allocates `capacity` elements of `dtype`; zero-filled when `zeroed`.
    public init(capacity: Int, dtype: DType, zeroed: Bool) {
        let bytes = max(capacity * dtype.byteSize, 1)
        raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        if zeroed { raw.initializeMemory(as: UInt8.self, repeating: 0, count: bytes) }
        self.capacity = capacity
        self.dtype = dtype
        switch dtype {
        case .float32: raw.bindMemory(to: Float.self, capacity: capacity)
        case .float64: raw.bindMemory(to: Double.self, capacity: capacity)
        case .float16: raw.bindMemory(to: Float16.self, capacity: capacity)
        case .int64: raw.bindMemory(to: Int64.self, capacity: capacity)
        case .int32: raw.bindMemory(to: Int32.self, capacity: capacity)
        case .int8: raw.bindMemory(to: Int8.self, capacity: capacity)
        case .uint8: raw.bindMemory(to: UInt8.self, capacity: capacity)
        case .bool: raw.bindMemory(to: Bool.self, capacity: capacity)
        }
    }

    deinit { raw.deallocate() }

    /// The block as typed elements; `T` must match `dtype`.
    @inline(__always)
    public func pointer<T: TensorElement>(as _: T.Type) -> UnsafeMutablePointer<T> {
        raw.assumingMemoryBound(to: T.self)
    }
}
