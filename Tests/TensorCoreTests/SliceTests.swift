import XCTest
@testable import TensorCore

final class SliceTests: XCTestCase {
    /// Positions an ONNX slice of one axis visits, by walking the clamped range step by step.
    private func naivePositions(start: Int, end: Int, step: Int, length n: Int) -> [Int] {
        var s = start < 0 ? start + n : start
        var e = end < 0 ? end + n : end
        var positions: [Int] = []
        if step > 0 {
            s = min(max(s, 0), n)
            e = min(max(e, 0), n)
            var i = s
            while i < e { positions.append(i); if i > e - step { break }; i += step }
        } else {
            s = min(max(s, 0), n - 1)
            e = min(max(e, -1), n - 1)
            var i = s
            while i > e { positions.append(i); if i < e - step { break }; i += step }
        }
        return positions
    }

    private func naiveSlice(_ x: NaiveArray, positions: [[Int]]) -> NaiveArray {
        var out = NaiveArray(repeating: 0, shape: positions.map(\.count))
        for index in out.allIndices {
            out[index] = x[(0..<index.count).map { positions[$0][index[$0]] }]
        }
        return out
    }

    func testRandomSlicesForEveryDType() throws {
        var rng = TestRandom(seed: 31)
        let steps = [-3, -2, -1, 1, 2, 3]
        for trial in 0..<120 {
            let dtype = allShapeTestDTypes[trial % allShapeTestDTypes.count]
            let rank = rng.int(1, 4)
            let shape = rng.shape(rank: rank, maxLength: 5)
            let x = rng.anyTensor(shape, dtype: dtype)
            var positions = shape.map { Array(0..<$0) }
            var starts: [Int] = [], ends: [Int] = [], axes: [Int] = [], stepList: [Int] = []
            for a in rng.permutation(rank) where rng.int(0, 3) > 0 {
                let n = shape[a]
                let step = steps[rng.int(0, steps.count - 1)]
                let start = rng.int(0, 6) == 0 ? (step > 0 ? Int.min : Int.max) : rng.int(-n - 2, n + 2)
                let end = rng.int(0, 4) == 0 ? (step > 0 ? Int.max : Int.min) : rng.int(-n - 2, n + 2)
                starts.append(start); ends.append(end); stepList.append(step)
                axes.append(rng.int(0, 1) == 0 ? a : a - rank)
                positions[a] = naivePositions(start: start, end: end, step: step, length: n)
            }
            let out = try x.sliced(starts: starts, ends: ends, axes: axes, steps: stepList)
            let expected = naiveSlice(NaiveArray(x), positions: positions)
            XCTAssertEqual(out.dtype, dtype)
            XCTAssertEqual(out.shape, expected.shape, "trial \(trial) starts \(starts) ends \(ends) axes \(axes) steps \(stepList)")
            XCTAssertEqual(out.doubles(), expected.values, "trial \(trial)")
        }
    }

    /// Hand-checked cases from the ONNX Slice documentation and numpy.
    func testKnownCases() throws {
        let x = try Tensor(shape: [2, 4], scalars: (1...8).map { Int64($0) })
        // ONNX docs example 1: starts [1, 0], ends [2, 3], steps [1, 2] → [[5, 7]].
        let a = try x.sliced(starts: [1, 0], ends: [2, 3], axes: [0, 1], steps: [1, 2])
        XCTAssertEqual(a.shape, [1, 2])
        XCTAssertEqual(try a.scalars(Int64.self), [5, 7])
        // ONNX docs example 2: starts [0, 1], ends [-1, 1000] → [[2, 3, 4]].
        let b = try x.sliced(starts: [0, 1], ends: [-1, 1000])
        XCTAssertEqual(b.shape, [1, 3])
        XCTAssertEqual(try b.scalars(Int64.self), [2, 3, 4])
        // Full reversal with INT64_MIN end: x[:, ::-1].
        let c = try x.sliced(starts: [-1], ends: [Int.min], axes: [1], steps: [-1])
        XCTAssertEqual(try c.scalars(Int64.self), [4, 3, 2, 1, 8, 7, 6, 5])
        // Start beyond the end with a negative step clamps to the last element: x[:, 10:0:-2].
        let d = try x.sliced(starts: [10], ends: [0], axes: [-1], steps: [-2])
        XCTAssertEqual(try d.scalars(Int64.self), [4, 2, 8, 6])
        // Empty results keep their rank.
        let e = try x.sliced(starts: [3], ends: [1], axes: [1])
        XCTAssertEqual(e.shape, [2, 0])
        // Huge steps take one element and never overflow.
        XCTAssertEqual(try x.sliced(starts: [1], ends: [Int.max], axes: [1], steps: [Int.max]).scalars(Int64.self), [2, 6])
        XCTAssertEqual(try x.sliced(starts: [Int.max], ends: [Int.min], axes: [1], steps: [Int.min]).scalars(Int64.self), [4, 8])
        let flags = try Tensor(shape: [5], scalars: [true, false, false, true, true])
        XCTAssertEqual(try flags.sliced(starts: [-2], ends: [-6], steps: [-2]).scalars(Bool.self), [true, false])
    }

    func testErrors() {
        let x = Tensor(zeros: [2, 3])
        assertThrowsTensorError(try x.sliced(starts: [0], ends: [1], axes: [0], steps: [0]))
        assertThrowsTensorError(try x.sliced(starts: [0, 0], ends: [1, 1], axes: [1, -1]))
        assertThrowsTensorError(try x.sliced(starts: [0], ends: [1], axes: [2]))
        assertThrowsTensorError(try x.sliced(starts: [0], ends: [1, 2]))
        assertThrowsTensorError(try x.sliced(starts: [0], ends: [1], axes: [0], steps: [1, 1]))
        assertThrowsTensorError(try Tensor(scalar: Float(1)).sliced(starts: [0], ends: [1]))
    }

    func testGradient() throws {
        var rng = TestRandom(seed: 32)
        try assertGradientsMatch([rng.tensor([3, 5, 4])]) {
            try $0[0].sliced(starts: [-1, 4, 0], ends: [Int.min, 0, 3], axes: [0, 1, -1], steps: [-1, -2, 2])
        }
        try assertGradientsMatch([rng.tensor([4, 6])]) { try $0[0].sliced(starts: [1], ends: [5], axes: [1]) }
    }
}
