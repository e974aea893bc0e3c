import XCTest
@testable import TensorCore

final class TransposeTests: XCTestCase {
    /// Naive transpose: out[i] = x[j] with j[perm[k]] = i[k].
    private func naiveTranspose(_ x: NaiveArray, _ perm: [Int]) -> NaiveArray {
        var out = NaiveArray(repeating: 0, shape: perm.map { x.shape[$0] })
        for index in out.allIndices {
            var source = [Int](repeating: 0, count: perm.count)
            for k in perm.indices { source[perm[k]] = index[k] }
            out[index] = x[source]
        }
        return out
    }

    func testRandomPermutationsForEveryDType() throws {
        var rng = TestRandom(seed: 21)
        for trial in 0..<80 {
            let dtype = allShapeTestDTypes[trial % allShapeTestDTypes.count]
            let rank = rng.int(0, 5)
            let shape = rng.shape(rank: rank)
            let perm = rng.permutation(rank)
            let x = rng.anyTensor(shape, dtype: dtype)
            let out = try x.transposed(permutation: perm)
            let expected = naiveTranspose(NaiveArray(x), perm)
            XCTAssertEqual(out.dtype, dtype)
            XCTAssertEqual(out.shape, expected.shape)
            XCTAssertEqual(out.doubles(), expected.values, "trial \(trial) shape \(shape) perm \(perm)")
        }
    }

    func testCommonFourDLayoutsLargeEnoughToTileAndSplit() throws {
        var rng = TestRandom(seed: 22)
        for dtype in [DType.float32, .float64, .uint8] {
            let x = rng.anyTensor([2, 24, 37, 45], dtype: dtype)
            let naive = NaiveArray(x)
            for perm in [[0, 2, 3, 1], [0, 3, 1, 2], [0, 1, 3, 2], [3, 2, 1, 0], [1, 0, 2, 3], [0, 2, 1, 3], [2, 3, 0, 1]] {
                let out = try x.transposed(permutation: perm)
                XCTAssertEqual(out.doubles(), naiveTranspose(naive, perm).values, "\(dtype) perm \(perm)")
            }
        }
        let matrix = rng.tensor([300, 257], dtype: .float32)
        XCTAssertEqual(try matrix.transposed().doubles(), naiveTranspose(NaiveArray(matrix), [1, 0]).values)
    }

    func testDefaultReversesAndIdentityKeepsValues() throws {
        let x = try Tensor(shape: [2, 3, 1], scalars: (0..<6).map { Int64($0) })
        let out = try x.transposed()
        XCTAssertEqual(out.shape, [1, 3, 2])
        XCTAssertEqual(try out.scalars(Int64.self), [0, 3, 1, 4, 2, 5])
        XCTAssertEqual(try x.transposed(permutation: [0, 1, 2]).scalars(Int64.self), [0, 1, 2, 3, 4, 5])
    }

    func testTransposeOfViews() throws {
        let row = try Tensor(shape: [3, 1], scalars: [1.0, 2, 3])
        let wide = try row.expanded(to: [3, 4])
        XCTAssertEqual(try wide.transposed().doubles(), [1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3])
        let twice = try wide.transposed().transposed()
        XCTAssertEqual(twice.doubles(), wide.doubles())
    }

    func testErrors() {
        let x = Tensor(zeros: [2, 3, 4])
        assertThrowsTensorError(try x.transposed(permutation: [0, 1]))
        assertThrowsTensorError(try x.transposed(permutation: [0, 1, 1]))
        assertThrowsTensorError(try x.transposed(permutation: [0, 1, 3]))
        assertThrowsTensorError(try x.transposed(permutation: [-1, 0, 1]))
    }

    func testGradient() throws {
        var rng = TestRandom(seed: 23)
        try assertGradientsMatch([rng.tensor([2, 3, 4])]) { try $0[0].transposed(permutation: [1, 2, 0]) }
        try assertGradientsMatch([rng.tensor([2, 1, 3, 2])]) { try $0[0].transposed(permutation: [0, 2, 3, 1]) }
        try assertGradientsMatch([rng.tensor([3, 4])]) { try $0[0].transposed() }
    }
}
