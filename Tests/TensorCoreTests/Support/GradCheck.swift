import XCTest
@testable import TensorCore

/// A small seeded generator for test data (SplitMix64), independent of the library's RNG.
struct TestRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [lo, hi).
    mutating func uniform(_ lo: Double = -1, _ hi: Double = 1) -> Double {
        lo + (hi - lo) * Double(next() >> 11) / Double(1 << 53)
    }
    /// Uniform integer in lo...hi.
    mutating func int(_ lo: Int, _ hi: Int) -> Int { lo + Int(next() % UInt64(hi - lo + 1)) }
    mutating func doubles(_ n: Int, _ lo: Double = -1, _ hi: Double = 1) -> [Double] { (0..<n).map { _ in uniform(lo, hi) } }
    /// A tensor of uniform values of the given dtype (Float32 or Float64).
    mutating func tensor(_ shape: [Int], dtype: DType = .float64, _ lo: Double = -1, _ hi: Double = 1) -> Tensor {
        let values = doubles(Shape.count(shape), lo, hi)
        if dtype == .float32 { return try! Tensor(shape: shape, scalars: values.map { Float($0) }) }
        return try! Tensor(shape: shape, scalars: values)
    }
}

/// Asserts that two value lists agree elementwise within `abs + rel·|expected|`.
func assertClose(_ actual: [Double], _ expected: [Double], abs: Double = 1e-5, rel: Double = 1e-5,
                 _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(actual.count, expected.count, "count differs \(message)", file: file, line: line)
    var worst = 0.0, worstIndex = -1
    for i in 0..<min(actual.count, expected.count) {
        let err = Swift.abs(actual[i] - expected[i]) - (abs + rel * Swift.abs(expected[i]))
        if err > worst || (actual[i].isNaN != expected[i].isNaN) { worst = Swift.max(err, 1); worstIndex = i }
    }
    if worstIndex >= 0 {
        XCTFail("values differ at \(worstIndex): \(actual[worstIndex]) vs \(expected[worstIndex]) \(message)", file: file, line: line)
    }
}

/// Compares autograd gradients with central finite differences computed in Float64.
/// `inputs` must be Float64 tensors; the scalar loss is Σ f(inputs)·w for fixed random weights w,
/// so every output element's gradient path is exercised.
func assertGradientsMatch(_ inputs: [Tensor], tolerance: Double = 1e-6, epsilon: Double = 1e-6,
                          file: StaticString = #filePath, line: UInt = #line,
                          _ f: ([Tensor]) throws -> Tensor) throws {
    for x in inputs where x.dtype != .float64 {
        XCTFail("gradient checks need float64 inputs, got \(x.dtype)", file: file, line: line)
        return
    }
    let parameters = inputs.enumerated().map { Parameter(name: "input\($0.offset)", value: $0.element) }
    let output = try f(parameters.map { $0.tensor })
    var rng = TestRandom(seed: 1234)
    let weights = try Tensor(shape: output.shape, scalars: rng.doubles(output.count, 0.5, 1.5))
    let loss = try (output * weights).sum()
    try loss.backward()

    func lossValue(_ values: [Tensor]) throws -> Double {
        let y = try noGrad { try f(values) }.doubles()
        let w = weights.doubles()
        var acc = 0.0
        for i in 0..<y.count { acc += y[i] * w[i] }
        return acc
    }
    for (index, parameter) in parameters.enumerated() {
        let base = inputs[index].doubles()
        var numeric = [Double](repeating: 0, count: base.count)
        for j in 0..<base.count {
            var plus = base, minus = base
            plus[j] += epsilon
            minus[j] -= epsilon
            var vp = inputs, vm = inputs
            vp[index] = try Tensor(shape: inputs[index].shape, scalars: plus)
            vm[index] = try Tensor(shape: inputs[index].shape, scalars: minus)
            numeric[j] = (try lossValue(vp) - lossValue(vm)) / (2 * epsilon)
        }
        guard let grad = parameter.grad else {
            if numeric.contains(where: { Swift.abs($0) > tolerance }) {
                XCTFail("input \(index): no gradient reached it, finite differences are non-zero", file: file, line: line)
            }
            continue
        }
        XCTAssertEqual(grad.shape, inputs[index].shape, "input \(index): gradient shape", file: file, line: line)
        let scale = Swift.max(1, numeric.map { Swift.abs($0) }.max() ?? 1)
        assertClose(grad.doubles(), numeric, abs: tolerance * scale, rel: 1e-5, "gradient of input \(index)", file: file, line: line)
    }
}
