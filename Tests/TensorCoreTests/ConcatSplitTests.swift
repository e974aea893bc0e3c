import XCTest
@testable import TensorCore

final class ConcatSplitTests: XCTestCase {
    /// Naive concat: walk the output, find the input that owns each position along the axis.
    private func naiveConcat(_ inputs: [NaiveArray], axis: Int) -> NaiveArray {
        var shape = inputs[0].shape
        shape[axis] = inputs.map { $0.shape[axis] }.reduce(0, +)
        var out = NaiveArray(repeating: 0, shape: shape)
        for index in out.allIndices {
            var position = index[axis]
            var k = 0
            while position >= inputs[k].shape[axis] { position -= inputs[k].shape[axis]; k += 1 }
            var source = index
            source[axis] = position
            out[index] = inputs[k][source]
        }
        return out
    }

    /// Naive split: piece k holds positions start_k ..< start_k + sizes[k] of the axis.
    private func naiveSplit(_ x: NaiveArray, axis: Int, sizes: [Int]) -> [NaiveArray] {
        var start = 0
        return sizes.map { size in
            var shape = x.shape
            shape[axis] = size
            var piece = NaiveArray(repeating: 0, shape: shape)
            for index in piece.allIndices {
                var source = index
                source[axis] += start
                piece[index] = x[source]
            }
            start += size
            return piece
        }
    }

    func testConcatMatchesNaiveForEveryDType() throws {
        var rng = TestRandom(seed: 11)
        for trial in 0..<60 {
            let dtype = allShapeTestDTypes[trial % allShapeTestDTypes.count]
            let rank = rng.int(1, 4)
            let base = rng.shape(rank: rank)
            let axis = rng.int(-rank, rank - 1)
            let a = axis < 0 ? axis + rank : axis
            let inputs: [Tensor] = (0..<rng.int(1, 4)).map { _ in
                var shape = base
                shape[a] = rng.int(0, 3)
                return rng.anyTensor(shape, dtype: dtype)
            }
            let out = try Tensor.concat(inputs, axis: axis)
            let expected = naiveConcat(inputs.map { NaiveArray($0) }, axis: a)
            XCTAssertEqual(out.dtype, dtype)
            XCTAssertEqual(out.shape, expected.shape, "trial \(trial)")
            XCTAssertEqual(out.doubles(), expected.values, "trial \(trial) \(dtype) axis \(axis)")
        }
    }

    func testConcatLargeAndExactInt64() throws {
        var rng = TestRandom(seed: 12)
        let a = rng.tensor([3, 70, 200], dtype: .float32), b = rng.tensor([3, 50, 200], dtype: .float32)
        let out = try Tensor.concat([a, b], axis: 1)
        XCTAssertEqual(out.doubles(), naiveConcat([NaiveArray(a), NaiveArray(b)], axis: 1).values)
        let big = try Tensor(shape: [2], scalars: [Int64.max, Int64.min + 1])
        let small = try Tensor(shape: [1], scalars: [Int64(1) << 60 + 1])
        XCTAssertEqual(try Tensor.concat([big, small], axis: 0).scalars(Int64.self), [Int64.max, Int64.min + 1, Int64(1) << 60 + 1])
    }

    func testConcatReadsViews() throws {
        let row = try Tensor(shape: [1, 3], scalars: [1.0, 2, 3])
        let wide = try row.expanded(to: [2, 3])
        let other = try Tensor(shape: [3, 2], scalars: [4.0, 5, 6, 7, 8, 9]).transposed()
        let out = try Tensor.concat([wide, other], axis: 0)
        XCTAssertEqual(out.shape, [4, 3])
        XCTAssertEqual(out.doubles(), [1, 2, 3, 1, 2, 3, 4, 6, 8, 5, 7, 9])
    }

    func testConcatErrors() throws {
        let a = try Tensor(shape: [2, 3], scalars: [Float](repeating: 1, count: 6))
        assertThrowsTensorError(try Tensor.concat([], axis: 0))
        assertThrowsTensorError(try Tensor.concat([Tensor(scalar: Float(1))], axis: 0))
        assertThrowsTensorError(try Tensor.concat([a, Tensor(zeros: [2, 3], dtype: .float64)], axis: 0))
        assertThrowsTensorError(try Tensor.concat([a, Tensor(zeros: [3, 3])], axis: 1))
        assertThrowsTensorError(try Tensor.concat([a, Tensor(zeros: [2, 3, 1])], axis: 0))
        assertThrowsTensorError(try Tensor.concat([a, a], axis: 2))
        assertThrowsTensorError(try Tensor.concat([a, a], axis: -3))
    }

    func testConcatGradient() throws {
        var rng = TestRandom(seed: 13)
        let inputs = [rng.tensor([2, 1, 3]), rng.tensor([2, 3, 3]), rng.tensor([2, 2, 3])]
        try assertGradientsMatch(inputs) { try Tensor.concat($0, axis: -2) }
        try assertGradientsMatch([rng.tensor([4])]) { x in try Tensor.concat([x[0], x[0]], axis: 0) }
    }

    func testSplitMatchesNaiveForEveryDType() throws {
        var rng = TestRandom(seed: 14)
        for trial in 0..<60 {
            let dtype = allShapeTestDTypes[trial % allShapeTestDTypes.count]
            let rank = rng.int(1, 4)
            var shape = rng.shape(rank: rank)
            let axis = rng.int(-rank, rank - 1)
            let a = axis < 0 ? axis + rank : axis
            shape[a] = rng.int(0, 6)
            var sizes: [Int] = []
            var left = shape[a]
            while left > 0 || sizes.isEmpty {
                let s = rng.int(0, left)
                sizes.append(s)
                left -= s
            }
            let x = rng.anyTensor(shape, dtype: dtype)
            let pieces = try x.split(axis: axis, sizes: sizes)
            let expected = naiveSplit(NaiveArray(x), axis: a, sizes: sizes)
            XCTAssertEqual(pieces.count, sizes.count)
            for (piece, reference) in zip(pieces, expected) {
                XCTAssertEqual(piece.dtype, dtype)
                XCTAssertEqual(piece.shape, reference.shape, "trial \(trial)")
                XCTAssertEqual(piece.doubles(), reference.values, "trial \(trial) \(dtype) sizes \(sizes)")
            }
        }
    }

    func testSplitIntoParts() throws {
        let x = try Tensor(shape: [2, 5], scalars: (0..<10).map { Int64($0) })
        let pieces = try x.split(axis: -1, parts: 2)
        XCTAssertEqual(pieces.map(\.shape), [[2, 3], [2, 2]])
        XCTAssertEqual(try pieces[0].scalars(Int64.self), [0, 1, 2, 5, 6, 7])
        XCTAssertEqual(try pieces[1].scalars(Int64.self), [3, 4, 8, 9])
        XCTAssertEqual(try x.split(axis: 1, parts: 5).map(\.shape), Array(repeating: [2, 1], count: 5))
        let four = try Tensor(shape: [4], scalars: [true, false, true, true])
        let three = try four.split(axis: 0, parts: 3)
        XCTAssertEqual(three.map(\.shape), [[2], [2], [0]])
        XCTAssertEqual(try three[1].scalars(Bool.self), [true, true])
        assertThrowsTensorError(try x.split(axis: 1, parts: 4))
        assertThrowsTensorError(try x.split(axis: 1, parts: 0))
    }

    func testSplitErrors() throws {
        let x = Tensor(zeros: [2, 5])
        assertThrowsTensorError(try x.split(axis: 1, sizes: [2, 2]))
        assertThrowsTensorError(try x.split(axis: 1, sizes: [6, -1]))
        assertThrowsTensorError(try x.split(axis: 1, sizes: []))
        assertThrowsTensorError(try x.split(axis: 2, sizes: [5]))
        assertThrowsTensorError(try Tensor(scalar: Float(1)).split(axis: 0, sizes: [1]))
    }

    func testSplitGradientWithUnusedAndRepeatedPieces() throws {
        var rng = TestRandom(seed: 15)
        try assertGradientsMatch([rng.tensor([2, 4, 3])]) { x in
            let pieces = try x[0].split(axis: 1, sizes: [1, 2, 1])
            // Piece 1 is unused (zero gradient), piece 0 is used twice.
            return try Tensor.concat([pieces[2], pieces[0], pieces[0]], axis: 1)
        }
        try assertGradientsMatch([rng.tensor([3, 5])]) { x in
            let pieces = try x[0].split(axis: 0, parts: 2)
            return try pieces[0].multiplying(pieces[0]).adding(try pieces[1].sum())
        }
    }
}
