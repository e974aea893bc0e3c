#if canImport(Glibc)
import Glibc
#endif

/// Shape arithmetic shared by kernels: element counts, strides, NumPy broadcasting, axis checks.
public enum Shape {
    /// Number of elements of a shape (1 for a scalar).
    @inlinable public static func count(_ shape: [Int]) -> Int { shape.reduce(1, *) }

    /// The most bytes one tensor may take: the machine's physical memory. Sizes computed from
    /// data (a ConstantOfShape input, Expand/Tile/Pad/Resize targets) are checked against it
    /// before anything is allocated, so a corrupt model fails with an error instead of an abort.
    public static let allocationLimitBytes: Int = {
        let pages = sysconf(Int32(_SC_PHYS_PAGES)), size = sysconf(Int32(_SC_PAGESIZE))
        guard pages > 0, size > 0 else { return 1 << 36 }
        let (bytes, overflow) = pages.multipliedReportingOverflow(by: size)
        return overflow ? Int.max : bytes
    }()

    /// The element count of `shape`, or a typed error when a size is negative, the count
    /// overflows, or `dtype`-sized elements would not fit in memory.
    public static func checkedCount(_ shape: [Int], dtype: DType, op: String) throws -> Int {
        var count = 1
        for size in shape {
            guard size >= 0 else { throw TensorError.invalidArgument(op: op, detail: "shape \(shape) has a negative size") }
            let (product, overflow) = count.multipliedReportingOverflow(by: size)
            guard !overflow else { throw TensorError.invalidArgument(op: op, detail: "shape \(shape) has more elements than can be counted") }
            count = product
        }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: dtype.byteSize)
        guard !overflow, bytes <= allocationLimitBytes else {
            throw TensorError.invalidArgument(op: op, detail: "shape \(shape) of \(dtype) needs more memory than this machine has (\(allocationLimitBytes >> 20) MiB)")
        }
        return count
    }

    /// Row-major strides of a contiguous tensor of `shape`.
    public static func contiguousStrides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var running = 1
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[axis] = running
            running *= shape[axis]
        }
        return strides
    }

    /// NumPy broadcasting of two shapes (right-aligned; a size of 1 stretches).
    public static func broadcast(_ a: [Int], _ b: [Int], op: String = "broadcast") throws -> [Int] {
        let rank = max(a.count, b.count)
        var out = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            if da == db || db == 1 { out[i] = da } else if da == 1 { out[i] = db } else {
                throw TensorError.shapeMismatch(op: op, detail: "cannot broadcast \(a) with \(b) (axis \(i): \(da) vs \(db))")
            }
        }
        return out
    }

    /// Broadcasts any number of shapes together.
    public static func broadcast(_ shapes: [[Int]], op: String = "broadcast") throws -> [Int] {
        var out: [Int] = []
        for s in shapes { out = try broadcast(out, s, op: op) }
        return out
    }

    /// Turns a possibly negative axis into 0..<rank, or throws naming the op.
    public static func normalizeAxis(_ axis: Int, rank: Int, op: String) throws -> Int {
        let a = axis < 0 ? axis + rank : axis
        // A rank-0 tensor has no axis to name (callers would read shape[0]).
        guard a >= 0 && a < rank else {
            throw TensorError.invalidArgument(op: op, detail: "axis \(axis) is out of range for rank \(rank)")
        }
        return a
    }

    /// Normalises a list of axes; an empty list means every axis when `emptyMeansAll`.
    public static func normalizeAxes(_ axes: [Int], rank: Int, op: String, emptyMeansAll: Bool = true) throws -> [Int] {
        if axes.isEmpty { return emptyMeansAll ? Array(0..<rank) : [] }
        var seen = Set<Int>()
        var out: [Int] = []
        for axis in axes {
            let a = try normalizeAxis(axis, rank: rank, op: op)
            guard seen.insert(a).inserted else {
                throw TensorError.invalidArgument(op: op, detail: "axis \(axis) is repeated in \(axes)")
            }
            out.append(a)
        }
        return out.sorted()
    }
}
