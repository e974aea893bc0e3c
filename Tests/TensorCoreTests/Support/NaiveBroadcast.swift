import XCTest
@testable import TensorCore

/// Broadcasting, tensor construction and operand generators for the naive references of the
/// kernel tests (elementwise, compare, reduce, views, matmul, conv). Index math is spelled out
/// here and shares nothing with the library's layout code.
extension NaiveArray {
    init(shape: [Int], repeating value: Double) { self.init(repeating: value, shape: shape) }

    /// The element read at `outIndex` of a broadcast result (right-aligned; size-1 axes repeat).
    func broadcastValue(at outIndex: [Int]) -> Double {
        let lead = outIndex.count - shape.count
        var p = 0
        for axis in 0..<shape.count {
            let i = shape[axis] == 1 ? 0 : outIndex[axis + lead]
            p = p * shape[axis] + i
        }
        return values[p]
    }

    /// This array repeated to `target` by the broadcasting rule.
    func broadcast(to target: [Int]) -> NaiveArray {
        NaiveArray(shape: target, values: naiveIndices(target).map { broadcastValue(at: $0) })
    }
}

func naiveProduct(_ shape: [Int]) -> Int {
    var p = 1
    for s in shape { p *= s }
    return p
}

/// Every multi-index of `shape` in row-major order (an odometer); one empty index for rank 0.
func naiveIndices(_ shape: [Int]) -> [[Int]] {
    if shape.contains(0) { return [] }
    var result: [[Int]] = []
    var index = [Int](repeating: 0, count: shape.count)
    while true {
        result.append(index)
        var axis = shape.count - 1
        while axis >= 0 {
            index[axis] += 1
            if index[axis] < shape[axis] { break }
            index[axis] = 0
            axis -= 1
        }
        if axis < 0 { return result }
    }
}

/// NumPy broadcasting of several shapes, or nil when they are incompatible.
func naiveBroadcastShape(_ shapes: [[Int]]) -> [Int]? {
    let rank = shapes.map { $0.count }.max() ?? 0
    var out = [Int](repeating: 1, count: rank)
    for s in shapes {
        for (i, d) in s.enumerated() {
            let axis = rank - s.count + i
            if out[axis] == 1 { out[axis] = d } else if d != 1 && d != out[axis] { return nil }
        }
    }
    return out
}

/// `f` applied elementwise to broadcast inputs.
func naiveMap(_ inputs: [NaiveArray], _ f: ([Double]) -> Double) -> NaiveArray {
    guard let shape = naiveBroadcastShape(inputs.map { $0.shape }) else {
        preconditionFailure("naiveMap: shapes \(inputs.map { $0.shape }) do not broadcast")
    }
    return NaiveArray(shape: shape, values: naiveIndices(shape).map { index in f(inputs.map { $0.broadcastValue(at: index) }) })
}

/// A contiguous tensor of `dtype` holding `values` (converted with Swift's own initialisers).
func makeTensor(_ shape: [Int], _ values: [Double], _ dtype: DType) throws -> Tensor {
    switch dtype {
    case .float32: return try Tensor(shape: shape, scalars: values.map { Float($0) })
    case .float64: return try Tensor(shape: shape, scalars: values)
    case .float16: return try Tensor(shape: shape, scalars: values.map { Float16($0) })
    case .int64: return try Tensor(shape: shape, scalars: values.map { Int64($0) })
    case .int32: return try Tensor(shape: shape, scalars: values.map { Int32($0) })
    case .int8: return try Tensor(shape: shape, scalars: values.map { Int8($0) })
    case .uint8: return try Tensor(shape: shape, scalars: values.map { UInt8($0) })
    case .bool: return try Tensor(shape: shape, scalars: values.map { $0 != 0 })
    }
}

/// Values as they are stored in `dtype` (so references start from exactly what the kernel reads).
func roundedTo(_ dtype: DType, _ values: [Double]) -> [Double] {
    switch dtype {
    case .float32: return values.map { Double(Float($0)) }
    case .float16: return values.map { Double(Float16($0)) }
    default: return values
    }
}

extension TestRandom {
    /// A random shape of `rank` with sizes in lo...hi.
    mutating func randomShape(rank: Int, _ lo: Int, _ hi: Int) -> [Int] { (0..<rank).map { _ in int(lo, hi) } }

    /// Pairs of shapes covering every broadcasting pattern: equal, scalar on either side, leading
    /// axes missing, middle size-1 axes, size-1 axes on both sides, all ones, and size 0.
    mutating func broadcastPairs() -> [([Int], [Int])] {
        var pairs: [([Int], [Int])] = []
        for _ in 0..<3 {
            let full = randomShape(rank: int(1, 4), 2, 4)
            pairs.append((full, full))                                   // same shape
            pairs.append((full, []))                                     // scalar right
            pairs.append(([], full))                                     // scalar left
            pairs.append((full, Array(full.dropFirst(int(1, full.count)))))  // leading axes missing
            pairs.append((Array(full.dropFirst(int(1, full.count))), full))
            var middle = full                                            // size-1 axes, one side
            for axis in middle.indices where next() % 2 == 0 { middle[axis] = 1 }
            pairs.append((full, middle))
            pairs.append((middle, full))
            var left = full, right = full                                // size-1 axes on both sides
            for axis in full.indices {
                switch next() % 3 {
                case 0: left[axis] = 1
                case 1: right[axis] = 1
                default: break
                }
            }
            pairs.append((left, Array(right.dropFirst(int(0, right.count - 1)))))
        }
        pairs.append(([1], [1]))
        pairs.append(([1, 1, 1], [5]))
        pairs.append(([1], [2, 1, 3]))
        pairs.append(([], []))
        pairs.append(([0, 3], [3]))
        pairs.append(([2, 0], [1, 1]))
        pairs.append(([0], []))
        pairs.append(([4, 1, 0], [1, 3, 1]))
        return pairs
    }
}

extension TestRandom {
    /// Random values already representable in `dtype` (integers for integer dtypes).
    mutating func values(_ n: Int, _ dtype: DType, _ lo: Double = -1, _ hi: Double = 1) -> [Double] {
        let raw = doubles(n, lo, hi)
        switch dtype {
        case .float32, .float64, .float16: return roundedTo(dtype, raw)
        case .bool: return raw.map { $0 < (lo + hi) / 2 ? 0 : 1 }
        default: return raw.map { $0.rounded(.down) }
        }
    }

    /// A tensor of `shape` and its naive copy.
    mutating func operand(_ shape: [Int], _ dtype: DType, _ lo: Double = -1, _ hi: Double = 1) throws -> (Tensor, NaiveArray) {
        let v = values(naiveProduct(shape), dtype, lo, hi)
        return (try makeTensor(shape, v, dtype), NaiveArray(shape: shape, values: v))
    }

    /// A non-contiguous (stride-0) view of `shape`: values on a base shape with some axes set to 1
    /// and some leading axes dropped, expanded by the library; the naive copy is expanded here.
    mutating func expandedOperand(_ shape: [Int], _ dtype: DType, _ lo: Double = -1, _ hi: Double = 1) throws -> (Tensor, NaiveArray) {
        var base = shape
        for axis in base.indices where next() % 2 == 0 { base[axis] = 1 }
        if base == shape, let axis = shape.firstIndex(where: { $0 > 1 }) { base[axis] = 1 }
        var drop = 0
        while drop < base.count && base[drop] == 1 && next() % 2 == 0 { drop += 1 }
        base = Array(base.dropFirst(drop))
        let v = values(naiveProduct(base), dtype, lo, hi)
        let view = try makeTensor(base, v, dtype).expanded(to: shape)
        return (view, NaiveArray(shape: base, values: v).broadcast(to: shape))
    }
}
