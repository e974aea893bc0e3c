import XCTest
@testable import TensorCore

/// Reductions and arg-reductions against a naive multi-index accumulation.
final class ReduceTests: XCTestCase {

    /// Reference reduction: every input index adds into the output index with reduced axes at 0.
    static func naiveReduce(_ x: NaiveArray, _ op: ReduceOp, axes: Set<Int>, keepDims: Bool, integer: Bool = false) -> NaiveArray {
        let kept = x.shape.indices.map { axes.contains($0) ? 1 : x.shape[$0] }
        let initial: Double = op == .max ? -.infinity : (op == .min ? .infinity : 0)
        var acc = NaiveArray(shape: kept, repeating: initial)
        var reducedCount = 1
        for a in axes { reducedCount *= x.shape[a] }
        for index in naiveIndices(x.shape) {
            var outIndex = index
            for a in axes { outIndex[a] = 0 }
            let v = x[index], current = acc[outIndex]
            switch op {
            case .sum, .mean: acc[outIndex] = current + v
            case .max: acc[outIndex] = v.isNaN || current.isNaN ? .nan : (v > current ? v : current)
            case .min: acc[outIndex] = v.isNaN || current.isNaN ? .nan : (v < current ? v : current)
            }
        }
        if op == .mean {
            acc.values = acc.values.map { integer ? ($0 / Double(reducedCount)).rounded(.towardZero) : $0 / Double(reducedCount) }
        }
        let outShape = keepDims ? kept : x.shape.indices.filter { !axes.contains($0) }.map { x.shape[$0] }
        return NaiveArray(shape: outShape, values: acc.values)
    }

    /// Every subset of 0..<rank (as normalised axes) plus the spelled-negative form of each.
    static func axisSubsets(rank: Int) -> [[Int]] {
        var subsets: [[Int]] = []
        for mask in 0..<(1 << rank) {
            let axes = (0..<rank).filter { mask & (1 << $0) != 0 }
            subsets.append(axes)
        }
        return subsets
    }

    func testFloatReductionsOverEveryAxisSubset() throws {
        var rng = TestRandom(seed: 51)
        for dtype in [DType.float32, .float64] {
            for rank in 0...4 {
                for _ in 0..<2 {
                    let shape = rng.randomShape(rank: rank, 1, 4)
                    let (x, nx) = try rng.operand(shape, dtype, -3, 3)
                    for axes in Self.axisSubsets(rank: rank) {
                        // Empty means all axes; also spell some axes negatively and out of order.
                        let spelled = axes.reversed().map { rng.next() % 2 == 0 ? $0 - rank : $0 }
                        let normalized = Set(axes.isEmpty ? Array(0..<rank) : axes)
                        for op in ReduceOp.allCases {
                            for keepDims in [false, true] {
                                let out = try x.reduce(op, axes: spelled, keepDims: keepDims)
                                let ref = Self.naiveReduce(nx, op, axes: normalized, keepDims: keepDims)
                                let context = "\(op) \(dtype) \(shape) axes \(spelled) keepDims \(keepDims)"
                                XCTAssertEqual(out.shape, ref.shape, context)
                                XCTAssertEqual(out.dtype, dtype, context)
                                assertClose(out.doubles(), ref.values, abs: dtype == .float32 ? 1e-5 : 1e-12, rel: dtype == .float32 ? 1e-6 : 1e-12, context)
                            }
                        }
                    }
                }
            }
        }
    }

    func testNamedReductionsAndNonContiguousInput() throws {
        var rng = TestRandom(seed: 52)
        let (x, nx) = try rng.expandedOperand([3, 4, 5, 2], .float32, -3, 3)
        XCTAssertFalse(x.isContiguous)
        let axes = [1, 3]
        for (op, out) in [(ReduceOp.sum, try x.sum(axes: axes)), (.mean, try x.mean(axes: axes)),
                          (.max, try x.maximum(axes: axes)), (.min, try x.minimum(axes: axes))] {
            let ref = Self.naiveReduce(nx, op, axes: Set(axes), keepDims: false)
            XCTAssertEqual(out.shape, [3, 5])
            assertClose(out.doubles(), ref.values, abs: 1e-5, rel: 1e-6, "\(op)")
        }
        XCTAssertEqual(try x.sum().shape, [])
        assertClose([try x.sum().item()], [nx.values.reduce(0, +)], abs: 1e-4, rel: 1e-6)
    }

    func testLargeReductionsSplitAcrossThreads() throws {
        var rng = TestRandom(seed: 53)
        let (x, nx) = try rng.operand([3, 700, 40], .float32, -1, 1)
        for axes in [[0], [1], [2], [0, 2], [1, 2], []] {
            for op in ReduceOp.allCases {
                let ref = Self.naiveReduce(nx, op, axes: Set(axes.isEmpty ? [0, 1, 2] : axes), keepDims: true)
                assertClose(try x.reduce(op, axes: axes, keepDims: true).doubles(), ref.values, abs: 1e-5, rel: 1e-5, "\(op) \(axes)")
            }
        }
    }

    func testFloat32SumAccumulatesInFloat64() throws {
        // 1 followed by many tiny values: a Float accumulator would lose every tiny value.
        var values = [Float](repeating: 1e-8, count: 100_001)
        values[0] = 1
        let x = try Tensor(shape: [values.count], scalars: values)
        let expected = 1 + Double(Float(1e-8)) * 100_000
        XCTAssertEqual(try x.sum().item(), Double(Float(expected)), accuracy: 1e-7)
    }

    func testIntegerReductions() throws {
        var rng = TestRandom(seed: 54)
        for dtype in [DType.int64, .int32] {
            for rank in 1...3 {
                let shape = rng.randomShape(rank: rank, 1, 4)
                let (x, nx) = try rng.operand(shape, dtype, -50, 50)
                for axes in Self.axisSubsets(rank: rank) {
                    let normalized = Set(axes.isEmpty ? Array(0..<rank) : axes)
                    for op in ReduceOp.allCases {
                        for keepDims in [false, true] {
                            let out = try x.reduce(op, axes: axes, keepDims: keepDims)
                            let ref = Self.naiveReduce(nx, op, axes: normalized, keepDims: keepDims, integer: true)
                            XCTAssertEqual(out.dtype, dtype)
                            XCTAssertEqual(out.shape, ref.shape)
                            XCTAssertEqual(out.doubles(), ref.values, "\(op) \(dtype) \(shape) \(axes)")
                        }
                    }
                }
            }
        }
    }

    func testNaNPropagatesThroughMaxAndMin() throws {
        let x = try Tensor(shape: [2, 3], scalars: [1, Double.nan, 3, 4, 5, 6])
        for op in [ReduceOp.max, .min, .sum, .mean] {
            let out = try x.reduce(op, axes: [1]).doubles()
            XCTAssertTrue(out[0].isNaN, "\(op): \(out)")
            XCTAssertFalse(out[1].isNaN, "\(op): \(out)")
        }
    }

    func testEmptyAndSizeOneAxes() throws {
        let x = Tensor(zeros: [2, 0, 3], dtype: .float32)
        XCTAssertEqual(try x.sum(axes: [1]).shape, [2, 3])
        XCTAssertEqual(try x.sum(axes: [1]).doubles(), [0, 0, 0, 0, 0, 0])
        XCTAssertEqual(try x.sum(axes: [0]).shape, [0, 3])
        XCTAssertEqual(try x.sum(axes: [0], keepDims: true).shape, [1, 0, 3])
        XCTAssertEqual(try x.sum().doubles(), [0])
        XCTAssertEqual(try x.maximum(axes: [0, 2]).shape, [0])
        for op in [ReduceOp.max, .min] {
            XCTAssertThrowsError(try x.reduce(op, axes: [1])) { error in
                guard case TensorError.invalidArgument = error else { return XCTFail("\(error)") }
            }
            XCTAssertThrowsError(try x.reduce(op)) { error in
                guard case TensorError.invalidArgument = error else { return XCTFail("\(error)") }
            }
        }
        let one = try Tensor(shape: [1, 3, 1], scalars: [1.0, 2, 3])
        XCTAssertEqual(try one.sum(axes: [0, 2]).doubles(), [1, 2, 3])
        XCTAssertEqual(try one.maximum(axes: [1], keepDims: true).shape, [1, 1, 1])
        let scalar = Tensor(scalar: 2.5)
        for op in ReduceOp.allCases {
            XCTAssertEqual(try scalar.reduce(op).doubles(), [2.5])
            XCTAssertEqual(try scalar.reduce(op).shape, [])
        }
    }

    func testRankZeroHasNoAxes() throws {
        // As NumPy: a scalar has no axis 0 (this used to read shape[0] of an empty shape and crash).
        let scalar = Tensor(scalar: 2.5)
        for axis in [0, -1, 1] {
            for op in ReduceOp.allCases {
                XCTAssertThrowsError(try scalar.reduce(op, axes: [axis]), "\(op) axis \(axis)") { error in
                    guard case TensorError.invalidArgument = error else { return XCTFail("\(error)") }
                }
            }
            XCTAssertThrowsError(try scalar.argmax(axis: axis)) { error in
                guard case TensorError.invalidArgument = error else { return XCTFail("\(error)") }
            }
            XCTAssertThrowsError(try scalar.squeezed(axes: [axis]))
        }
        XCTAssertEqual(try scalar.sum(axes: []).doubles(), [2.5], "no axes means all (none) of them")
    }

    func testReductionErrors() throws {
        let x = Tensor(zeros: [2, 3], dtype: .float32)
        for op in ReduceOp.allCases {
            for axes in [[2], [-3], [5], [0, 0], [1, -1]] {
                XCTAssertThrowsError(try x.reduce(op, axes: axes), "\(op) \(axes)") { error in
                    guard case TensorError.invalidArgument = error else { return XCTFail("\(error)") }
                }
            }
            for dtype in [DType.int8, .uint8, .bool, .float16] {
                XCTAssertThrowsError(try Tensor(zeros: [2], dtype: dtype).reduce(op)) { error in
                    XCTAssertEqual(error as? TensorError, .unsupportedDType(op: op.rawValue, dtype: dtype))
                }
            }
        }
        for axis in [2, -3] {
            XCTAssertThrowsError(try x.argmax(axis: axis)) { error in
                guard case TensorError.invalidArgument = error else { return XCTFail("\(error)") }
            }
        }
        XCTAssertThrowsError(try Tensor(zeros: [2, 0]).argmin(axis: 1)) { error in
            guard case TensorError.invalidArgument = error else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try Tensor(zeros: [2], dtype: .bool).argmax(axis: 0)) { error in
            XCTAssertEqual(error as? TensorError, .unsupportedDType(op: "argmax", dtype: .bool))
        }
    }

    // MARK: argmax / argmin

    static func naiveArg(_ x: NaiveArray, axis: Int, largest: Bool, last: Bool, keepDims: Bool) -> NaiveArray {
        var kept = x.shape
        kept[axis] = 1
        var out = NaiveArray(shape: kept, repeating: 0)
        for index in naiveIndices(kept) {
            var best = 0
            var probe = index
            probe[axis] = 0
            var bestValue = x[probe]
            for i in 1..<x.shape[axis] {
                probe[axis] = i
                let v = x[probe]
                let better = largest ? (v > bestValue || (last && v == bestValue)) : (v < bestValue || (last && v == bestValue))
                if better { best = i; bestValue = v }
            }
            out[index] = Double(best)
        }
        if !keepDims { out.shape.remove(at: axis) }
        return out
    }

    func testArgmaxArgminWithTies() throws {
        var rng = TestRandom(seed: 55)
        for dtype in [DType.float32, .float64, .float16, .int64, .int32, .int8, .uint8] {
            for rank in 1...4 {
                let shape = rng.randomShape(rank: rank, 1, 5)
                // Few distinct integer values, so ties are common in every dtype.
                let v = rng.values(naiveProduct(shape), .int32, 0, 3)
                let x = try makeTensor(shape, v, dtype), nx = NaiveArray(shape: shape, values: v)
                for axis in 0..<rank {
                    for keepDims in [true, false] {
                        for last in [false, true] {
                            let spelled = rng.next() % 2 == 0 ? axis : axis - rank
                            let amax = try x.argmax(axis: spelled, keepDims: keepDims, selectLastIndex: last)
                            let amin = try x.argmin(axis: spelled, keepDims: keepDims, selectLastIndex: last)
                            let context = "\(dtype) \(shape) axis \(spelled) keepDims \(keepDims) last \(last)"
                            XCTAssertEqual(amax.dtype, .int64)
                            let rmax = Self.naiveArg(nx, axis: axis, largest: true, last: last, keepDims: keepDims)
                            let rmin = Self.naiveArg(nx, axis: axis, largest: false, last: last, keepDims: keepDims)
                            XCTAssertEqual(amax.shape, rmax.shape, context)
                            XCTAssertEqual(amax.doubles(), rmax.values, "argmax " + context)
                            XCTAssertEqual(amin.shape, rmin.shape, context)
                            XCTAssertEqual(amin.doubles(), rmin.values, "argmin " + context)
                        }
                    }
                }
            }
        }
        let (v, nv) = try rng.expandedOperand([3, 4, 2], .float32, 0, 3)
        XCTAssertEqual(try v.argmax(axis: 1, keepDims: false).doubles(), Self.naiveArg(nv, axis: 1, largest: true, last: false, keepDims: false).values)
        XCTAssertEqual(try v.argmin(axis: 2, keepDims: false, selectLastIndex: true).doubles(),
                       Self.naiveArg(nv, axis: 2, largest: false, last: true, keepDims: false).values)
    }

    // MARK: Backward

    func testReductionBackward() throws {
        var rng = TestRandom(seed: 56)
        let shape = [2, 3, 2]
        for op in ReduceOp.allCases {
            for axes in [[], [0], [1], [2], [0, 2], [-1, -2], [0, 1, 2]] {
                for keepDims in [false, true] {
                    // Distinct values, so max/min have a unique winner.
                    let x = try makeTensor(shape, rng.values(12, .float64, -3, 3), .float64)
                    try assertGradientsMatch([x]) { xs in try xs[0].reduce(op, axes: axes, keepDims: keepDims) }
                }
            }
        }
        let scalar = try makeTensor([], [0.7], .float64)
        for op in ReduceOp.allCases {
            try assertGradientsMatch([scalar]) { xs in try xs[0].reduce(op) }
        }
    }

    func testReductionBackwardThroughView() throws {
        var rng = TestRandom(seed: 57)
        let x = try makeTensor([3, 1], rng.values(3, .float64), .float64)
        for op in [ReduceOp.sum, .mean] {
            try assertGradientsMatch([x]) { xs in try xs[0].expanded(to: [2, 3, 4]).reduce(op, axes: [0, 2]) }
        }
    }

    func testMaxGradientIsSharedBetweenTies() throws {
        let p = Parameter(name: "x", value: try Tensor(shape: [2, 3], scalars: [1.0, 5, 5, 2, 2, 2]))
        try p.tensor.maximum(axes: [1]).sum().backward()
        XCTAssertEqual(p.grad?.doubles(), [0, 0.5, 0.5, 1.0 / 3, 1.0 / 3, 1.0 / 3])
        p.zeroGrad()
        try p.tensor.minimum().backward()
        XCTAssertEqual(p.grad?.doubles(), [1, 0, 0, 0, 0, 0])
    }
}
