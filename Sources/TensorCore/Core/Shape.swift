/// Shape arithmetic shared by kernels: element counts, strides, NumPy broadcasting, axis checks.
public enum Shape {
    /// Number of elements of a shape (1 for a scalar).
    @inlinable public static func count(_ shape: [Int]) -> Int { shape.reduce(1, *) }

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
