import XCTest
@testable import TensorCore

/// Batched MatMul (ONNX semantics) and transposed GEMM against a triple-loop reference with its
/// own batch-broadcast index math.
final class MatMulTests: XCTestCase {

    /// Reference for rank ≥ 2 operands: A[..., M, K] (or [..., K, M] when transposed) times B.
    static func naiveGemm(_ a: NaiveArray, _ b: NaiveArray, transposeA: Bool = false, transposeB: Bool = false) -> NaiveArray {
        let ra = a.shape.count, rb = b.shape.count
        let m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2]
        let k = transposeA ? a.shape[ra - 2] : a.shape[ra - 1]
        let n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1]
        let batchA = Array(a.shape.dropLast(2)), batchB = Array(b.shape.dropLast(2))
        let batch = naiveBroadcastShape([batchA, batchB])!
        var out = NaiveArray(shape: batch + [m, n], repeating: 0)
        for bi in naiveIndices(batch) {
            // Right-aligned batch index into each operand; size-1 batch axes repeat.
            let ia = batchA.indices.map { batchA[$0] == 1 ? 0 : bi[$0 + batch.count - batchA.count] }
            let ib = batchB.indices.map { batchB[$0] == 1 ? 0 : bi[$0 + batch.count - batchB.count] }
            for i in 0..<m {
                for j in 0..<n {
                    var acc = 0.0
                    for p in 0..<k {
                        let av = a[ia + (transposeA ? [p, i] : [i, p])]
                        let bv = b[ib + (transposeB ? [j, p] : [p, j])]
                        acc += av * bv
                    }
                    out[bi + [i, j]] = acc
                }
            }
        }
        return out
    }

    /// ONNX MatMul reference: 1-D operands are promoted and the added axis removed afterwards.
    static func naiveMatMul(_ a: NaiveArray, _ b: NaiveArray) -> NaiveArray {
        let a2 = a.shape.count == 1 ? NaiveArray(shape: [1] + a.shape, values: a.values) : a
        let b2 = b.shape.count == 1 ? NaiveArray(shape: b.shape + [1], values: b.values) : b
        var out = naiveGemm(a2, b2)
        if b.shape.count == 1 { out.shape.removeLast() }
        if a.shape.count == 1 { out.shape.remove(at: out.shape.count - (b.shape.count == 1 ? 1 : 2)) }
        return out
    }

    static let shapePairs: [([Int], [Int])] = [
        ([3, 4], [4, 5]), ([1, 1], [1, 1]), ([5, 1], [1, 6]), ([1, 7], [7, 1]),
        ([2, 3, 4], [4, 5]), ([3, 4], [2, 4, 5]), ([2, 3, 4], [2, 4, 5]),
        ([2, 1, 3, 4], [3, 4, 2]), ([1, 3, 4], [2, 4, 2]), ([2, 1, 3, 2], [1, 3, 2, 4]), ([4, 1, 2, 3], [5, 3, 1]),
        ([4], [4, 3]), ([3, 4], [4]), ([4], [2, 4, 3]), ([2, 3, 4], [4]), ([1, 2, 3, 4], [4]), ([4], [4]), ([1], [1]),
        ([0, 4], [4, 3]), ([3, 4], [4, 0]), ([0, 3, 4], [4, 2]), ([2, 3], [0, 3, 5]),
        ([3, 0], [0, 4]), ([2, 3, 0], [0, 5]), ([0], [0]),
    ]

    func testMatMulAgainstTripleLoop() throws {
        var rng = TestRandom(seed: 71)
        for dtype in [DType.float32, .float64] {
            for (sa, sb) in Self.shapePairs {
                let (a, na) = try rng.operand(sa, dtype)
                let (b, nb) = try rng.operand(sb, dtype)
                let out = try a.matmul(b)
                let ref = Self.naiveMatMul(na, nb)
                let context = "\(dtype) \(sa) · \(sb)"
                XCTAssertEqual(out.shape, ref.shape, context)
                XCTAssertEqual(out.dtype, dtype)
                assertClose(out.doubles(), ref.values, abs: dtype == .float32 ? 1e-5 : 1e-12, rel: dtype == .float32 ? 1e-4 : 1e-12, context)
            }
        }
    }

    func testRandomBatchedShapes() throws {
        var rng = TestRandom(seed: 72)
        for dtype in [DType.float32, .float64] {
            for _ in 0..<20 {
                let m = rng.int(1, 9), k = rng.int(1, 9), n = rng.int(1, 9)
                let batch = rng.randomShape(rank: rng.int(0, 3), 1, 3)
                var ba = batch, bb = batch
                for axis in batch.indices {
                    switch rng.next() % 3 { case 0: ba[axis] = 1; case 1: bb[axis] = 1; default: break }
                }
                let dropA = rng.int(0, ba.count), dropB = rng.int(0, bb.count)
                ba = Array(ba.dropFirst(dropA)); bb = Array(bb.dropFirst(dropB))
                let (a, na) = try rng.operand(ba + [m, k], dtype)
                let (b, nb) = try rng.operand(bb + [k, n], dtype)
                let ref = Self.naiveMatMul(na, nb)
                let out = try a.matmul(b)
                XCTAssertEqual(out.shape, ref.shape)
                assertClose(out.doubles(), ref.values, abs: dtype == .float32 ? 1e-5 : 1e-12, rel: dtype == .float32 ? 1e-4 : 1e-12,
                            "\(dtype) \(a.shape) · \(b.shape)")
            }
        }
    }

    func testNonContiguousOperands() throws {
        var rng = TestRandom(seed: 73)
        for dtype in [DType.float32, .float64] {
            let (a, na) = try rng.expandedOperand([2, 3, 4, 5], dtype)
            let (b, nb) = try rng.expandedOperand([3, 5, 2], dtype)
            let (c, nc) = try rng.operand([5, 2], dtype)
            for (x, y, nx, ny) in [(a, b, na, nb), (a, c, na, nc)] {
                let ref = Self.naiveMatMul(nx, ny)
                assertClose(try x.matmul(y).doubles(), ref.values, abs: 1e-5, rel: 1e-4, "\(dtype) view \(x.shape) · \(y.shape)")
            }
        }
    }

    func testGemmTransposes() throws {
        var rng = TestRandom(seed: 74)
        for dtype in [DType.float32, .float64] {
            for transposeA in [false, true] {
                for transposeB in [false, true] {
                    for (batchA, batchB) in [([Int](), [Int]()), ([2], [2]), ([2, 1], [3]), ([], [2]), ([3], [])] {
                        let m = 3, k = 4, n = 2
                        let (a, na) = try rng.operand(batchA + (transposeA ? [k, m] : [m, k]), dtype)
                        let (b, nb) = try rng.operand(batchB + (transposeB ? [n, k] : [k, n]), dtype)
                        let out = try Tensor.gemm(a, b, transposeA: transposeA, transposeB: transposeB)
                        let ref = Self.naiveGemm(na, nb, transposeA: transposeA, transposeB: transposeB)
                        let context = "\(dtype) \(a.shape)\(transposeA ? "ᵀ" : "") · \(b.shape)\(transposeB ? "ᵀ" : "")"
                        XCTAssertEqual(out.shape, ref.shape, context)
                        assertClose(out.doubles(), ref.values, abs: 1e-5, rel: 1e-4, context)
                    }
                }
            }
        }
    }

    func testLargeGemmUsesBlas() throws {
        var rng = TestRandom(seed: 75)
        let (a, na) = try rng.operand([2, 70, 90], .float32)
        let (b, nb) = try rng.operand([90, 60], .float32)
        assertClose(try a.matmul(b).doubles(), Self.naiveMatMul(na, nb).values, abs: 1e-4, rel: 1e-4)
    }

    func testErrors() throws {
        let f = Tensor(zeros: [2, 3], dtype: .float32)
        let cases: [(Tensor, Tensor)] = [
            (f, Tensor(zeros: [2, 3], dtype: .float32)),            // inner 3 vs 2
            (f, Tensor(zeros: [4], dtype: .float32)),               // 1-D with wrong size
            (Tensor(zeros: [4], dtype: .float32), f),
            (Tensor(zeros: [2, 2, 3], dtype: .float32), Tensor(zeros: [3, 3, 4], dtype: .float32)),  // batch 2 vs 3
            (Tensor(zeros: [3]), Tensor(zeros: [4])),
        ]
        for (a, b) in cases {
            XCTAssertThrowsError(try a.matmul(b), "\(a.shape) · \(b.shape)") { error in
                guard case TensorError.shapeMismatch = error else { return XCTFail("\(error)") }
            }
        }
        XCTAssertThrowsError(try Tensor(scalar: Float(1)).matmul(f)) { error in
            guard case TensorError.shapeMismatch = error else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try f.matmul(Tensor(zeros: [3, 2], dtype: .float64))) {
            XCTAssertEqual($0 as? TensorError, .dtypeMismatch(op: "matmul", expected: .float32, got: .float64))
        }
        for dtype in [DType.int32, .int64, .float16, .bool] {
            let t = Tensor(zeros: [2, 2], dtype: dtype)
            XCTAssertThrowsError(try t.matmul(t)) { XCTAssertEqual($0 as? TensorError, .unsupportedDType(op: "matmul", dtype: dtype)) }
        }
        XCTAssertThrowsError(try Tensor.gemm(f, f, transposeA: false, transposeB: false))
        XCTAssertNoThrow(try Tensor.gemm(f, f, transposeA: false, transposeB: true))
        XCTAssertNoThrow(try Tensor.gemm(f, f, transposeA: true, transposeB: false))
        XCTAssertThrowsError(try Tensor.gemm(Tensor(zeros: [3]), Tensor(zeros: [3, 3]), transposeA: false, transposeB: false))
    }

    // MARK: Backward

    func testMatMulBackward() throws {
        var rng = TestRandom(seed: 76)
        let pairs: [([Int], [Int])] = [
            ([2, 3], [3, 4]), ([2, 2, 3], [3, 2]), ([2, 3], [2, 3, 2]), ([2, 1, 2, 3], [3, 3, 2]),
            ([3], [3, 2]), ([2, 3], [3]), ([3], [2, 3, 2]), ([2, 2, 3], [3]), ([3], [3]),
        ]
        for (sa, sb) in pairs {
            let a = try makeTensor(sa, rng.values(naiveProduct(sa), .float64), .float64)
            let b = try makeTensor(sb, rng.values(naiveProduct(sb), .float64), .float64)
            try assertGradientsMatch([a, b]) { xs in try xs[0].matmul(xs[1]) }
        }
    }

    func testGemmBackwardEveryTranspose() throws {
        var rng = TestRandom(seed: 77)
        for transposeA in [false, true] {
            for transposeB in [false, true] {
                for (batchA, batchB) in [([Int](), [Int]()), ([2], [1]), ([], [2])] {
                    let m = 2, k = 3, n = 2
                    let sa = batchA + (transposeA ? [k, m] : [m, k]), sb = batchB + (transposeB ? [n, k] : [k, n])
                    let a = try makeTensor(sa, rng.values(naiveProduct(sa), .float64), .float64)
                    let b = try makeTensor(sb, rng.values(naiveProduct(sb), .float64), .float64)
                    try assertGradientsMatch([a, b]) { xs in try Tensor.gemm(xs[0], xs[1], transposeA: transposeA, transposeB: transposeB) }
                }
            }
        }
    }

    func testMatMulBackwardSameOperandTwiceAndThroughView() throws {
        var rng = TestRandom(seed: 78)
        let a = try makeTensor([3, 3], rng.values(9, .float64), .float64)
        try assertGradientsMatch([a]) { xs in try xs[0].matmul(xs[0]) }
        let v = try makeTensor([3, 1], rng.values(3, .float64), .float64)
        let w = try makeTensor([2, 4, 2], rng.values(16, .float64), .float64)
        try assertGradientsMatch([v, w]) { xs in try xs[0].expanded(to: [2, 3, 4]).matmul(xs[1]) }
    }
}
