import XCTest
@testable import TensorCore

/// Comparisons, logical operations and `where` against naive broadcasting references.
final class CompareTests: XCTestCase {

    static func reference(_ op: CompareOp) -> (Double, Double) -> Bool {
        switch op {
        case .equal: return { $0 == $1 }
        case .less: return { $0 < $1 }
        case .lessOrEqual: return { $0 <= $1 }
        case .greater: return { $0 > $1 }
        case .greaterOrEqual: return { $0 >= $1 }
        }
    }

    func testCompareEveryDTypeAndBroadcastPattern() throws {
        var rng = TestRandom(seed: 41)
        let pairs = rng.broadcastPairs()
        let ranges: [DType: (Double, Double)] = [
            .float32: (-2, 2), .float64: (-2, 2), .float16: (-2, 2), .int64: (-3, 3), .int32: (-3, 3),
            .int8: (-3, 3), .uint8: (0, 4), .bool: (0, 1),
        ]
        for dtype in DType.allCases {
            let (lo, hi) = ranges[dtype]!
            for op in CompareOp.allCases {
                for (sa, sb) in pairs {
                    var va = rng.values(naiveProduct(sa), dtype, lo, hi)
                    let vb = rng.values(naiveProduct(sb), dtype, lo, hi)
                    // Floats: make ties likely by copying some values from the other side.
                    if dtype.isFloatingPoint && !vb.isEmpty { va = va.map { rng.next() % 3 == 0 ? vb[Int(rng.next() % UInt64(vb.count))] : $0 } }
                    let a = try makeTensor(sa, va, dtype), b = try makeTensor(sb, vb, dtype)
                    let out = try a.compare(op, b)
                    let f = Self.reference(op)
                    let ref = naiveMap([NaiveArray(shape: sa, values: va), NaiveArray(shape: sb, values: vb)]) { f($0[0], $0[1]) ? 1 : 0 }
                    XCTAssertEqual(out.dtype, .bool)
                    XCTAssertEqual(out.shape, ref.shape)
                    XCTAssertEqual(out.doubles(), ref.values, "\(op) \(dtype) \(sa) with \(sb)")
                }
            }
        }
    }

    func testCompareNonContiguousAndNaN() throws {
        var rng = TestRandom(seed: 42)
        for dtype in [DType.float32, .float64, .int32] {
            let (a, na) = try rng.expandedOperand([3, 4, 5], dtype, -3, 3)
            let (b, nb) = try rng.expandedOperand([4, 5], dtype, -3, 3)
            for op in CompareOp.allCases {
                let f = Self.reference(op)
                XCTAssertEqual(try a.compare(op, b).doubles(), naiveMap([na, nb]) { f($0[0], $0[1]) ? 1 : 0 }.values, "\(op) \(dtype)")
            }
        }
        let x = try Tensor(shape: [2], scalars: [Double.nan, 1])
        for op in CompareOp.allCases {
            XCTAssertEqual(try x.compare(op, x).doubles()[0], 0, "NaN \(op) NaN is false")
        }
    }

    func testLogicalOperations() throws {
        var rng = TestRandom(seed: 43)
        for (sa, sb) in rng.broadcastPairs() {
            let (a, na) = try rng.operand(sa, .bool, 0, 1)
            let (b, nb) = try rng.operand(sb, .bool, 0, 1)
            let refs: [(LogicalOp, (Bool, Bool) -> Bool)] = [(.and, { $0 && $1 }), (.or, { $0 || $1 }), (.xor, { $0 != $1 })]
            for (op, f) in refs {
                let out = try a.logical(op, b)
                XCTAssertEqual(out.dtype, .bool)
                XCTAssertEqual(out.doubles(), naiveMap([na, nb]) { f($0[0] != 0, $0[1] != 0) ? 1 : 0 }.values, "\(op) \(sa) \(sb)")
            }
            XCTAssertEqual(try a.logicalNot().doubles(), na.values.map { $0 == 0 ? 1 : 0 })
        }
        let (v, nv) = try rng.expandedOperand([3, 4], .bool, 0, 1)
        XCTAssertEqual(try v.logicalNot().doubles(), nv.values.map { $0 == 0 ? 1 : 0 })
    }

    func testWhereBroadcastsAllThree() throws {
        var rng = TestRandom(seed: 44)
        let triples: [([Int], [Int], [Int])] = [
            ([2, 3], [2, 3], [2, 3]), ([2, 3], [], []), ([], [2, 3], [3]), ([3], [2, 1], [1, 3]),
            ([2, 1, 4], [3, 1], [1]), ([1], [0, 2], [2]), ([4, 1, 3], [1, 5, 1], [5, 3]),
        ]
        for dtype in DType.allCases {
            for (sc, sa, sb) in triples {
                let (c, nc) = try rng.operand(sc, .bool, 0, 1)
                let (a, na) = try rng.operand(sa, dtype, 0, 100)
                let (b, nb) = try rng.operand(sb, dtype, 0, 100)
                let out = try Tensor.where(c, a, b)
                let ref = naiveMap([nc, na, nb]) { $0[0] != 0 ? $0[1] : $0[2] }
                XCTAssertEqual(out.dtype, dtype)
                XCTAssertEqual(out.shape, ref.shape)
                XCTAssertEqual(out.doubles(), ref.values, "where \(dtype) \(sc) \(sa) \(sb)")
            }
        }
        // Views everywhere.
        let (c, nc) = try rng.expandedOperand([3, 4, 5], .bool, 0, 1)
        let (a, na) = try rng.expandedOperand([3, 4, 5], .float32)
        let (b, nb) = try rng.expandedOperand([4, 5], .float32)
        XCTAssertEqual(try Tensor.where(c, a, b).doubles(), naiveMap([nc, na, nb]) { $0[0] != 0 ? $0[1] : $0[2] }.values)
    }

    func testWhereBackward() throws {
        var rng = TestRandom(seed: 45)
        let cases: [([Int], [Int], [Int])] = [([2, 3], [2, 3], [2, 3]), ([2, 3], [3], []), ([3, 1], [1, 4], [3, 4]), ([], [2], [2])]
        for (sc, sa, sb) in cases {
            let (c, _) = try rng.operand(sc, .bool, 0, 1)
            let a = try makeTensor(sa, rng.values(naiveProduct(sa), .float64), .float64)
            let b = try makeTensor(sb, rng.values(naiveProduct(sb), .float64), .float64)
            try assertGradientsMatch([a, b]) { xs in try Tensor.where(c, xs[0], xs[1]) }
        }
        // A condition computed from the input itself (as ReLU via where would be).
        let x = try makeTensor([2, 4], rng.values(8, .float64).map { $0 + ($0 < 0 ? -0.1 : 0.1) }, .float64)
        try assertGradientsMatch([x]) { xs in
            let positive = try xs[0].compare(.greater, xs[0].scalarLike(0))
            return try Tensor.where(positive, xs[0].binary(.multiply, xs[0]), xs[0].multiplying(-3))
        }
    }

    func testErrors() throws {
        let f = Tensor(zeros: [2, 3], dtype: .float32), d = Tensor(zeros: [2, 3], dtype: .float64)
        let bools = Tensor(zeros: [2, 3], dtype: .bool)
        for op in CompareOp.allCases {
            XCTAssertThrowsError(try f.compare(op, d)) { XCTAssertEqual($0 as? TensorError, .dtypeMismatch(op: op.rawValue, expected: .float32, got: .float64)) }
            XCTAssertThrowsError(try f.compare(op, Tensor(zeros: [3, 2], dtype: .float32))) { error in
                guard case TensorError.shapeMismatch = error else { return XCTFail("\(error)") }
            }
        }
        for op in LogicalOp.allCases {
            XCTAssertThrowsError(try f.logical(op, bools)) { XCTAssertEqual($0 as? TensorError, .dtypeMismatch(op: op.rawValue, expected: .bool, got: .float32)) }
            XCTAssertThrowsError(try bools.logical(op, f)) { XCTAssertEqual($0 as? TensorError, .dtypeMismatch(op: op.rawValue, expected: .bool, got: .float32)) }
            XCTAssertThrowsError(try bools.logical(op, Tensor(zeros: [4], dtype: .bool))) { error in
                guard case TensorError.shapeMismatch = error else { return XCTFail("\(error)") }
            }
        }
        XCTAssertThrowsError(try f.logicalNot()) { XCTAssertEqual($0 as? TensorError, .dtypeMismatch(op: "not", expected: .bool, got: .float32)) }
        XCTAssertThrowsError(try Tensor.where(f, f, f)) { XCTAssertEqual($0 as? TensorError, .dtypeMismatch(op: "where", expected: .bool, got: .float32)) }
        XCTAssertThrowsError(try Tensor.where(bools, f, d)) { XCTAssertEqual($0 as? TensorError, .dtypeMismatch(op: "where", expected: .float32, got: .float64)) }
        XCTAssertThrowsError(try Tensor.where(Tensor(zeros: [4], dtype: .bool), f, f)) { error in
            guard case TensorError.shapeMismatch = error else { return XCTFail("\(error)") }
        }
    }
}
