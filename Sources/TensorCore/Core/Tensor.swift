/// An n-dimensional array with value semantics: copy-on-write storage, free reshape/expand views,
/// and an optional link into the autograd tape.
///
/// Shapes are row-major. Most tensors are contiguous; `expanded(to:)` produces stride-0 views and
/// `reshaped(_:)` of a contiguous tensor shares storage. Kernels read through `withElements`,
/// which materialises a view first when needed.
public struct Tensor: @unchecked Sendable {
    /// Element type of the values.
    public let dtype: DType
    /// Size of every axis.
    public internal(set) var shape: [Int]
    /// Element stride of every axis (0 on broadcast axes of an expanded view).
    public internal(set) var strides: [Int]
    /// Element offset of the first value inside `storage`.
    public internal(set) var offset: Int
    @usableFromInline var storage: TensorStorage
    /// The tape node that produced this value, when it takes part in autograd.
    public internal(set) var gradNode: GradNode?

    /// Number of axes.
    @inlinable public var rank: Int { shape.count }
    /// Number of elements.
    @inlinable public var count: Int { Shape.count(shape) }
    /// True when the values lie densely in row-major order from `offset`.
    public var isContiguous: Bool { strides == Shape.contiguousStrides(shape) || count <= 1 }
    /// True when this value is recorded on the autograd tape.
    public var requiresGrad: Bool { gradNode != nil }

    init(storage: TensorStorage, shape: [Int], strides: [Int], offset: Int) {
        self.dtype = storage.dtype
        self.storage = storage
        self.shape = shape
        self.strides = strides
        self.offset = offset
        self.gradNode = nil
    }

    /// A contiguous tensor with uninitialised (kernel-written) memory.
    public init(uninitialized shape: [Int], dtype: DType) {
        self.init(storage: TensorStorage(capacity: Shape.count(shape), dtype: dtype, zeroed: false),
                  shape: shape, strides: Shape.contiguousStrides(shape), offset: 0)
    }

    /// A tensor of zeros.
    public init(zeros shape: [Int], dtype: DType = .float32) {
        self.init(storage: TensorStorage(capacity: Shape.count(shape), dtype: dtype, zeroed: true),
                  shape: shape, strides: Shape.contiguousStrides(shape), offset: 0)
    }

    /// A tensor with every element equal to `value` (converted to `dtype`).
    public init(repeating value: Double, shape: [Int], dtype: DType = .float32) {
        self.init(uninitialized: shape, dtype: dtype)
        let n = count
        func fill<T: TensorElement>(_: T.Type) {
            storage.pointer(as: T.self).update(repeating: T(fromDouble: value), count: n)
        }
        Tensor.dispatchAll(dtype) { fill($0) }
    }

    /// A tensor from row-major values; throws when the count does not match the shape.
    public init<T: TensorElement>(shape: [Int], scalars: [T]) throws {
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw TensorError.invalidArgument(op: "Tensor", detail: "negative size in shape \(shape)")
        }
        guard Shape.count(shape) == scalars.count else {
            throw TensorError.shapeMismatch(op: "Tensor", detail: "\(scalars.count) values do not fill shape \(shape) (\(Shape.count(shape)) elements)")
        }
        self.init(uninitialized: shape, dtype: T.dtype)
        let p = storage.pointer(as: T.self)
        scalars.withUnsafeBufferPointer { src in
            if let base = src.baseAddress { p.update(from: base, count: src.count) }
        }
    }

    /// A rank-0 tensor.
    public init<T: TensorElement>(scalar: T) {
        self.init(uninitialized: [], dtype: T.dtype)
        storage.pointer(as: T.self).pointee = scalar
    }

    /// The same values, cut off from the autograd tape.
    public func detached() -> Tensor {
        var t = self
        t.gradNode = nil
        return t
    }

    // MARK: Element access

    /// Calls `body` with the values as a dense row-major buffer (materialising a view if needed).
    /// `T` must be the Swift type of `dtype`.
    @inlinable
    public func withElements<T: TensorElement, R>(_: T.Type, _ body: (UnsafeBufferPointer<T>) throws -> R) rethrows -> R {
        precondition(T.dtype == dtype, "withElements: \(T.dtype) requested from a \(dtype) tensor")
        if isContiguous {
            return try body(UnsafeBufferPointer(start: storage.pointer(as: T.self) + offset, count: count))
        }
        let dense = contiguous()
        return try body(UnsafeBufferPointer(start: dense.storage.pointer(as: T.self), count: dense.count))
    }

    /// Calls `body` with writable dense storage, copying first if the storage is shared or a view.
    public mutating func withMutableElements<T: TensorElement, R>(_: T.Type, _ body: (UnsafeMutableBufferPointer<T>) throws -> R) rethrows -> R {
        precondition(T.dtype == dtype, "withMutableElements: \(T.dtype) requested from a \(dtype) tensor")
        if !isKnownUniquelyReferenced(&storage) || !isContiguous || offset != 0 || storage.capacity != count {
            let dense = materialized()
            storage = dense.storage
            strides = dense.strides
            offset = 0
        }
        return try body(UnsafeMutableBufferPointer(start: storage.pointer(as: T.self), count: count))
    }

    /// The values as a Swift array; throws when `T` is not this tensor's element type.
    public func scalars<T: TensorElement>(_: T.Type) throws -> [T] {
        guard T.dtype == dtype else { throw TensorError.dtypeMismatch(op: "scalars", expected: T.dtype, got: dtype) }
        return withElements(T.self) { Array($0) }
    }

    /// The values converted to Double, whatever the dtype (for tests, metrics and printing).
    public func doubles() -> [Double] {
        func read<T: TensorElement>(_: T.Type) -> [Double] { withElements(T.self) { $0.map { $0.doubleValue } } }
        return Tensor.dispatchAll(dtype) { read($0) }
    }

    /// The single value of a one-element tensor, as Double.
    public func item() throws -> Double {
        guard count == 1 else { throw TensorError.invalidArgument(op: "item", detail: "tensor of shape \(shape) has \(count) elements, not 1") }
        return doubles()[0]
    }

    // MARK: Layout

    /// A dense copy when this is a view, otherwise self (shares storage). Keeps the tape link.
    public func contiguous() -> Tensor {
        if isContiguous { return self }
        var t = materialized()
        t.gradNode = gradNode
        return t
    }

    /// Always a fresh dense copy with its own storage (no tape link).
    public func materialized() -> Tensor {
        var out = Tensor(uninitialized: shape, dtype: dtype)
        func copy<T: TensorElement>(_: T.Type) {
            let dst = out.storage.pointer(as: T.self)
            let src = storage.pointer(as: T.self) + offset
            if isContiguous { dst.update(from: src, count: count); return }
            Tensor.stridedCopy(src: src, shape: shape, strides: strides, dst: dst)
        }
        // Explicit cases so each copy is specialised (an opened existential would not be).
        switch dtype {
        case .float32: copy(Float.self)
        case .float64: copy(Double.self)
        case .float16: copy(Float16.self)
        case .int64: copy(Int64.self)
        case .int32: copy(Int32.self)
        case .int8: copy(Int8.self)
        case .uint8: copy(UInt8.self)
        case .bool: copy(Bool.self)
        }
        out.gradNode = nil
        return out
    }

    /// Gathers a strided view into dense row-major order.
    static func stridedCopy<T>(src: UnsafeMutablePointer<T>, shape: [Int], strides: [Int], dst: UnsafeMutablePointer<T>) {
        let rank = shape.count
        if rank == 0 { dst.pointee = src.pointee; return }
        if Shape.count(shape) == 0 { return }
        let inner = shape[rank - 1]
        let innerStride = strides[rank - 1]
        var index = [Int](repeating: 0, count: rank)
        var out = dst
        var base = 0
        while true {
            let s = src + base
            if innerStride == 1 {
                out.update(from: s, count: inner)
            } else if innerStride == 0 {
                out.update(repeating: s.pointee, count: inner)
            } else {
                for i in 0..<inner { out[i] = s[i * innerStride] }
            }
            out += inner
            var axis = rank - 2
            while axis >= 0 {
                index[axis] += 1
                base += strides[axis]
                if index[axis] < shape[axis] { break }
                base -= strides[axis] * shape[axis]
                index[axis] = 0
                axis -= 1
            }
            if axis < 0 { return }
        }
    }

    /// Calls `body` with the Swift element type of `dtype` (all dtypes).
    @inlinable
    public static func dispatchAll<R>(_ dtype: DType, _ body: (any TensorElement.Type) throws -> R) rethrows -> R {
        switch dtype {
        case .float32: return try body(Float.self)
        case .float64: return try body(Double.self)
        case .float16: return try body(Float16.self)
        case .int64: return try body(Int64.self)
        case .int32: return try body(Int32.self)
        case .int8: return try body(Int8.self)
        case .uint8: return try body(UInt8.self)
        case .bool: return try body(Bool.self)
        }
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let values = doubles()
        let shown = values.prefix(8).map { dtype.isFloatingPoint ? "\($0)" : String(Int64($0)) }
        return "Tensor<\(dtype)>\(shape)[\(shown.joined(separator: ", "))\(values.count > 8 ? ", …" : "")]"
    }
}
