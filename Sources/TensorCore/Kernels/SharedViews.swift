import CKernels

/// Views into memory an execution plan owns (planned buffers reused across calls), and a
/// parallel loop that tells each chunk its index (for per-thread scratch).
extension Tensor {
    /// A contiguous tensor of `shape` viewing `storage` from element `offset` (no copy). Writes
    /// through the storage's pointer show in the view; `withMutableElements` on the view copies.
    public init(sharing storage: TensorStorage, offset: Int, shape: [Int]) {
        precondition(offset >= 0 && offset + Shape.count(shape) <= storage.capacity,
                     "view of \(shape) at \(offset) exceeds a storage of \(storage.capacity) elements")
        self.init(storage: storage, shape: shape, strides: Shape.contiguousStrides(shape), offset: offset)
    }

    /// Identity of the memory block behind this value: equal for values that share storage.
    public var storageIdentity: ObjectIdentifier { ObjectIdentifier(storage) }

    /// Start of the elements of a contiguous float32 tensor, for kernels that read in place.
    /// Callers keep the tensor alive while they use the pointer and never write through it.
    public var floatBase: UnsafePointer<Float> {
        precondition(dtype == .float32 && isContiguous, "floatBase needs a contiguous float32 tensor, got \(dtype) \(shape)")
        return UnsafePointer(storage.pointer(as: Float.self) + offset)
    }
}

/// Returns memory the allocator holds for freed blocks to the system (glibc `malloc_trim`), so a
/// large temporary working set does not stay in the process's resident size.
public func releaseFreedMemory() {
    wn_release_freed_memory()
}

extension Parallel {
    /// Like `forRange`, but `body` also gets its chunk's index in `0..<chunkCount(count, grain)`,
    /// so it can use scratch memory owned by that chunk.
    public static func forChunks(_ count: Int, grain: Int = 1, _ body: (_ chunk: Int, _ range: Range<Int>) -> Void) {
        guard count > 0 else { return }
        let chunks = chunkCount(count, grain: grain)
        if chunks <= 1 { body(0, 0..<count); return }
        WorkerPool.shared.run(chunks: chunks, threads: threads) { _, chunk in
            let lo = chunk * count / chunks
            let hi = (chunk + 1) * count / chunks
            if lo < hi { body(chunk, lo..<hi) }
        }
    }

    /// Number of chunks `forChunks` splits `count` items into.
    public static func chunkCount(_ count: Int, grain: Int = 1) -> Int {
        Swift.min(threads, Swift.max(1, count / Swift.max(grain, 1)))
    }
}
