import Foundation
import XCTest
@testable import TensorCore

/// Normalization kernels against naive references over [Double] with explicit indices.
final class NormalizationTests: XCTestCase {

    // MARK: Naive references

    private func spatialSize(_ shape: [Int]) -> Int { shape[2...].reduce(1, *) }

    private func referenceBatchNorm(_ x: [Double], shape: [Int], scale: [Double], bias: [Double],
                                    mean: [Double], variance: [Double], epsilon: Double) -> [Double] {
        let n = shape[0], c = shape[1], s = spatialSize(shape)
        var y = [Double](repeating: 0, count: x.count)
        for b in 0..<n {
            for k in 0..<c {
                for i in 0..<s {
                    let index = (b * c + k) * s + i
                    y[index] = (x[index] - mean[k]) / (variance[k] + epsilon).squareRoot() * scale[k] + bias[k]
                }
            }
        }
        return y
    }

    /// Per-channel mean and biased variance over batch and spatial axes.
    private func referenceBatchStatistics(_ x: [Double], shape: [Int]) -> (mean: [Double], variance: [Double]) {
        let n = shape[0], c = shape[1], s = spatialSize(shape)
        var mean = [Double](repeating: 0, count: c), variance = [Double](repeating: 0, count: c)
        for k in 0..<c {
            var total = 0.0
            for b in 0..<n { for i in 0..<s { total += x[(b * c + k) * s + i] } }
            mean[k] = total / Double(n * s)
            var squares = 0.0
            for b in 0..<n { for i in 0..<s { squares += pow(x[(b * c + k) * s + i] - mean[k], 2) } }
            variance[k] = squares / Double(n * s)
        }
        return (mean, variance)
    }

    /// Group normalization; instance normalization is the case groups == C.
    private func referenceGroupNorm(_ x: [Double], shape: [Int], groups: Int, scale: [Double], bias: [Double], epsilon: Double) -> [Double] {
        let n = shape[0], c = shape[1], s = spatialSize(shape)
        let perGroup = c / groups
        var y = [Double](repeating: 0, count: x.count)
        for b in 0..<n {
            for g in 0..<groups {
                var values: [Double] = []
                for k in (g * perGroup)..<((g + 1) * perGroup) { for i in 0..<s { values.append(x[(b * c + k) * s + i]) } }
                let mean = values.reduce(0, +) / Double(values.count)
                let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)
                for k in (g * perGroup)..<((g + 1) * perGroup) {
                    for i in 0..<s {
                        let index = (b * c + k) * s + i
                        y[index] = (x[index] - mean) / (variance + epsilon).squareRoot() * scale[k] + bias[k]
                    }
                }
            }
        }
        return y
    }

    /// Layer normalization over axes axis..<rank; `scale`/`bias` given already expanded to D values.
    private func referenceLayerNorm(_ x: [Double], shape: [Int], axis: Int, scale: [Double], bias: [Double], epsilon: Double) -> [Double] {
        let d = shape[axis...].reduce(1, *)
        let rows = shape[..<axis].reduce(1, *)
        var y = [Double](repeating: 0, count: x.count)
        for r in 0..<rows {
            let row = Array(x[(r * d)..<((r + 1) * d)])
            let mean = row.reduce(0, +) / Double(d)
            let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(d)
            for j in 0..<d { y[r * d + j] = (row[j] - mean) / (variance + epsilon).squareRoot() * scale[j] + bias[j] }
        }
        return y
    }

    private func vector(_ values: [Double]) -> Tensor { try! Tensor(shape: [values.count], scalars: values) }

    private func randomShape(_ rng: inout TestRandom, channels: Int) -> [Int] {
        [rng.int(1, 3), channels] + (0..<rng.int(0, 2)).map { _ in rng.int(1, 5) }
    }

    // MARK: Forward

    func testBatchNormInferenceMatchesReference() throws {
        var rng = TestRandom(seed: 41)
        for _ in 0..<20 {
            let c = rng.int(1, 4)
            let shape = randomShape(&rng, channels: c)
            let x = rng.tensor(shape, dtype: .float64, -3, 3)
            let scale = rng.doubles(c), bias = rng.doubles(c), mean = rng.doubles(c), variance = rng.doubles(c, 0.1, 2)
            let epsilon = rng.uniform(1e-6, 1e-2)
            let y = try x.batchNormalization(scale: vector(scale), bias: vector(bias), mean: vector(mean), variance: vector(variance), epsilon: epsilon)
            assertClose(y.doubles(), referenceBatchNorm(x.doubles(), shape: shape, scale: scale, bias: bias, mean: mean, variance: variance, epsilon: epsilon),
                        abs: 1e-12, rel: 1e-12, "shape \(shape)")
        }
    }

    func testBatchNormTrainingMatchesReferenceAndUpdatesRunningStatistics() throws {
        var rng = TestRandom(seed: 42)
        for trial in 0..<20 {
            let c = rng.int(1, 4)
            var shape = randomShape(&rng, channels: c)
            if shape.reduce(1, *) / c < 2 { shape[0] = 2 }
            let count = Double(shape.reduce(1, *) / c)
            let x = rng.tensor(shape, dtype: .float64, -3, 3)
            let scale = rng.doubles(c), bias = rng.doubles(c), runningMean = rng.doubles(c), runningVariance = rng.doubles(c, 0.1, 2)
            let momentum = trial == 0 ? 0.9 : rng.uniform(0, 1)
            let unbiased = trial % 2 == 0
            let result = try x.batchNormalizationTraining(scale: vector(scale), bias: vector(bias), runningMean: vector(runningMean),
                                                          runningVariance: vector(runningVariance), momentum: momentum,
                                                          epsilon: 1e-5, unbiasedRunningVariance: unbiased)
            let stats = referenceBatchStatistics(x.doubles(), shape: shape)
            assertClose(result.output.doubles(),
                        referenceBatchNorm(x.doubles(), shape: shape, scale: scale, bias: bias, mean: stats.mean, variance: stats.variance, epsilon: 1e-5),
                        abs: 1e-10, rel: 1e-10, "shape \(shape)")
            let expectedMean = (0..<c).map { momentum * runningMean[$0] + (1 - momentum) * stats.mean[$0] }
            let expectedVariance = (0..<c).map {
                momentum * runningVariance[$0] + (1 - momentum) * stats.variance[$0] * (unbiased ? count / (count - 1) : 1)
            }
            assertClose(result.runningMean.doubles(), expectedMean, abs: 1e-12, rel: 1e-12)
            assertClose(result.runningVariance.doubles(), expectedVariance, abs: 1e-12, rel: 1e-12)
            XCTAssertEqual(result.runningMean.shape, [c])
        }
        // The defaults: momentum 0.9, unbiased running variance.
        let x = try Tensor(shape: [2, 1], scalars: [1.0, 3])
        let result = try x.batchNormalizationTraining(scale: vector([1]), bias: vector([0]), runningMean: vector([0]), runningVariance: vector([1]))
        XCTAssertEqual(try result.runningMean.item(), 0.2, accuracy: 1e-12)
        XCTAssertEqual(try result.runningVariance.item(), 0.9 + 0.1 * 2, accuracy: 1e-12)
    }

    func testInstanceAndGroupNormMatchReference() throws {
        var rng = TestRandom(seed: 43)
        // (channels, groups): odd group counts, one group, one channel per group.
        for (c, groups) in [(6, 3), (3, 3), (5, 1), (6, 2), (1, 1), (9, 3), (4, 4)] {
            for _ in 0..<3 {
                let shape = randomShape(&rng, channels: c)
                let x = rng.tensor(shape, dtype: .float64, -3, 3)
                let scale = rng.doubles(c), bias = rng.doubles(c)
                let epsilon = rng.uniform(1e-6, 1e-2)
                let y = try x.groupNormalization(groups: groups, scale: vector(scale), bias: vector(bias), epsilon: epsilon)
                assertClose(y.doubles(), referenceGroupNorm(x.doubles(), shape: shape, groups: groups, scale: scale, bias: bias, epsilon: epsilon),
                            abs: 1e-10, rel: 1e-10, "group: shape \(shape) groups \(groups)")
                let instance = try x.instanceNormalization(scale: vector(scale), bias: vector(bias), epsilon: epsilon)
                assertClose(instance.doubles(), referenceGroupNorm(x.doubles(), shape: shape, groups: c, scale: scale, bias: bias, epsilon: epsilon),
                            abs: 1e-10, rel: 1e-10, "instance: shape \(shape)")
            }
        }
    }

    func testLayerNormMatchesReference() throws {
        var rng = TestRandom(seed: 44)
        for _ in 0..<25 {
            let rank = rng.int(1, 4)
            let shape = (0..<rank).map { _ in rng.int(1, 5) }
            let axis = rng.int(-rank, rank - 1)
            let a = axis < 0 ? axis + rank : axis
            let normalized = Array(shape[a...])
            let d = normalized.reduce(1, *)
            let x = rng.tensor(shape, dtype: .float64, -3, 3)
            let scale = rng.doubles(d), bias = rng.doubles(d)
            let y = try x.layerNormalization(axis: axis, scale: Tensor(shape: normalized, scalars: scale), bias: Tensor(shape: normalized, scalars: bias))
            assertClose(y.doubles(), referenceLayerNorm(x.doubles(), shape: shape, axis: a, scale: scale, bias: bias, epsilon: 1e-5),
                        abs: 1e-10, rel: 1e-10, "shape \(shape) axis \(axis)")
            let noBias = try x.layerNormalization(axis: axis, scale: Tensor(shape: normalized, scalars: scale))
            assertClose(noBias.doubles(), referenceLayerNorm(x.doubles(), shape: shape, axis: a, scale: scale,
                                                             bias: [Double](repeating: 0, count: d), epsilon: 1e-5),
                        abs: 1e-10, rel: 1e-10, "no bias: shape \(shape) axis \(axis)")
        }
    }

    func testLayerNormBroadcastsScaleAndBias() throws {
        var rng = TestRandom(seed: 45)
        let shape = [2, 3, 4]
        let x = rng.tensor(shape, dtype: .float64)
        // scale [4] over normalised shape [3, 4] (repeats over the 3 rows); bias [1, 3, 1].
        let scale = rng.doubles(4), bias = rng.doubles(3)
        let expandedScale = (0..<12).map { scale[$0 % 4] }, expandedBias = (0..<12).map { bias[$0 / 4] }
        let y = try x.layerNormalization(axis: 1, scale: vector(scale), bias: Tensor(shape: [1, 3, 1], scalars: bias))
        assertClose(y.doubles(), referenceLayerNorm(x.doubles(), shape: shape, axis: 1, scale: expandedScale, bias: expandedBias, epsilon: 1e-5),
                    abs: 1e-10, rel: 1e-10)
    }

    func testLargeMeanFloat32UsesFloat64Statistics() throws {
        var rng = TestRandom(seed: 46)
        // Values near 1000 with unit spread: a Float32 one-pass variance would lose most digits.
        let x32 = try rng.tensor([4, 3, 6, 6], dtype: .float64, -1, 1).adding(1000).cast(to: .float32)
        let x64 = try x32.cast(to: .float64)
        let scale = rng.doubles(3), bias = rng.doubles(3)
        let s32 = try vector(scale).cast(to: .float32), b32 = try vector(bias).cast(to: .float32)
        let s64 = try s32.cast(to: .float64), b64 = try b32.cast(to: .float64)
        let r32 = try vector([0, 0, 0]).cast(to: .float32), v32 = try vector([1, 1, 1]).cast(to: .float32)
        let r64 = try r32.cast(to: .float64), v64 = try v32.cast(to: .float64)
        let pairs: [(String, Tensor, Tensor)] = [
            ("batch", try x32.batchNormalizationTraining(scale: s32, bias: b32, runningMean: r32, runningVariance: v32).output,
                      try x64.batchNormalizationTraining(scale: s64, bias: b64, runningMean: r64, runningVariance: v64).output),
            ("batch inference", try x32.batchNormalization(scale: s32, bias: b32, mean: try vector([1000, 1000, 1000]).cast(to: .float32), variance: v32),
                                try x64.batchNormalization(scale: s64, bias: b64, mean: vector([1000, 1000, 1000]), variance: v64)),
            ("instance", try x32.instanceNormalization(scale: s32, bias: b32), try x64.instanceNormalization(scale: s64, bias: b64)),
            ("group", try x32.groupNormalization(groups: 3, scale: s32, bias: b32), try x64.groupNormalization(groups: 3, scale: s64, bias: b64)),
            ("layer", try x32.layerNormalization(axis: 1, scale: Tensor(repeating: 1.5, shape: [3, 6, 6], dtype: .float32)),
                      try x64.layerNormalization(axis: 1, scale: Tensor(repeating: 1.5, shape: [3, 6, 6], dtype: .float64))),
        ]
        for (name, a, b) in pairs {
            XCTAssertEqual(a.dtype, .float32, name)
            assertClose(a.doubles(), b.doubles(), abs: 2e-4, rel: 1e-4, name)
        }
    }

    /// The float32 training kernel (16-lane plane sums, shifted statistics, fused passes) against
    /// the Float64 path on the same values: output, running statistics and all three gradients,
    /// for planes that are and are not multiples of the vector width, rank 2 and 3, and a mean
    /// far from zero.
    func testFloat32BatchNormTrainingMatchesFloat64Path() throws {
        var rng = TestRandom(seed: 47)
        for (shape, offset) in [([5, 3, 7, 7], 0.0), ([8, 4, 4, 4], 0.0), ([3, 2, 33], 0.5), ([6, 3], 0.0), ([4, 2, 9, 9], 200.0)] {
            let c = shape[1]
            let x64 = try rng.tensor(shape, dtype: .float64, -2, 2).adding(offset).cast(to: .float32).cast(to: .float64)
            let weights64 = try rng.tensor(shape, dtype: .float64, -1, 1).cast(to: .float32).cast(to: .float64)
            let scale = rng.doubles(c), bias = rng.doubles(c), mean = rng.doubles(c)
            let variance = rng.doubles(c).map { 1 + 0.5 * $0 }
            func run(_ dtype: DType) throws -> [[Double]] {
                let px = Parameter(name: "x", value: try x64.cast(to: dtype))
                let ps = Parameter(name: "s", value: try vector(scale).cast(to: dtype))
                let pb = Parameter(name: "b", value: try vector(bias).cast(to: dtype))
                let result = try px.tensor.batchNormalizationTraining(
                    scale: ps.tensor, bias: pb.tensor, runningMean: try vector(mean).cast(to: dtype),
                    runningVariance: try vector(variance).cast(to: dtype), momentum: 0.9, epsilon: 1e-5)
                try result.output.multiplying(try weights64.cast(to: dtype)).sum().backward()
                return [result.output.doubles(), result.runningMean.doubles(), result.runningVariance.doubles(),
                        px.grad?.doubles() ?? [], ps.grad?.doubles() ?? [], pb.grad?.doubles() ?? []]
            }
            let fast = try run(.float32), reference = try run(.float64)
            for (index, name) in ["output", "running mean", "running variance", "dx", "dscale", "dbias"].enumerated() {
                let a = fast[index], b = reference[index]
                XCTAssertFalse(b.isEmpty, "\(shape) \(name)")
                let magnitude = b.map(abs).max() ?? 1
                assertClose(a, b, abs: 2e-5 * Swift.max(magnitude, 1), rel: 1e-4, "\(shape) offset \(offset) \(name)")
            }
        }
    }

    // MARK: Backward

    func testBatchNormInferenceGradients() throws {
        var rng = TestRandom(seed: 51)
        for shape in [[2, 3, 2, 2], [3, 2], [1, 1, 5]] {
            let c = shape[1]
            try assertGradientsMatch([rng.tensor(shape), rng.tensor([c]), rng.tensor([c]), rng.tensor([c]), rng.tensor([c], dtype: .float64, 0.5, 1.5)]) {
                try $0[0].batchNormalization(scale: $0[1], bias: $0[2], mean: $0[3], variance: $0[4], epsilon: 1e-3)
            }
        }
    }

    func testBatchNormTrainingGradients() throws {
        var rng = TestRandom(seed: 52)
        for shape in [[2, 3, 2, 2], [4, 2], [1, 2, 5], [3, 1, 1, 3]] {
            let c = shape[1]
            let runningMean = rng.tensor([c]), runningVariance = rng.tensor([c], dtype: .float64, 0.5, 1.5)
            try assertGradientsMatch([rng.tensor(shape), rng.tensor([c]), rng.tensor([c])]) {
                try $0[0].batchNormalizationTraining(scale: $0[1], bias: $0[2], runningMean: runningMean,
                                                     runningVariance: runningVariance, epsilon: 1e-3).output
            }
        }
    }

    func testInstanceNormGradients() throws {
        var rng = TestRandom(seed: 53)
        for shape in [[2, 3, 2, 2], [1, 2, 5], [3, 1, 4]] {
            let c = shape[1]
            try assertGradientsMatch([rng.tensor(shape), rng.tensor([c]), rng.tensor([c])]) {
                try $0[0].instanceNormalization(scale: $0[1], bias: $0[2], epsilon: 1e-3)
            }
        }
    }

    func testGroupNormGradients() throws {
        var rng = TestRandom(seed: 54)
        for (shape, groups) in [([2, 6, 2, 2], 3), ([1, 3, 4], 1), ([2, 5, 3], 5), ([1, 4, 1, 1], 2)] {
            let c = shape[1]
            try assertGradientsMatch([rng.tensor(shape), rng.tensor([c]), rng.tensor([c])]) {
                try $0[0].groupNormalization(groups: groups, scale: $0[1], bias: $0[2], epsilon: 1e-3)
            }
        }
    }

    func testLayerNormGradients() throws {
        var rng = TestRandom(seed: 55)
        for (shape, axis, scaleShape, biasShape) in [([3, 4], -1, [4], [4]), ([2, 3, 4], 1, [3, 4], [3, 4]),
                                                     ([2, 3, 4], 1, [4], [1, 3, 1]), ([2, 2, 3], 0, [2, 2, 3], [3]), ([5], 0, [1], [5])] {
            try assertGradientsMatch([rng.tensor(shape), rng.tensor(scaleShape), rng.tensor(biasShape)]) {
                try $0[0].layerNormalization(axis: axis, scale: $0[1], bias: $0[2], epsilon: 1e-3)
            }
        }
        try assertGradientsMatch([rng.tensor([3, 5]), rng.tensor([5])]) {
            try $0[0].layerNormalization(scale: $0[1], epsilon: 1e-3)
        }
    }

    // MARK: Errors

    func testInvalidArgumentsThrow() throws {
        let x = Tensor(zeros: [2, 4, 3], dtype: .float64)
        let c4 = Tensor(zeros: [4], dtype: .float64), ones4 = Tensor(repeating: 1, shape: [4], dtype: .float64)
        func assertInvalid<R>(_ body: @autoclosure () throws -> R, _ message: String, line: UInt = #line) {
            XCTAssertThrowsError(try body(), message, line: line) { error in
                XCTAssertTrue(error is TensorError, "\(message): \(error)", line: line)
            }
        }
        assertInvalid(try Tensor(zeros: [4], dtype: .float64).batchNormalization(scale: c4, bias: c4, mean: c4, variance: ones4), "rank 1")
        assertInvalid(try x.batchNormalization(scale: Tensor(zeros: [3], dtype: .float64), bias: c4, mean: c4, variance: ones4), "scale size")
        assertInvalid(try x.batchNormalization(scale: Tensor(zeros: [4]), bias: c4, mean: c4, variance: ones4), "scale dtype")
        assertInvalid(try x.batchNormalization(scale: c4, bias: c4, mean: c4, variance: ones4, epsilon: -1), "negative epsilon")
        assertInvalid(try Tensor(zeros: [2, 4], dtype: .int64).batchNormalization(scale: c4, bias: c4, mean: c4, variance: ones4), "int64 input")
        assertInvalid(try x.batchNormalizationTraining(scale: c4, bias: c4, runningMean: c4, runningVariance: ones4, momentum: 1.5), "momentum")
        assertInvalid(try Tensor(zeros: [1, 4], dtype: .float64).batchNormalizationTraining(scale: c4, bias: c4, runningMean: c4, runningVariance: ones4),
                      "one value per channel")
        assertInvalid(try x.instanceNormalization(scale: Tensor(zeros: [4, 1], dtype: .float64), bias: c4), "instance scale shape")
        assertInvalid(try x.groupNormalization(groups: 3, scale: c4, bias: c4), "groups do not divide channels")
        assertInvalid(try x.groupNormalization(groups: 0, scale: c4, bias: c4), "zero groups")
        assertInvalid(try x.layerNormalization(axis: 3, scale: Tensor(zeros: [3], dtype: .float64)), "axis out of range")
        assertInvalid(try x.layerNormalization(scale: Tensor(zeros: [4], dtype: .float64)), "scale not broadcastable")
        assertInvalid(try x.layerNormalization(scale: Tensor(zeros: [3], dtype: .float64), bias: Tensor(zeros: [2], dtype: .float64)), "bias not broadcastable")
        assertInvalid(try x.layerNormalization(axis: 1, scale: Tensor(zeros: [2, 4, 3], dtype: .float64)), "scale of higher rank")
        assertInvalid(try Tensor(scalar: 1.0).layerNormalization(scale: Tensor(scalar: 1.0)), "scalar input")
    }
}
