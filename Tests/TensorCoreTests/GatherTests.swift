import XCTest
@testable import TensorCore

final class GatherTests: XCTestCase {
    /// Naive Gather: out[a..., i..., b...] = data[a..., idx[i...] (wrapped), b...].
    private func naiveGather(_ data: NaiveArray, _ indices: NaiveArray, axis: Int) -> NaiveArray {
        let n = data.shape[axis]
        let outShape = Array(data.shape[..<axis]) + indices.shape + Array(data.shape[(axis + 1)...])
        var out = NaiveArray(repeating: 0, shape: outShape)
        for index in out.allIndices {
            let before = Array(index[..<axis])
            let picked = Array(index[axis..<(axis + indices.shape.count)])
            let after = Array(index[(axis + indices.shape.count)...])
            var i = Int(indices[picked])
            if i < 0 { i += n }
            out[index] = data[before + [i] + after]
        }
        return out
    }

    private func naiveScatterAdd(_ g: NaiveArray, _ indices: NaiveArray, dataShape: [Int], axis: Int) -> NaiveArray {
        let n = dataShape[axis]
        var out = NaiveArray(repeating: 0, shape: dataShape)
        for index in g.allIndices {
            let picked = Array(index[axis..<(axis + indices.shape.count)])
            var i = Int(indices[picked])
            if i < 0 { i += n }
            let target = Array(index[..<axis]) + [i] + Array(index[(axis + indices.shape.count)...])
            out[target] += g[index]
        }
        return out
    }

    private func randomIndices(_ shape: [Int], length n: Int, dtype: DType, _ rng: inout TestRandom) -> Tensor {
        let values = (0..<shape.reduce(1, *)).map { _ in rng.int(-n, n - 1) }
        if dtype == .int32 { return try! Tensor(shape: shape, scalars: values.map { Int32($0) }) }
        return try! Tensor(shape: shape, scalars: values.map { Int64($0) })
    }

    func testRandomGathersForEveryDType() throws {
        var rng = TestRandom(seed: 51)
        for trial in 0..<100 {
            let dtype = allShapeTestDTypes[trial % allShapeTestDTypes.count]
            let rank = rng.int(1, 4)
            let shape = rng.shape(rank: rank)
            let axis = rng.int(-rank, rank - 1)
            let a = axis < 0 ? axis + rank : axis
            let indexShape = rng.shape(rank: rng.int(0, 3), maxLength: 3)
            let indices = randomIndices(indexShape, length: shape[a], dtype: trial % 2 == 0 ? .int64 : .int32, &rng)
            let data = rng.anyTensor(shape, dtype: dtype)
            let out = try data.gathered(indices: indices, axis: axis)
            let expected = naiveGather(NaiveArray(data), NaiveArray(indices), axis: a)
            XCTAssertEqual(out.dtype, dtype)
            XCTAssertEqual(out.shape, expected.shape, "trial \(trial)")
            XCTAssertEqual(out.doubles(), expected.values, "trial \(trial) \(dtype) shape \(shape) axis \(axis) indices \(indices.shape)")
        }
    }

    /// The example of the ONNX Gather documentation, and exact int64 moves.
    func testKnownCases() throws {
        let data = try Tensor(shape: [3, 2], scalars: [1.0, 1.2, 2.3, 3.4, 4.5, 5.7])
        let indices = try Tensor(shape: [2, 2], scalars: [Int64(0), 1, 1, 2])
        let out = try data.gathered(indices: indices, axis: 0)
        XCTAssertEqual(out.shape, [2, 2, 2])
        XCTAssertEqual(out.doubles(), [1.0, 1.2, 2.3, 3.4, 2.3, 3.4, 4.5, 5.7])
        let columns = try data.gathered(indices: Tensor(shape: [1, 2], scalars: [Int32(-2), 0]), axis: 1)
        XCTAssertEqual(columns.shape, [3, 1, 2])
        XCTAssertEqual(columns.doubles(), [1.0, 1.0, 2.3, 2.3, 4.5, 4.5])
        let shapeVector = try Tensor(shape: [4], scalars: [Int64(1) << 62, 3, Int64.min, 7])
        let picked = try shapeVector.gathered(indices: Tensor(scalar: Int64(-2)))
        XCTAssertEqual(picked.shape, [])
        XCTAssertEqual(try picked.scalars(Int64.self), [Int64.min])
        XCTAssertEqual(try shapeVector.gathered(indices: Tensor(shape: [2], scalars: [Int64(0), 0])).scalars(Int64.self),
                       [Int64(1) << 62, Int64(1) << 62])
    }

    func testErrors() {
        let data = Tensor(zeros: [3, 4])
        assertThrowsTensorError(try data.gathered(indices: Tensor(shape: [1], scalars: [Int64(3)]), axis: 0))
        assertThrowsTensorError(try data.gathered(indices: Tensor(shape: [1], scalars: [Int64(-4)]), axis: 0))
        assertThrowsTensorError(try data.gathered(indices: Tensor(shape: [1], scalars: [Int32(4)]), axis: 1))
        assertThrowsTensorError(try data.gathered(indices: Tensor(shape: [1], scalars: [Float(0)]), axis: 0))
        assertThrowsTensorError(try data.gathered(indices: Tensor(shape: [1], scalars: [Int64(0)]), axis: 2))
        assertThrowsTensorError(try Tensor(scalar: Float(1)).gathered(indices: Tensor(scalar: Int64(0))))
    }

    func testGradientWithRepeatedIndices() throws {
        var rng = TestRandom(seed: 52)
        let indices = try Tensor(shape: [2, 3], scalars: [Int64(1), -1, 1, 0, 3, 1])
        try assertGradientsMatch([rng.tensor([2, 4, 3])]) { try $0[0].gathered(indices: indices, axis: 1) }
        try assertGradientsMatch([rng.tensor([4])]) { try $0[0].gathered(indices: Tensor(scalar: Int64(2))) }
    }

    /// Large enough to split the scatter-add across threads: compares the autograd gradient with
    /// a naive scatter for every layout of repeated indices.
    func testLargeGradientMatchesNaiveScatter() throws {
        var rng = TestRandom(seed: 53)
        for (shape, axis, count) in [([3000, 24], 0, 350), ([64, 300, 8], 1, 100), ([40, 30, 70], 2, 50)] {
            let data = rng.tensor(shape, dtype: .float64)
            let indices = randomIndices([2, count], length: shape[axis], dtype: .int64, &rng)
            let parameter = Parameter(name: "data", value: data)
            let out = try parameter.tensor.gathered(indices: indices, axis: axis)
            let seed = rng.tensor(out.shape, dtype: .float64)
            try out.backward(seed: seed)
            let expected = naiveScatterAdd(NaiveArray(seed), NaiveArray(indices), dataShape: shape, axis: axis)
            assertClose(try XCTUnwrap(parameter.grad).doubles(), expected.values, abs: 1e-12, rel: 1e-12, "shape \(shape) axis \(axis)")
            XCTAssertEqual(out.doubles(), naiveGather(NaiveArray(data), NaiveArray(indices), axis: axis).values)
        }
    }
}
