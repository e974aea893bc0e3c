import XCTest
@testable import TensorCore

/// A plain row-major array of Doubles with explicit multi-index arithmetic: the naive side of
/// the shape-kernel tests. It shares no code with the kernels under test.
struct NaiveArray {
    var shape: [Int]
    var values: [Double]

    init(shape: [Int], values: [Double]) {
        precondition(shape.reduce(1, *) == values.count, "naive array: \(values.count) values for shape \(shape)")
        self.shape = shape
        self.values = values
    }

    init(repeating value: Double, shape: [Int]) {
        self.init(shape: shape, values: Array(repeating: value, count: shape.reduce(1, *)))
    }

    init(_ tensor: Tensor) { self.init(shape: tensor.shape, values: tensor.doubles()) }

    var count: Int { values.count }

    func flatIndex(_ index: [Int]) -> Int {
        var flat = 0
        for a in 0..<shape.count {
            precondition(index[a] >= 0 && index[a] < shape[a], "naive array: index \(index) outside \(shape)")
            flat = flat * shape[a] + index[a]
        }
        return flat
    }

    func multiIndex(_ flat: Int) -> [Int] {
        var rest = flat
        var index = [Int](repeating: 0, count: shape.count)
        for a in stride(from: shape.count - 1, through: 0, by: -1) {
            index[a] = rest % shape[a]
            rest /= shape[a]
        }
        return index
    }

    subscript(_ index: [Int]) -> Double {
        get { values[flatIndex(index)] }
        set { values[flatIndex(index)] = newValue }
    }

    /// Every multi-index in row-major order.
    var allIndices: [[Int]] { (0..<count).map { multiIndex($0) } }
}

/// The dtypes every shape test runs through.
let allShapeTestDTypes: [DType] = [.float32, .float64, .int64, .bool, .int32, .int8, .uint8, .float16]

extension TestRandom {
    /// Random values of any dtype (small integers for integer types, so Double round-trips are exact).
    mutating func anyTensor(_ shape: [Int], dtype: DType) -> Tensor {
        let n = shape.reduce(1, *)
        switch dtype {
        case .float32: return try! Tensor(shape: shape, scalars: (0..<n).map { _ in Float(uniform()) })
        case .float64: return try! Tensor(shape: shape, scalars: (0..<n).map { _ in uniform() })
        case .float16: return try! Tensor(shape: shape, scalars: (0..<n).map { _ in Float16(uniform()) })
        case .int64: return try! Tensor(shape: shape, scalars: (0..<n).map { _ in Int64(int(-1_000_000, 1_000_000)) })
        case .int32: return try! Tensor(shape: shape, scalars: (0..<n).map { _ in Int32(int(-100_000, 100_000)) })
        case .int8: return try! Tensor(shape: shape, scalars: (0..<n).map { _ in Int8(int(-128, 127)) })
        case .uint8: return try! Tensor(shape: shape, scalars: (0..<n).map { _ in UInt8(int(0, 255)) })
        case .bool: return try! Tensor(shape: shape, scalars: (0..<n).map { _ in int(0, 1) == 1 })
        }
    }

    /// A random permutation of 0..<n (Fisher–Yates).
    mutating func permutation(_ n: Int) -> [Int] {
        var perm = Array(0..<n)
        for i in stride(from: n - 1, to: 0, by: -1) { perm.swapAt(i, int(0, i)) }
        return perm
    }

    /// A random shape of `rank` axes with lengths in 1...maxLength (size-1 axes included).
    mutating func shape(rank: Int, maxLength: Int = 4) -> [Int] { (0..<rank).map { _ in int(1, maxLength) } }
}

/// Asserts that `body` throws a `TensorError`.
func assertThrowsTensorError<R>(_ body: @autoclosure () throws -> R, _ message: String = "",
                                file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertThrowsError(try body(), message, file: file, line: line) { error in
        XCTAssertTrue(error is TensorError, "expected a TensorError, got \(error)", file: file, line: line)
    }
}
