import Foundation
import XCTest
@testable import TensorCore

/// Softmax and log-softmax against a naive reference over [Double] with explicit indices.
final class SoftmaxTests: XCTestCase {

    private func referenceSoftmax(_ x: [Double], shape: [Int], axis: Int, logarithm: Bool) -> [Double] {
        let outer = shape[..<axis].reduce(1, *)
        let size = shape[axis]
        let inner = shape[(axis + 1)...].reduce(1, *)
        var out = [Double](repeating: 0, count: x.count)
        for o in 0..<outer {
            for i in 0..<inner {
                var largest = -Double.infinity
                for k in 0..<size { largest = max(largest, x[(o * size + k) * inner + i]) }
                var total = 0.0
                for k in 0..<size { total += Foundation.exp(x[(o * size + k) * inner + i] - largest) }
                for k in 0..<size {
                    let index = (o * size + k) * inner + i
                    out[index] = logarithm ? x[index] - largest - Foundation.log(total)
                                           : Foundation.exp(x[index] - largest) / total
                }
            }
        }
        return out
    }

    func testMatchesReferenceOnRandomShapesAndAxes() throws {
        var rng = TestRandom(seed: 31)
        for _ in 0..<60 {
            let rank = rng.int(1, 4)
            let shape = (0..<rank).map { _ in rng.int(1, 5) }
            let axis = rng.int(-rank, rank - 1)
            let normalizedAxis = axis < 0 ? axis + rank : axis
            let x = rng.tensor(shape, dtype: .float64, -5, 5)
            for logarithm in [false, true] {
                let y = logarithm ? try x.logSoftmax(axis: axis) : try x.softmax(axis: axis)
                XCTAssertEqual(y.shape, shape)
                assertClose(y.doubles(), referenceSoftmax(x.doubles(), shape: shape, axis: normalizedAxis, logarithm: logarithm),
                            abs: 1e-12, rel: 1e-12, "shape \(shape) axis \(axis) log \(logarithm)")
            }
        }
    }

    func testWideInnerBlocksAndLargeValuesStayStable() throws {
        var rng = TestRandom(seed: 32)
        // inner = 150 crosses the 64-column blocks; values near 1000 would overflow a naive exp.
        let shape = [2, 7, 150]
        let x = try rng.tensor(shape, dtype: .float64, -3, 3).adding(1000)
        let y = try x.softmax(axis: 1)
        assertClose(y.doubles(), referenceSoftmax(x.doubles(), shape: shape, axis: 1, logarithm: false), abs: 1e-12, rel: 1e-10)
        let logY = try x.logSoftmax(axis: 1)
        XCTAssertFalse(logY.doubles().contains { !$0.isFinite })
        assertClose(logY.doubles(), referenceSoftmax(x.doubles(), shape: shape, axis: 1, logarithm: true), abs: 1e-10, rel: 1e-10)
    }

    func testSizeOneAxisAndMaskedEntries() throws {
        let x = try Tensor(shape: [3, 1], scalars: [1.0, -2, 7])
        XCTAssertEqual(try x.softmax(axis: 1).doubles(), [1, 1, 1])
        XCTAssertEqual(try x.logSoftmax(axis: 1).doubles(), [0, 0, 0])
        let masked = try Tensor(shape: [1, 3], scalars: [0.0, -.infinity, 0])
        XCTAssertEqual(try masked.softmax().doubles(), [0.5, 0, 0.5])
        XCTAssertEqual(try masked.logSoftmax().doubles()[1], -.infinity)
        let empty = Tensor(zeros: [0, 4], dtype: .float64)
        XCTAssertEqual(try empty.softmax().shape, [0, 4])
    }

    func testFloat32AgreesWithFloat64() throws {
        var rng = TestRandom(seed: 33)
        let x64 = rng.tensor([3, 5, 70], dtype: .float64, -4, 4)
        let x32 = try x64.cast(to: .float32)
        for axis in [0, 1, 2] {
            let s = try x32.softmax(axis: axis)
            XCTAssertEqual(s.dtype, .float32)
            assertClose(s.doubles(), try x64.softmax(axis: axis).doubles(), abs: 1e-6, rel: 1e-5)
            assertClose(try x32.logSoftmax(axis: axis).doubles(), try x64.logSoftmax(axis: axis).doubles(), abs: 1e-5, rel: 1e-5)
        }
    }

    func testGradients() throws {
        var rng = TestRandom(seed: 34)
        for (shape, axis) in [([4, 5], 1), ([2, 3, 4], 1), ([3, 2, 2], 0), ([5], -1), ([2, 1, 3], 1), ([1, 3, 70], -2)] {
            let x = rng.tensor(shape, dtype: .float64, -2, 2)
            try assertGradientsMatch([x]) { try $0[0].softmax(axis: axis) }
            try assertGradientsMatch([x]) { try $0[0].logSoftmax(axis: axis) }
        }
    }

    func testInvalidArgumentsThrow() throws {
        XCTAssertThrowsError(try Tensor(scalar: 1.0).softmax())
        XCTAssertThrowsError(try Tensor(zeros: [2, 3]).softmax(axis: 2))
        XCTAssertThrowsError(try Tensor(zeros: [2, 3]).logSoftmax(axis: -3))
        XCTAssertThrowsError(try Tensor(zeros: [2, 3], dtype: .int64).softmax()) { error in
            XCTAssertEqual(error as? TensorError, .unsupportedDType(op: "Softmax", dtype: .int64))
        }
    }
}
