import XCTest
@testable import TensorCore

final class ResizeTests: XCTestCase {
    /// Input coordinate of output position x along one axis, per the ONNX spec text
    /// (n input length, m integer output length).
    private func naiveCoordinate(_ x: Int, _ transformation: CoordinateTransformation, scale: Double, n: Int, m: Int) -> Double {
        let xr = Double(x)
        switch transformation {
        case .halfPixel: return (xr + 0.5) / scale - 0.5
        case .halfPixelSymmetric:
            let outputWidth = scale * Double(n)
            let adjustment = Double(m) / outputWidth
            let center = Double(n) / 2
            return center * (1 - adjustment) + (xr + 0.5) / scale - 0.5
        case .pytorchHalfPixel: return m > 1 ? (xr + 0.5) / scale - 0.5 : 0
        case .alignCorners: return m == 1 ? 0 : xr * Double(n - 1) / Double(m - 1)
        case .asymmetric: return xr / scale
        }
    }

    /// Nearest rounding written as shifted floor/ceil (independent of the kernel's fraction test).
    private func naiveRound(_ x: Double, _ rounding: NearestRounding) -> Int {
        switch rounding {
        case .roundPreferFloor: return Int((x - 0.5).rounded(.up))
        case .roundPreferCeil: return Int((x + 0.5).rounded(.down))
        case .floor: return Int(x.rounded(.down))
        case .ceil: return Int(x.rounded(.up))
        }
    }

    private func naiveNearest(_ x: NaiveArray, sizes: [Int], scales: [Double], _ t: CoordinateTransformation, _ r: NearestRounding) -> NaiveArray {
        var out = NaiveArray(repeating: 0, shape: sizes)
        for index in out.allIndices {
            var source: [Int] = []
            for a in 0..<sizes.count {
                let n = x.shape[a]
                if sizes[a] == n && scales[a] == 1 { source.append(index[a]); continue }
                let i = naiveRound(naiveCoordinate(index[a], t, scale: scales[a], n: n, m: sizes[a]), r)
                source.append(min(max(i, 0), n - 1))
            }
            out[index] = x[source]
        }
        return out
    }

    /// Multilinear interpolation summed over all 2^rank corners of the cell (not separable passes).
    private func naiveLinear(_ x: NaiveArray, sizes: [Int], scales: [Double], _ t: CoordinateTransformation) -> NaiveArray {
        let rank = sizes.count
        var out = NaiveArray(repeating: 0, shape: sizes)
        for index in out.allIndices {
            var lows: [Int] = [], highs: [Int] = [], fractions: [Double] = []
            for a in 0..<rank {
                let n = x.shape[a]
                let c = sizes[a] == n && scales[a] == 1 ? Double(index[a]) : naiveCoordinate(index[a], t, scale: scales[a], n: n, m: sizes[a])
                let f = c.rounded(.down)
                lows.append(min(max(Int(f), 0), n - 1))
                highs.append(min(max(Int(f) + 1, 0), n - 1))
                fractions.append(c - f)
            }
            var total = 0.0
            for corner in 0..<(1 << rank) {
                var weight = 1.0
                var source: [Int] = []
                for a in 0..<rank {
                    let high = (corner >> a) & 1 == 1
                    weight *= high ? fractions[a] : 1 - fractions[a]
                    source.append(high ? highs[a] : lows[a])
                }
                total += weight * x[source]
            }
            out[index] = total
        }
        return out
    }

    private func check(_ x: Tensor, expected: [Double], scales: [Float]? = nil, sizes: [Int]? = nil, mode: ResizeMode,
                       transformation: CoordinateTransformation = .halfPixel, rounding: NearestRounding = .roundPreferFloor,
                       file: StaticString = #filePath, line: UInt = #line) throws {
        let out: Tensor
        if let scales {
            out = try x.resized(scales: scales.map { Double($0) }, mode: mode, coordinateTransformation: transformation, nearestRounding: rounding)
        } else {
            out = try x.resized(sizes: sizes ?? [], mode: mode, coordinateTransformation: transformation, nearestRounding: rounding)
        }
        assertClose(out.doubles(), expected, abs: 1e-6, rel: 1e-6, file: file, line: line)
    }

    /// Expected values from the ONNX backend test data (onnx/backend/test/data/node/test_resize_*).
    func testONNXBackendCases() throws {
        let two = try Tensor(shape: [1, 1, 2, 2], scalars: [Float(1), 2, 3, 4])
        let twoByFour = try Tensor(shape: [1, 1, 2, 4], scalars: (1...8).map { Float($0) })
        let four = try Tensor(shape: [1, 1, 4, 4], scalars: (1...16).map { Float($0) })
        // test_resize_upsample_scales_linear (half_pixel).
        try check(two, expected: [1.0, 1.25, 1.75, 2.0, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3.0, 3.25, 3.75, 4.0],
                  scales: [1, 1, 2, 2], mode: .linear)
        // test_resize_upsample_scales_linear_align_corners.
        try check(two, expected: [1.0, 4.0 / 3, 5.0 / 3, 2.0, 5.0 / 3, 2.0, 7.0 / 3, 8.0 / 3, 7.0 / 3, 8.0 / 3, 3.0, 10.0 / 3, 3.0, 10.0 / 3, 11.0 / 3, 4.0],
                  scales: [1, 1, 2, 2], mode: .linear, transformation: .alignCorners)
        // test_resize_downsample_scales_linear.
        try check(twoByFour, expected: [2.6666665077209473, 4.3333330154418945], scales: [1, 1, 0.6, 0.6], mode: .linear)
        // test_resize_downsample_scales_linear_align_corners expects [1, 3.142857]: the ONNX reference
        // divides by n·scale − 1 = 1.4. The spec's text and onnxruntime use the integer output
        // length (m − 1 = 1), which gives [1, 4]; Winnow follows onnxruntime.
        try check(twoByFour, expected: [1.0, 4.0], scales: [1, 1, 0.6, 0.6], mode: .linear, transformation: .alignCorners)
        // test_resize_downsample_sizes_linear_pytorch_half_pixel.
        try check(four, expected: [1.6666666269302368, 7.0, 12.333333015441895], sizes: [1, 1, 3, 1], mode: .linear, transformation: .pytorchHalfPixel)
        // test_resize_upsample_scales_nearest.
        try check(two, expected: [1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4], scales: [1, 1, 2, 3], mode: .nearest)
        // test_resize_downsample_scales_nearest.
        try check(twoByFour, expected: [1, 3], scales: [1, 1, 0.6, 0.6], mode: .nearest)
        // test_resize_upsample_sizes_nearest.
        try check(two, expected: [1, 1, 1, 1, 2, 2, 2, 2, 1, 1, 1, 1, 2, 2, 2, 2, 1, 1, 1, 1, 2, 2, 2, 2, 1, 1, 1, 1, 2, 2, 2, 2,
                                  3, 3, 3, 3, 4, 4, 4, 4, 3, 3, 3, 3, 4, 4, 4, 4, 3, 3, 3, 3, 4, 4, 4, 4],
                  sizes: [1, 1, 7, 8], mode: .nearest)
        // test_resize_downsample_sizes_nearest.
        try check(twoByFour, expected: [1, 2, 4], sizes: [1, 1, 1, 3], mode: .nearest)
        // test_resize_upsample_sizes_nearest_ceil_half_pixel and ..._round_prefer_ceil_asymmetric
        // (both give the same values).
        let ceilRows: [[Double]] = [[1, 2, 2, 3, 3, 4, 4, 4], [5, 6, 6, 7, 7, 8, 8, 8], [5, 6, 6, 7, 7, 8, 8, 8],
                                    [9, 10, 10, 11, 11, 12, 12, 12], [9, 10, 10, 11, 11, 12, 12, 12],
                                    [13, 14, 14, 15, 15, 16, 16, 16], [13, 14, 14, 15, 15, 16, 16, 16], [13, 14, 14, 15, 15, 16, 16, 16]]
        try check(four, expected: ceilRows.flatMap { $0 }, sizes: [1, 1, 8, 8], mode: .nearest, rounding: .ceil)
        try check(four, expected: ceilRows.flatMap { $0 }, sizes: [1, 1, 8, 8], mode: .nearest, transformation: .asymmetric, rounding: .roundPreferCeil)
        // test_resize_upsample_sizes_nearest_floor_align_corners.
        let floorRows: [[Double]] = [[1, 1, 1, 2, 2, 3, 3, 4], [1, 1, 1, 2, 2, 3, 3, 4], [1, 1, 1, 2, 2, 3, 3, 4],
                                     [5, 5, 5, 6, 6, 7, 7, 8], [5, 5, 5, 6, 6, 7, 7, 8],
                                     [9, 9, 9, 10, 10, 11, 11, 12], [9, 9, 9, 10, 10, 11, 11, 12], [13, 13, 13, 14, 14, 15, 15, 16]]
        try check(four, expected: floorRows.flatMap { $0 }, sizes: [1, 1, 8, 8], mode: .nearest, transformation: .alignCorners, rounding: .floor)
    }

    private let scaleChoices: [Double] = [0.5, 0.6, 0.75, 1, 1, 1.3, 1.5, 2, 3]

    private func randomTarget(_ shape: [Int], _ rng: inout TestRandom) -> (sizes: [Int], scales: [Double], byScales: Bool) {
        if rng.int(0, 1) == 0 {
            let scales = shape.map { _ in scaleChoices[rng.int(0, scaleChoices.count - 1)] }
            return (zip(shape, scales).map { Int((Double($0) * $1).rounded(.down)) }, scales, true)
        }
        let sizes = shape.map { rng.int(1, 2 * $0 + 1) }
        return (sizes, zip(sizes, shape).map { Double($0) / Double($1) }, false)
    }

    func testRandomNearestEveryModeAndDType() throws {
        var rng = TestRandom(seed: 61)
        for trial in 0..<150 {
            let dtype = allShapeTestDTypes[trial % allShapeTestDTypes.count]
            let transformation = CoordinateTransformation.allCases[rng.int(0, CoordinateTransformation.allCases.count - 1)]
            let rounding = NearestRounding.allCases[rng.int(0, NearestRounding.allCases.count - 1)]
            let shape = rng.shape(rank: rng.int(1, 4), maxLength: 5)
            let target = randomTarget(shape, &rng)
            let x = rng.anyTensor(shape, dtype: dtype)
            let out = target.byScales
                ? try x.resized(scales: target.scales, mode: .nearest, coordinateTransformation: transformation, nearestRounding: rounding)
                : try x.resized(sizes: target.sizes, mode: .nearest, coordinateTransformation: transformation, nearestRounding: rounding)
            let expected = naiveNearest(NaiveArray(x), sizes: target.sizes, scales: target.scales, transformation, rounding)
            XCTAssertEqual(out.dtype, dtype)
            XCTAssertEqual(out.shape, expected.shape, "trial \(trial)")
            XCTAssertEqual(out.doubles(), expected.values, "trial \(trial) \(transformation) \(rounding) \(shape) → \(target.sizes)")
        }
    }

    func testRandomLinearEveryMode() throws {
        var rng = TestRandom(seed: 62)
        for trial in 0..<120 {
            let dtype: DType = trial % 2 == 0 ? .float64 : .float32
            let transformation = CoordinateTransformation.allCases[trial % CoordinateTransformation.allCases.count]
            let shape = rng.shape(rank: rng.int(1, 4), maxLength: 5)
            let target = randomTarget(shape, &rng)
            let x = rng.tensor(shape, dtype: dtype)
            let out = target.byScales
                ? try x.resized(scales: target.scales, mode: .linear, coordinateTransformation: transformation)
                : try x.resized(sizes: target.sizes, mode: .linear, coordinateTransformation: transformation)
            let expected = naiveLinear(NaiveArray(x), sizes: target.sizes, scales: target.scales, transformation)
            XCTAssertEqual(out.shape, expected.shape, "trial \(trial)")
            let tolerance = dtype == .float64 ? 1e-12 : 1e-5
            assertClose(out.doubles(), expected.values, abs: tolerance, rel: tolerance, "trial \(trial) \(transformation) \(shape) → \(target.sizes)")
        }
    }

    func testLargeBilinearAndNearestMatchNaive() throws {
        var rng = TestRandom(seed: 63)
        let x = rng.tensor([2, 8, 40, 50], dtype: .float32)
        let naive = NaiveArray(x)
        let up = try x.resized(scales: [1, 1, 2, 2], mode: .linear)
        assertClose(up.doubles(), naiveLinear(naive, sizes: [2, 8, 80, 100], scales: [1, 1, 2, 2], .halfPixel).values, abs: 1e-5, rel: 1e-5)
        let down = try x.resized(sizes: [2, 8, 17, 23], mode: .linear, coordinateTransformation: .alignCorners)
        assertClose(down.doubles(), naiveLinear(naive, sizes: [2, 8, 17, 23], scales: [1, 1, 17.0 / 40, 23.0 / 50], .alignCorners).values, abs: 1e-5, rel: 1e-5)
        let nearest = try x.resized(scales: [1, 1, 2, 2], mode: .nearest, coordinateTransformation: .asymmetric, nearestRounding: .floor)
        XCTAssertEqual(nearest.doubles(), naiveNearest(naive, sizes: [2, 8, 80, 100], scales: [1, 1, 2, 2], .asymmetric, .floor).values)
    }

    func testErrors() {
        let x = Tensor(zeros: [1, 1, 2, 2])
        assertThrowsTensorError(try x.resized(scales: [1, 2, 2]))
        assertThrowsTensorError(try x.resized(scales: [1, 1, 0, 2]))
        assertThrowsTensorError(try x.resized(scales: [1, 1, -2, 2]))
        assertThrowsTensorError(try x.resized(scales: [1, 1, .nan, 2]))
        assertThrowsTensorError(try x.resized(scales: [1, 1, .infinity, 2]))
        assertThrowsTensorError(try x.resized(sizes: [1, 1, -1, 2]))
        assertThrowsTensorError(try x.resized(sizes: [1, 1, 4]))
        assertThrowsTensorError(try Tensor(zeros: [1, 2], dtype: .int64).resized(scales: [1, 2], mode: .linear))
        assertThrowsTensorError(try Tensor(zeros: [0, 2]).resized(sizes: [2, 2]))
    }

    func testGradients() throws {
        var rng = TestRandom(seed: 64)
        for transformation in CoordinateTransformation.allCases {
            try assertGradientsMatch([rng.tensor([1, 2, 3, 4])]) {
                try $0[0].resized(scales: [1, 1, 2, 1.5], mode: .linear, coordinateTransformation: transformation)
            }
            try assertGradientsMatch([rng.tensor([2, 5, 4])]) {
                try $0[0].resized(sizes: [2, 3, 7], mode: .linear, coordinateTransformation: transformation)
            }
            try assertGradientsMatch([rng.tensor([1, 1, 3, 4])]) {
                try $0[0].resized(scales: [1, 1, 2, 0.6], mode: .nearest, coordinateTransformation: transformation, nearestRounding: .roundPreferCeil)
            }
        }
    }
}
