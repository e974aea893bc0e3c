import XCTest
@testable import TensorCore
#if canImport(Glibc)
import Glibc
#endif

/// Philox4x32-10 known answers, stream naming and reproducibility, and the statistics of the
/// tensor samplers (bounds are five standard errors, so a correct generator essentially never fails).
final class RandomTests: XCTestCase {

    static func words(_ t: (UInt32, UInt32, UInt32, UInt32)) -> [UInt32] { [t.0, t.1, t.2, t.3] }

    /// Random123 kat_vectors, "philox4x32 10": counter words 0...3, key words 0...1, expected output words 0...3.
    func testPhiloxKnownAnswerVectors() {
        let vectors: [(counter: (UInt32, UInt32, UInt32, UInt32), key: (UInt32, UInt32), expected: [UInt32])] = [
            ((0, 0, 0, 0), (0, 0), [0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8]),
            ((0xffff_ffff, 0xffff_ffff, 0xffff_ffff, 0xffff_ffff), (0xffff_ffff, 0xffff_ffff),
             [0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd]),
            ((0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344), (0xa409_3822, 0x299f_31d0),
             [0xd16c_fe09, 0x94fd_cceb, 0x5001_e420, 0x2412_6ea1]),
        ]
        for (index, v) in vectors.enumerated() {
            let got = Self.words(Philox.block(v.counter, key: v.key))
            XCTAssertEqual(got.map { String($0, radix: 16) }, v.expected.map { String($0, radix: 16) }, "Random123 vector \(index)")
        }
    }

    func testSameNameSameNumbers() throws {
        var a = RandomStream(seed: 42, purpose: "init", index: 3)
        var b = RandomStream(seed: 42, purpose: "init", index: 3)
        XCTAssertEqual((0..<100).map { _ in a.nextUInt64() }, (0..<100).map { _ in b.nextUInt64() })
        for dtype in [DType.float32, .float64] {
            var s1 = RandomStream(seed: 7, purpose: "noise"), s2 = RandomStream(seed: 7, purpose: "noise")
            XCTAssertEqual(try Tensor.uniform([1000], dtype: dtype, stream: &s1).doubles(), try Tensor.uniform([1000], dtype: dtype, stream: &s2).doubles())
            XCTAssertEqual(try Tensor.normal([999], dtype: dtype, stream: &s1).doubles(), try Tensor.normal([999], dtype: dtype, stream: &s2).doubles())
            XCTAssertEqual(s1, s2)
        }
    }

    func testDifferentNamesDifferentNumbers() {
        let base = RandomStream(seed: 42, purpose: "init", index: 0)
        let variants = [
            RandomStream(seed: 43, purpose: "init", index: 0),
            RandomStream(seed: 42, purpose: "dropout", index: 0),
            RandomStream(seed: 42, purpose: "init", index: 1),
            RandomStream(seed: 42, purpose: "", index: 0),
            RandomStream(seed: 42 | (1 << 40), purpose: "init", index: 0),
        ]
        var seen = Set<[UInt64]>()
        for var s in [base] + variants {
            let draws = (0..<8).map { _ in s.nextUInt64() }
            XCTAssertTrue(seen.insert(draws).inserted, "streams \(s.seed)/\(s.purpose)/\(s.index) repeat another stream")
        }
        // Neighbouring indices are uncorrelated.
        var s0 = RandomStream(seed: 1, purpose: "layer", index: 0), s1 = RandomStream(seed: 1, purpose: "layer", index: 1)
        let n = 20000
        let x = (0..<n).map { _ in s0.nextDouble() - 0.5 }, y = (0..<n).map { _ in s1.nextDouble() - 0.5 }
        let correlation = zip(x, y).map { $0 * $1 }.reduce(0, +) / Double(n) * 12
        XCTAssertLessThan(abs(correlation), 5 / Double(n).squareRoot())
    }

    func testPositionIsAbsoluteAndResumable() throws {
        var s = RandomStream(seed: 9, purpose: "p")
        let first = try Tensor.uniform([8], dtype: .float64, stream: &s)
        XCTAssertEqual(s.position, 2, "four values per block")
        var split = RandomStream(seed: 9, purpose: "p")
        let a = try Tensor.uniform([4], dtype: .float64, stream: &split)
        let b = try Tensor.uniform([4], dtype: .float64, stream: &split)
        XCTAssertEqual(first.doubles(), a.doubles() + b.doubles(), "block-aligned draws compose")
        _ = try Tensor.normal([5], stream: &s)
        XCTAssertEqual(s.position, 5, "two normals per block")
        // Snapshot and resume through Codable.
        let data = try JSONEncoder().encode(s)
        var resumed = try JSONDecoder().decode(RandomStream.self, from: data)
        XCTAssertEqual(resumed, s)
        XCTAssertEqual((0..<5).map { _ in resumed.nextUInt64() }, (0..<5).map { _ in s.nextUInt64() })
        // words(block:) does not depend on the position.
        let fresh = RandomStream(seed: 9, purpose: "p")
        XCTAssertEqual(Self.words(fresh.words(block: 17)), Self.words(s.words(block: 17)))
        var positioned = RandomStream(seed: 9, purpose: "p", position: 17)
        let w = fresh.words(block: 17)
        XCTAssertEqual(positioned.nextUInt64(), UInt64(w.0) | UInt64(w.1) << 32)
    }

    func testScalarDrawsAreInRangeAndUniform() {
        var s = RandomStream(seed: 5, purpose: "scalars")
        let n = 100_000
        var bins = [Int](repeating: 0, count: 10)
        for _ in 0..<n {
            let d = s.nextDouble()
            XCTAssertTrue(d >= 0 && d < 1)
            let k = s.nextInt(below: 10)
            XCTAssertTrue((0..<10).contains(k))
            bins[k] += 1
        }
        // Chi-square with 9 degrees of freedom: 99.99th percentile ≈ 33.7.
        let expected = Double(n) / 10
        let chi2 = bins.map { (Double($0) - expected) * (Double($0) - expected) / expected }.reduce(0, +)
        XCTAssertLessThan(chi2, 33.7, "bins \(bins)")
        XCTAssertEqual(s.nextInt(below: 1), 0)
    }

    static func moments(_ v: [Double]) -> (mean: Double, variance: Double) {
        let mean = v.reduce(0, +) / Double(v.count)
        let variance = v.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(v.count - 1)
        return (mean, variance)
    }

    func testUniformStatistics() throws {
        let n = 100_000
        for dtype in [DType.float32, .float64] {
            for (low, high) in [(0.0, 1.0), (-2.0, 3.0)] {
                var s = RandomStream(seed: 11, purpose: "uniform \(dtype) \(low)")
                let t = try Tensor.uniform([n], low: low, high: high, dtype: dtype, stream: &s)
                XCTAssertEqual(t.dtype, dtype)
                let v = t.doubles()
                XCTAssertTrue(v.allSatisfy { $0 >= low && $0 < high }, "values in [\(low), \(high))")
                let width = high - low
                let (mean, variance) = Self.moments(v)
                XCTAssertEqual(mean, (low + high) / 2, accuracy: 5 * width * (1.0 / 12 / Double(n)).squareRoot())
                // Var of (X − μ)² for a uniform is width⁴·(1/80 − 1/144).
                XCTAssertEqual(variance, width * width / 12, accuracy: 5 * width * width * ((1.0 / 80 - 1.0 / 144) / Double(n)).squareRoot())
                // Float32 has 2²⁴ possible values, so a few hundred collisions are expected among 10⁵.
                XCTAssertGreaterThan(Set(v).count, n - n / 100, "values are (nearly) all distinct")
            }
        }
    }

    func testUniformNeverReturnsHigh() throws {
        // Find a block holding a word whose top 24 bits are all set: the largest Float32 draw,
        // u = 1 − 2⁻²⁴. Then 1 + 1·u rounds (ties to even) to 2.0 unless the kernel guards [low, high).
        let probe = RandomStream(seed: 77, purpose: "edge")
        var found: UInt64?
        for block in UInt64(0)..<(1 << 26) {
            let w = probe.words(block: block)
            if Swift.max(w.0, w.1, w.2, w.3) >= 0xFFFF_FF00 { found = block; break }
        }
        guard let block = found else { return XCTFail("test setup: no extreme word in 2^26 blocks") }
        for dtype in [DType.float32, .float64] {
            for (low, high) in [(1.0, 2.0), (0.0, 1.0), (-3.0, 5.0), (1e6, 1e6 + 1)] {
                var s = RandomStream(seed: 77, purpose: "edge", position: block)
                let v = try Tensor.uniform([4], low: low, high: high, dtype: dtype, stream: &s).doubles()
                XCTAssertTrue(v.allSatisfy { $0 >= low && $0 < high }, "\(dtype) uniform in [\(low), \(high)) gave \(v)")
            }
        }
    }

    func testNormalStatistics() throws {
        let n = 100_000
        for dtype in [DType.float32, .float64] {
            for (mu, sigma) in [(0.0, 1.0), (3.0, 2.0)] {
                var s = RandomStream(seed: 12, purpose: "normal \(dtype) \(mu)")
                let v = try Tensor.normal([n], mean: mu, standardDeviation: sigma, dtype: dtype, stream: &s).doubles()
                XCTAssertFalse(v.contains { !$0.isFinite })
                let (mean, variance) = Self.moments(v)
                XCTAssertEqual(mean, mu, accuracy: 5 * sigma / Double(n).squareRoot())
                XCTAssertEqual(variance.squareRoot(), sigma, accuracy: 5 * sigma * (1 / (2 * Double(n))).squareRoot())
                // Shape of the distribution: mass within one and two standard deviations.
                for (k, p) in [(1.0, 0.682689492), (2.0, 0.954499736)] {
                    let inside = Double(v.filter { abs($0 - mu) < k * sigma }.count) / Double(n)
                    XCTAssertEqual(inside, p, accuracy: 5 * (p * (1 - p) / Double(n)).squareRoot(), "mass within \(k)σ")
                }
                let skew = v.map { pow(($0 - mean) / sigma, 3) }.reduce(0, +) / Double(n)
                XCTAssertEqual(skew, 0, accuracy: 5 * (6 / Double(n)).squareRoot())
            }
        }
        var s = RandomStream(seed: 1)
        XCTAssertEqual(try Tensor.normal([3, 0], stream: &s).shape, [3, 0])
        XCTAssertEqual(try Tensor.normal([1], stream: &s).count, 1)
        XCTAssertEqual(try Tensor.normal([2, 3, 5], stream: &s).shape, [2, 3, 5])
    }

    func testBernoulli() throws {
        let n = 100_000
        for p in [0.0, 0.1, 0.5, 0.93, 1.0] {
            var s = RandomStream(seed: 13, purpose: "bernoulli")
            let t = try Tensor.bernoulli([n], probability: p, stream: &s)
            XCTAssertEqual(t.dtype, .bool)
            let frequency = t.doubles().reduce(0, +) / Double(n)
            if p == 0 || p == 1 {
                XCTAssertEqual(frequency, p)
            } else {
                XCTAssertEqual(frequency, p, accuracy: 5 * (p * (1 - p) / Double(n)).squareRoot())
            }
        }
        var s = RandomStream(seed: 1)
        for bad in [-0.1, 1.5, .nan] {
            XCTAssertThrowsError(try Tensor.bernoulli([3], probability: bad, stream: &s), "p = \(bad)") { error in
                guard case TensorError.invalidArgument = error else { return XCTFail("\(error)") }
            }
        }
    }

    func testPermutation() throws {
        for n in [0, 1, 2, 10, 1000] {
            var s = RandomStream(seed: 14, purpose: "perm")
            let p = s.permutation(n)
            XCTAssertEqual(p.sorted(), Array(0..<n), "a permutation of 0..<\(n)")
            var again = RandomStream(seed: 14, purpose: "perm")
            XCTAssertEqual(again.permutation(n), p, "reproducible")
            var t = RandomStream(seed: 14, purpose: "perm")
            let tensor = Tensor.permutation(n, stream: &t)
            XCTAssertEqual(tensor.dtype, .int64)
            XCTAssertEqual(tensor.shape, [n])
            XCTAssertEqual(tensor.doubles(), p.map { Double($0) })
        }
        var a = RandomStream(seed: 14, purpose: "perm"), b = RandomStream(seed: 15, purpose: "perm")
        XCTAssertNotEqual(a.permutation(1000), b.permutation(1000))
        // All 6 orders of 3 items are equally likely.
        var s = RandomStream(seed: 16, purpose: "perm3")
        var counts: [[Int]: Int] = [:]
        let trials = 6000
        for _ in 0..<trials { counts[s.permutation(3), default: 0] += 1 }
        XCTAssertEqual(counts.count, 6)
        let sd = (Double(trials) * (1.0 / 6) * (5.0 / 6)).squareRoot()
        for (order, count) in counts { XCTAssertEqual(Double(count), Double(trials) / 6, accuracy: 5 * sd, "\(order)") }
    }

    func testUnsupportedDTypes() throws {
        var s = RandomStream(seed: 1)
        for dtype in [DType.int32, .int64, .float16, .bool, .uint8] {
            XCTAssertThrowsError(try Tensor.uniform([2], dtype: dtype, stream: &s)) {
                XCTAssertEqual($0 as? TensorError, .unsupportedDType(op: "uniform", dtype: dtype))
            }
            XCTAssertThrowsError(try Tensor.normal([2], dtype: dtype, stream: &s)) {
                XCTAssertEqual($0 as? TensorError, .unsupportedDType(op: "normal", dtype: dtype))
            }
        }
        XCTAssertEqual(s.position, 0, "a refused draw consumes nothing")
    }
}
