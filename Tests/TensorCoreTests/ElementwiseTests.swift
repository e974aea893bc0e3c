import XCTest
@testable import TensorCore
#if canImport(Glibc)
import Glibc
#endif

/// Elementwise binary and unary kernels against naive references over [Double] with explicit
/// broadcasting index math (Support/NaiveArray.swift), and their gradients against finite differences.
final class ElementwiseTests: XCTestCase {

    // MARK: References

    static func referenceBinary(_ op: BinaryOp) -> (Double, Double) -> Double {
        switch op {
        case .add: return { $0 + $1 }
        case .subtract: return { $0 - $1 }
        case .multiply: return { $0 * $1 }
        case .divide: return { $0 / $1 }
        case .power: return { Glibc.pow($0, $1) }
        case .maximum: return { a, b in a.isNaN || b.isNaN ? .nan : (a > b ? a : b) }
        case .minimum: return { a, b in a.isNaN || b.isNaN ? .nan : (a < b ? a : b) }
        case .truncatedRemainder: return { Glibc.fmod($0, $1) }
        case .modulo: return { a, b in a - b * Glibc.floor(a / b) }
        }
    }

    /// Operand ranges that keep each op well defined (positive bases for power, divisors away from 0).
    static func ranges(_ op: BinaryOp) -> (a: (Double, Double), b: (Double, Double)) {
        switch op {
        case .power: return ((0.5, 2), (-2, 2))
        case .divide, .modulo, .truncatedRemainder: return ((-2, 2), (0.5, 2))
        default: return ((-2, 2), (-2, 2))
        }
    }

    static func tolerance(_ dtype: DType) -> (abs: Double, rel: Double) {
        dtype == .float32 ? (1e-5, 1e-4) : (1e-12, 1e-12)
    }

    /// Ops whose second operand is a divisor (kept away from 0, either sign).
    static let dividing: [BinaryOp] = [.divide, .modulo, .truncatedRemainder]

    /// Randomly flips signs (for divisors).
    static func withRandomSigns(_ values: [Double], _ rng: inout TestRandom) -> [Double] {
        values.map { rng.next() % 2 == 0 ? $0 : -$0 }
    }

    // MARK: Binary forward

    func testBinaryFloatForwardEveryBroadcastPattern() throws {
        var rng = TestRandom(seed: 11)
        let pairs = rng.broadcastPairs()
        for dtype in [DType.float32, .float64] {
            for op in BinaryOp.allCases {
                let r = Self.ranges(op)
                for (sa, sb) in pairs {
                    let va = rng.values(naiveProduct(sa), dtype, r.a.0, r.a.1)
                    var vb = rng.values(naiveProduct(sb), dtype, r.b.0, r.b.1)
                    if Self.dividing.contains(op) { vb = Self.withRandomSigns(vb, &rng) }
                    let a = try makeTensor(sa, va, dtype), b = try makeTensor(sb, vb, dtype)
                    let out = try a.binary(op, b)
                    let f = Self.referenceBinary(op)
                    let ref = naiveMap([NaiveArray(shape: sa, values: va), NaiveArray(shape: sb, values: vb)]) { f($0[0], $0[1]) }
                    let context = "\(op) \(dtype) \(sa) with \(sb)"
                    XCTAssertEqual(out.shape, ref.shape, context)
                    XCTAssertEqual(out.dtype, dtype, context)
                    let tol = Self.tolerance(dtype)
                    assertClose(out.doubles(), ref.values, abs: tol.abs, rel: tol.rel, context)
                }
            }
        }
    }

    func testBinaryNonContiguousOperands() throws {
        var rng = TestRandom(seed: 12)
        for dtype in [DType.float32, .float64] {
            for op in BinaryOp.allCases {
                let r = Self.ranges(op)
                for trial in 0..<6 {
                    let shape = rng.randomShape(rank: rng.int(1, 4), 2, 4)
                    // Both sides views, one side a view, and a view broadcast against fewer axes.
                    let (a, na) = try rng.expandedOperand(shape, dtype, r.a.0, r.a.1)
                    let bShape = trial % 3 == 2 ? Array(shape.dropFirst()) : shape
                    let (b, nb) = trial % 3 == 1 ? try rng.operand(bShape, dtype, r.b.0, r.b.1)
                                                 : try rng.expandedOperand(bShape, dtype, r.b.0, r.b.1)
                    XCTAssertFalse(a.isContiguous && a.count > 1, "test setup: \(shape) should be a view")
                    let f = Self.referenceBinary(op)
                    // Power and divide keep their operand ranges, so only they are not swapped.
                    let orders = op == .power || Self.dividing.contains(op) ? [(a, b, na, nb)] : [(a, b, na, nb), (b, a, nb, na)]
                    for (x, y, nx, ny) in orders {
                        let out = try x.binary(op, y)
                        let ref = naiveMap([nx, ny]) { f($0[0], $0[1]) }
                        XCTAssertEqual(out.shape, ref.shape)
                        let tol = Self.tolerance(dtype)
                        assertClose(out.doubles(), ref.values, abs: tol.abs, rel: tol.rel, "\(op) \(dtype) view \(x.shape)·\(y.shape)")
                    }
                }
            }
        }
    }

    func testLargeBroadcastRunsThroughParallelRows() throws {
        // Enough elements that the strided kernel splits rows across threads.
        var rng = TestRandom(seed: 13)
        let (a, na) = try rng.operand([64, 1, 1200], .float32)
        let (b, nb) = try rng.expandedOperand([64, 3, 1200], .float32)
        let out = try a * b
        let ref = naiveMap([na, nb]) { $0[0] * $0[1] }
        assertClose(out.doubles(), ref.values, abs: 1e-6, rel: 1e-6)
    }

    func testOperatorsAndConvenienceMethods() throws {
        let a = try Tensor(shape: [2, 2], scalars: [1.0, 2, 3, 4])
        let b = try Tensor(shape: [2], scalars: [10.0, 20])
        XCTAssertEqual(try (a + b).doubles(), [11, 22, 13, 24])
        XCTAssertEqual(try (a - b).doubles(), [-9, -18, -7, -16])
        XCTAssertEqual(try (a * b).doubles(), [10, 40, 30, 80])
        XCTAssertEqual(try (b / a).doubles(), [10, 10, 10.0 / 3, 5])
        XCTAssertEqual(try (-a).doubles(), [-1, -2, -3, -4])
        XCTAssertEqual(try a.adding(0.5).doubles(), [1.5, 2.5, 3.5, 4.5])
        XCTAssertEqual(try a.multiplying(-2).doubles(), [-2, -4, -6, -8])
        let f = try Tensor(shape: [3], scalars: [Float(1), 2, 3])
        XCTAssertEqual(try f.adding(1).dtype, .float32)
        XCTAssertEqual(try f.multiplying(0.5).scalars(Float.self), [0.5, 1, 1.5])
    }

    func testFloatMaximumMinimumPropagateNaN() throws {
        for dtype in [DType.float32, .float64] {
            let a = try makeTensor([4], [1, .nan, 3, .nan], dtype)
            let b = try makeTensor([4], [.nan, 2, 1, .nan], dtype)
            for op in [BinaryOp.maximum, .minimum] {
                let out = try a.binary(op, b).doubles()
                XCTAssertTrue(out[0].isNaN && out[1].isNaN && out[3].isNaN, "\(op) \(dtype): \(out)")
                XCTAssertEqual(out[2], op == .maximum ? 3 : 1)
            }
        }
    }

    // MARK: Integer binary

    /// Wraps an exact integer result into `dtype`'s range (two's complement), as `&+ &- &*` do.
    static func wrap(_ x: Int, _ dtype: DType) -> Double {
        switch dtype {
        case .int8: return Double(Int8(truncatingIfNeeded: x))
        case .uint8: return Double(UInt8(truncatingIfNeeded: x))
        case .int32: return Double(Int32(truncatingIfNeeded: x))
        default: return Double(x)
        }
    }

    static func referenceInteger(_ op: BinaryOp, _ a: Int, _ b: Int, _ dtype: DType) -> Double {
        switch op {
        case .add: return wrap(a + b, dtype)
        case .subtract: return wrap(a - b, dtype)
        case .multiply: return wrap(a * b, dtype)
        case .divide: return wrap(a / b, dtype)  // Swift's / truncates toward zero
        case .power:
            var r = 1
            for _ in 0..<b { r *= a }
            return wrap(r, dtype)
        case .maximum: return Double(a > b ? a : b)
        case .minimum: return Double(a < b ? a : b)
        case .truncatedRemainder: return wrap(a % b, dtype)  // Swift's % takes the dividend's sign
        case .modulo:
            let r = a % b
            return wrap(r != 0 && (r < 0) != (b < 0) ? r + b : r, dtype)
        }
    }

    func testIntegerBinaryForward() throws {
        var rng = TestRandom(seed: 14)
        let pairs = rng.broadcastPairs()
        let ranges: [DType: (Double, Double)] = [.int64: (-1000, 1000), .int32: (-60000, 60000), .int8: (-128, 128), .uint8: (0, 256)]
        for dtype in [DType.int64, .int32, .int8, .uint8] {
            let (lo, hi) = ranges[dtype]!
            for op in BinaryOp.allCases {
                for (sa, sb) in pairs {
                    let va = rng.values(naiveProduct(sa), dtype, lo, hi)
                    var vb = rng.values(naiveProduct(sb), dtype, lo, hi)
                    if Self.dividing.contains(op) { vb = vb.map { $0 == 0 ? 1 : $0 } }
                    if op == .power { vb = rng.values(naiveProduct(sb), dtype, 0, 4) }
                    if op == .divide && dtype == .int8 { vb = vb.map { $0 == -1 ? 1 : $0 } }  // -128 / -1 is checked separately
                    let a = try makeTensor(sa, va, dtype), b = try makeTensor(sb, vb, dtype)
                    let out = try a.binary(op, b)
                    let ref = naiveMap([NaiveArray(shape: sa, values: va), NaiveArray(shape: sb, values: vb)]) {
                        Self.referenceInteger(op, Int($0[0]), Int($0[1]), dtype)
                    }
                    XCTAssertEqual(out.shape, ref.shape)
                    XCTAssertEqual(out.dtype, dtype)
                    XCTAssertEqual(out.doubles(), ref.values, "\(op) \(dtype) \(sa) with \(sb)")
                }
            }
        }
    }

    func testIntegerDivisionAndPowerErrors() throws {
        for dtype in [DType.int64, .int32, .int8, .uint8] {
            let a = try makeTensor([3], [6, 7, 8], dtype)
            XCTAssertThrowsError(try a.binary(.divide, makeTensor([3], [1, 0, 2], dtype))) { error in
                guard case TensorError.invalidArgument = error else { return XCTFail("\(dtype): \(error)") }
            }
            let divisor: Double = dtype == .uint8 ? 3 : -3
            XCTAssertEqual(try a.binary(.divide, makeTensor([], [divisor], dtype)).doubles(), dtype == .uint8 ? [2, 2, 2] : [-2, -2, -2])
        }
        for dtype in [DType.int64, .int32, .int8] {
            let a = try makeTensor([2], [2, 3], dtype)
            XCTAssertThrowsError(try a.binary(.power, makeTensor([2], [1, -1], dtype))) { error in
                guard case TensorError.invalidArgument = error else { return XCTFail("\(dtype): \(error)") }
            }
            XCTAssertEqual(try makeTensor([3], [-7, 7, -7], dtype).binary(.divide, makeTensor([3], [2, -2, -2], dtype)).doubles(), [-3, -3, 3])
        }
    }

    func testIntegerMinDividedByMinusOneDoesNotTrap() throws {
        // Two's complement overflow: the quotient wraps like the other integer ops (or the op throws).
        let cases: [(DType, Double)] = [(.int8, -128), (.int32, Double(Int32.min)), (.int64, Double(Int64.min))]
        for (dtype, minimum) in cases {
            let a = try makeTensor([2], [minimum, 4], dtype), b = try makeTensor([2], [-1, -1], dtype)
            do {
                let out = try a.binary(.divide, b).doubles()
                XCTAssertEqual(out, [minimum, -4], "\(dtype)")
            } catch let error as TensorError {
                guard case .invalidArgument = error else { return XCTFail("\(dtype): \(error)") }
            }
        }
    }

    func testBinaryErrors() throws {
        let f32 = Tensor(zeros: [2, 3], dtype: .float32), f64 = Tensor(zeros: [2, 3], dtype: .float64)
        for op in BinaryOp.allCases {
            XCTAssertThrowsError(try f32.binary(op, f64)) { error in
                XCTAssertEqual(error as? TensorError, .dtypeMismatch(op: op.rawValue, expected: .float32, got: .float64))
            }
            for other in [[3, 2], [2], [4, 2, 2], [2, 3, 2]] {
                XCTAssertThrowsError(try f32.binary(op, Tensor(zeros: other, dtype: .float32)), "\(op) \(other)") { error in
                    guard case TensorError.shapeMismatch = error else { return XCTFail("\(error)") }
                }
            }
            for dtype in [DType.bool, .float16] {
                let t = Tensor(zeros: [2], dtype: dtype)
                XCTAssertThrowsError(try t.binary(op, t)) { error in
                    XCTAssertEqual(error as? TensorError, .unsupportedDType(op: op.rawValue, dtype: dtype))
                }
            }
        }
        XCTAssertThrowsError(try f32 + Tensor(zeros: [0], dtype: .float32))
    }

    // MARK: Unary

    struct UnaryCase: Sendable {
        let op: UnaryOp
        let lo: Double, hi: Double
        /// Points where the function or its derivative is not smooth; gradient checks stay away.
        let kinks: [Double]
        let reference: @Sendable (Double) -> Double
        /// Whether signed integer dtypes support the op.
        let integer: Bool
    }

    static let unaryCases: [UnaryCase] = {
        let halves = stride(from: -4.5, through: 4.5, by: 1.0).map { $0 }
        let integers = stride(from: -4.0, through: 4.0, by: 1.0).map { $0 }
        return [
            UnaryCase(op: .negate, lo: -4, hi: 4, kinks: [], reference: { -$0 }, integer: true),
            UnaryCase(op: .abs, lo: -4, hi: 4, kinks: [0], reference: { $0 < 0 ? -$0 : $0 }, integer: true),
            UnaryCase(op: .exp, lo: -4, hi: 4, kinks: [], reference: { Glibc.exp($0) }, integer: false),
            UnaryCase(op: .log, lo: 0.05, hi: 4, kinks: [], reference: { Glibc.log($0) }, integer: false),
            UnaryCase(op: .sqrt, lo: 0.05, hi: 4, kinks: [], reference: { Glibc.sqrt($0) }, integer: false),
            UnaryCase(op: .reciprocal, lo: 0.2, hi: 4, kinks: [], reference: { 1 / $0 }, integer: false),
            UnaryCase(op: .relu, lo: -4, hi: 4, kinks: [0], reference: { $0 > 0 ? $0 : 0 }, integer: true),
            UnaryCase(op: .sigmoid, lo: -8, hi: 8, kinks: [], reference: { 1 / (1 + Glibc.exp(-$0)) }, integer: false),
            UnaryCase(op: .tanh, lo: -4, hi: 4, kinks: [], reference: { Glibc.tanh($0) }, integer: false),
            UnaryCase(op: .erf, lo: -3, hi: 3, kinks: [], reference: { Glibc.erf($0) }, integer: false),
            UnaryCase(op: .sin, lo: -4, hi: 4, kinks: [], reference: { Glibc.sin($0) }, integer: false),
            UnaryCase(op: .cos, lo: -4, hi: 4, kinks: [], reference: { Glibc.cos($0) }, integer: false),
            UnaryCase(op: .floor, lo: -4, hi: 4, kinks: integers, reference: { Glibc.floor($0) }, integer: false),
            UnaryCase(op: .ceil, lo: -4, hi: 4, kinks: integers, reference: { Glibc.ceil($0) }, integer: false),
            UnaryCase(op: .round, lo: -4, hi: 4, kinks: halves, reference: { Glibc.rint($0) }, integer: false),
            UnaryCase(op: .sign, lo: -4, hi: 4, kinks: [0], reference: { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) }, integer: true),
            UnaryCase(op: .softplus, lo: -8, hi: 8, kinks: [], reference: { Glibc.log(1 + Glibc.exp($0)) }, integer: false),
            UnaryCase(op: .hardSwish, lo: -5, hi: 5, kinks: [-3, 3],
                      reference: { x in x * Swift.min(Swift.max(x + 3, 0), 6) / 6 }, integer: false),
            UnaryCase(op: .leakyRelu(alpha: 0.1), lo: -4, hi: 4, kinks: [0], reference: { $0 < 0 ? 0.1 * $0 : $0 }, integer: false),
            UnaryCase(op: .clip(min: -0.5, max: 1.5), lo: -3, hi: 3, kinks: [-0.5, 1.5],
                      reference: { Swift.min(Swift.max($0, -0.5), 1.5) }, integer: false),
            UnaryCase(op: .hardSigmoid(alpha: 0.2, beta: 0.5), lo: -4, hi: 4, kinks: [-2.5, 2.5],
                      reference: { Swift.min(Swift.max(0.2 * $0 + 0.5, 0), 1) }, integer: false),
            UnaryCase(op: .tan, lo: -1.2, hi: 1.2, kinks: [], reference: { Glibc.tan($0) }, integer: false),
            UnaryCase(op: .asin, lo: -0.9, hi: 0.9, kinks: [], reference: { Glibc.asin($0) }, integer: false),
            UnaryCase(op: .acos, lo: -0.9, hi: 0.9, kinks: [], reference: { Glibc.acos($0) }, integer: false),
            UnaryCase(op: .atan, lo: -4, hi: 4, kinks: [], reference: { Glibc.atan($0) }, integer: false),
            UnaryCase(op: .sinh, lo: -3, hi: 3, kinks: [], reference: { Glibc.sinh($0) }, integer: false),
            UnaryCase(op: .cosh, lo: -3, hi: 3, kinks: [], reference: { Glibc.cosh($0) }, integer: false),
            UnaryCase(op: .asinh, lo: -4, hi: 4, kinks: [], reference: { Glibc.asinh($0) }, integer: false),
            UnaryCase(op: .acosh, lo: 1.1, hi: 4, kinks: [], reference: { Glibc.acosh($0) }, integer: false),
            UnaryCase(op: .atanh, lo: -0.9, hi: 0.9, kinks: [], reference: { Glibc.atanh($0) }, integer: false),
            UnaryCase(op: .truncate, lo: -4, hi: 4, kinks: integers, reference: { Glibc.trunc($0) }, integer: false),
        ]
    }()

    func testUnaryFloatForward() throws {
        var rng = TestRandom(seed: 21)
        for dtype in [DType.float32, .float64] {
            for c in Self.unaryCases {
                for shape in [[], [1], [0], [2, 0, 3], rng.randomShape(rank: 1, 5, 9), rng.randomShape(rank: 3, 1, 4), rng.randomShape(rank: 4, 1, 3)] {
                    let (x, nx) = try rng.operand(shape, dtype, c.lo, c.hi)
                    let out = try x.unary(c.op)
                    XCTAssertEqual(out.shape, shape)
                    XCTAssertEqual(out.dtype, dtype)
                    let tol = Self.tolerance(dtype)
                    assertClose(out.doubles(), nx.values.map(c.reference), abs: tol.abs, rel: tol.rel, "\(c.op) \(dtype) \(shape)")
                }
                // Non-contiguous input.
                let (v, nv) = try rng.expandedOperand([3, 4, 5], dtype, c.lo, c.hi)
                let tol = Self.tolerance(dtype)
                assertClose(try v.unary(c.op).doubles(), nv.values.map(c.reference), abs: tol.abs, rel: tol.rel, "\(c.op) \(dtype) view")
            }
        }
    }

    func testUnaryExactValues() throws {
        for dtype in [DType.float32, .float64] {
            let x = try makeTensor([9], [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 0, -0.0, 3.7], dtype)
            XCTAssertEqual(try x.unary(.round).doubles(), [-2, -2, -0, 0, 2, 2, 0, 0, 4], "round is half to even")
            XCTAssertEqual(try x.unary(.floor).doubles(), [-3, -2, -1, 0, 1, 2, 0, 0, 3])
            XCTAssertEqual(try x.unary(.ceil).doubles(), [-2, -1, -0, 1, 2, 3, 0, 0, 4])
            XCTAssertEqual(try x.unary(.sign).doubles(), [-1, -1, -1, 1, 1, 1, 0, 0, 1])
            XCTAssertEqual(try x.unary(.relu).doubles(), roundedTo(dtype, [0, 0, 0, 0.5, 1.5, 2.5, 0, 0, 3.7]))
            let big = try makeTensor([4], [-1000, 1000, -80, 80], dtype)
            let s = try big.unary(.sigmoid).doubles()
            XCTAssertEqual(s[0], 0, accuracy: 1e-30)
            XCTAssertEqual(s[1], 1)
            XCTAssertFalse(s.contains { $0.isNaN }, "sigmoid must be stable for large |x|: \(s)")
            let sp = try big.unary(.softplus).doubles()
            XCTAssertEqual(sp[0], 0, accuracy: 1e-30)
            XCTAssertEqual(sp[1], 1000, accuracy: 1e-3)
            XCTAssertFalse(sp.contains { $0.isNaN || $0.isInfinite }, "softplus must be stable for large |x|: \(sp)")
            let nan = try makeTensor([1], [.nan], dtype)
            XCTAssertTrue(try nan.unary(.clip(min: 0, max: 1)).doubles()[0].isNaN, "clip keeps NaN")
        }
    }

    func testIntegerUnary() throws {
        var rng = TestRandom(seed: 22)
        for dtype in [DType.int64, .int32, .int8] {
            for c in Self.unaryCases {
                let (x, nx) = try rng.operand([3, 5], dtype, -100, 100)
                if c.integer {
                    let out = try x.unary(c.op)
                    XCTAssertEqual(out.dtype, dtype)
                    XCTAssertEqual(out.doubles(), nx.values.map(c.reference), "\(c.op) \(dtype)")
                } else if case .clip = c.op {
                    XCTAssertEqual(try x.unary(.clip(min: -7.5, max: 20)).doubles(), nx.values.map { Swift.min(Swift.max($0, -7), 20) },
                                   "integer clip bounds truncate toward zero (\(dtype))")
                } else {
                    XCTAssertThrowsError(try x.unary(c.op), "\(c.op) on \(dtype)") { error in
                        XCTAssertEqual(error as? TensorError, .unsupportedDType(op: c.op.name, dtype: dtype))
                    }
                }
            }
        }
        for dtype in [DType.uint8, .bool, .float16] {
            XCTAssertThrowsError(try Tensor(zeros: [2], dtype: dtype).unary(.negate)) { error in
                XCTAssertEqual(error as? TensorError, .unsupportedDType(op: "negate", dtype: dtype))
            }
        }
    }

    // MARK: Backward

    static let gradientShapePairs: [([Int], [Int])] = [
        ([2, 3], [2, 3]), ([2, 3], []), ([], [3]), ([2, 3], [3]), ([3], [2, 3]),
        ([2, 1, 3], [1, 2, 1]), ([3, 1], [1, 4]), ([2, 3, 1], [2, 1, 1]), ([1], [2, 2]),
    ]

    func testBinaryBackwardWithBroadcasting() throws {
        var rng = TestRandom(seed: 31)
        for op in BinaryOp.allCases {
            let r = Self.ranges(op)
            for (sa, sb) in Self.gradientShapePairs {
                let a = try makeTensor(sa, rng.values(naiveProduct(sa), .float64, r.a.0, r.a.1), .float64)
                var vb = rng.values(naiveProduct(sb), .float64, r.b.0, r.b.1)
                if Self.dividing.contains(op) { vb = Self.withRandomSigns(vb, &rng) }
                let b = try makeTensor(sb, vb, .float64)
                try assertGradientsMatch([a, b]) { xs in try xs[0].binary(op, xs[1]) }
            }
        }
    }

    func testBinaryBackwardSameTensorBothSides() throws {
        var rng = TestRandom(seed: 32)
        let x = try makeTensor([2, 3], rng.values(6, .float64, 0.5, 2), .float64)
        // max(x, x) and min(x, x) are ties everywhere: the whole gradient goes to one operand.
        for op in BinaryOp.allCases {
            try assertGradientsMatch([x]) { xs in try xs[0].binary(op, xs[0]) }
        }
    }

    func testBinaryBackwardThroughNonContiguousView() throws {
        var rng = TestRandom(seed: 33)
        let a = try makeTensor([3, 1], rng.values(3, .float64), .float64)
        let b = try makeTensor([2, 3, 4], rng.values(24, .float64), .float64)
        try assertGradientsMatch([a, b]) { xs in
            try xs[0].expanded(to: [2, 3, 4]).binary(.multiply, xs[1]).binary(.subtract, xs[0])
        }
    }

    /// Values in lo..<hi at least `margin` away from every kink.
    static func smoothValues(_ n: Int, _ c: UnaryCase, _ rng: inout TestRandom, margin: Double = 0.05) -> [Double] {
        (0..<n).map { _ in
            while true {
                let v = rng.uniform(c.lo, c.hi)
                if c.kinks.allSatisfy({ Swift.abs(v - $0) > margin }) { return v }
            }
        }
    }

    func testUnaryBackwardAwayFromKinks() throws {
        var rng = TestRandom(seed: 34)
        for c in Self.unaryCases {
            for shape in [[2, 3], []] {
                let x = try makeTensor(shape, Self.smoothValues(naiveProduct(shape), c, &rng), .float64)
                try assertGradientsMatch([x]) { xs in try xs[0].unary(c.op) }
            }
            // Through a broadcast view, so the gradient is also summed.
            let base = try makeTensor([3, 1], Self.smoothValues(3, c, &rng), .float64)
            try assertGradientsMatch([base]) { xs in try xs[0].expanded(to: [2, 3, 2]).unary(c.op) }
        }
    }

    func testUnaryGradientAtKinksIsSubgradient() throws {
        let x = Parameter(name: "x", value: try makeTensor([3], [-1, 0, 2], .float64))
        try x.tensor.unary(.relu).sum().backward()
        XCTAssertEqual(x.grad?.doubles(), [0, 0, 1], "relu'(0) = 0")
        x.zeroGrad()
        try x.tensor.unary(.abs).sum().backward()
        XCTAssertEqual(x.grad?.doubles(), [-1, 0, 1], "abs'(0) = 0")
        x.zeroGrad()
        try x.tensor.unary(.floor).sum().backward()
        XCTAssertEqual(x.grad?.doubles(), [0, 0, 0])
    }

    func testFloat32BackwardMatchesFloat64() throws {
        var rng = TestRandom(seed: 35)
        let v = rng.values(12, .float32, 0.5, 2)
        let w = rng.values(4, .float32, -1, 1)
        var grads: [[Double]] = []
        for dtype in [DType.float32, .float64] {
            let p = Parameter(name: "p", value: try makeTensor([3, 4], v, dtype))
            let q = Parameter(name: "q", value: try makeTensor([4], w, dtype))
            let y = try (p.tensor * q.tensor).unary(.tanh).binary(.power, p.tensor).sum()
            try y.backward()
            XCTAssertEqual(p.grad?.dtype, dtype)
            grads.append((p.grad?.doubles() ?? []) + (q.grad?.doubles() ?? []))
        }
        assertClose(grads[0], grads[1], abs: 1e-5, rel: 1e-4)
    }
}
