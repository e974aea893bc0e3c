import XCTest
@testable import TensorCore
#if canImport(Glibc)
import Glibc
#endif

/// The tape: accumulation, noGrad, shared parameters, seeds and misuse errors.
final class AutogradTests: XCTestCase {

    func testGradientsAccumulateAcrossBackwardCalls() throws {
        let p = Parameter(name: "w", value: try Tensor(shape: [3], scalars: [1.0, 2, 3]))
        try p.tensor.multiplying(2).sum().backward()
        XCTAssertEqual(p.grad?.doubles(), [2, 2, 2])
        try p.tensor.binary(.multiply, p.tensor).sum().backward()
        XCTAssertEqual(p.grad?.doubles(), [4, 6, 8], "second backward adds 2·w")
        p.zeroGrad()
        XCTAssertNil(p.grad)
        try p.tensor.sum().backward()
        XCTAssertEqual(p.grad?.doubles(), [1, 1, 1])
    }

    func testSameGraphBackwardTwiceAccumulates() throws {
        let p = Parameter(name: "w", value: try Tensor(shape: [2], scalars: [0.5, -1.5]))
        let loss = try p.tensor.unary(.exp).sum()
        try loss.backward()
        try loss.backward()
        assertClose(p.grad?.doubles() ?? [], [2 * Glibc.exp(0.5), 2 * Glibc.exp(-1.5)], abs: 1e-12, rel: 1e-12)
    }

    func testNoGradRecordsNothing() throws {
        let p = Parameter(name: "w", value: try Tensor(shape: [2], scalars: [1.0, 2]))
        let y = try noGrad { try p.tensor.multiplying(3).sum() }
        XCTAssertFalse(y.requiresGrad)
        XCTAssertThrowsError(try y.backward()) { error in
            guard case TensorError.autograd = error else { return XCTFail("\(error)") }
        }
        XCTAssertNil(p.grad)
        // Grad mode comes back after the block, and nesting is fine.
        let z = try noGrad { try noGrad { try p.tensor.sum() } }
        XCTAssertFalse(z.requiresGrad)
        XCTAssertTrue(try p.tensor.sum().requiresGrad)
        XCTAssertTrue(GradMode.isEnabled)
    }

    func testBackwardOnConstantThrows() throws {
        let c = try Tensor(shape: [2], scalars: [1.0, 2]).sum()
        XCTAssertThrowsError(try c.backward()) { error in
            guard case TensorError.autograd = error else { return XCTFail("\(error)") }
        }
        let frozen = Parameter(name: "f", value: Tensor(repeating: 1, shape: [2], dtype: .float64), requiresGrad: false)
        XCTAssertFalse(frozen.tensor.requiresGrad)
        XCTAssertThrowsError(try frozen.tensor.sum().backward())
    }

    func testParameterUsedTwiceGetsTheSum() throws {
        let p = Parameter(name: "w", value: try Tensor(shape: [2], scalars: [3.0, -2]))
        let q = Parameter(name: "v", value: try Tensor(shape: [2], scalars: [0.5, 4]))
        // loss = Σ (w·v + w) → ∂/∂w = v + 1, ∂/∂v = w
        try (p.tensor * q.tensor + p.tensor).sum().backward()
        XCTAssertEqual(p.grad?.doubles(), [1.5, 5])
        XCTAssertEqual(q.grad?.doubles(), [3, -2])
        // Diamond: one intermediate feeds two branches.
        p.zeroGrad(); q.zeroGrad()
        let h = try p.tensor.multiplying(2)
        try (h.unary(.sin) + h.binary(.multiply, h)).sum().backward()
        let w = [3.0, -2]
        assertClose(p.grad?.doubles() ?? [], w.map { 2 * Glibc.cos(2 * $0) + 8 * $0 }, abs: 1e-12, rel: 1e-12)
    }

    func testNonScalarBackwardNeedsASeed() throws {
        let p = Parameter(name: "w", value: try Tensor(shape: [2, 2], scalars: [1.0, 2, 3, 4]))
        let y = try p.tensor.multiplying(3)
        XCTAssertThrowsError(try y.backward()) { error in
            guard case TensorError.autograd = error else { return XCTFail("expected TensorError.autograd, got \(error)") }
        }
        XCTAssertNil(p.grad)
        XCTAssertThrowsError(try y.backward(seed: Tensor(zeros: [4], dtype: .float64))) { error in
            guard case TensorError.shapeMismatch = error else { return XCTFail("\(error)") }
        }
        try y.backward(seed: try Tensor(shape: [2, 2], scalars: [1.0, 0, -1, 2]))
        XCTAssertEqual(p.grad?.doubles(), [3, 0, -3, 6])
        // A seed of another float dtype is converted.
        p.zeroGrad()
        try y.backward(seed: try Tensor(shape: [2, 2], scalars: [Float(1), 1, 1, 1]))
        XCTAssertEqual(p.grad?.doubles(), [3, 3, 3, 3])
        XCTAssertEqual(p.grad?.dtype, .float64)
        // A one-element, rank > 0 output needs no seed.
        p.zeroGrad()
        try p.tensor.sum(axes: [0, 1], keepDims: true).backward()
        XCTAssertEqual(p.grad?.doubles(), [1, 1, 1, 1])
    }

    func testGradientHasParameterShapeAndIsNotAView() throws {
        // The gradient of a broadcast use is summed back, and stored densely (no stride-0 view).
        let p = Parameter(name: "b", value: try Tensor(shape: [3], scalars: [1.0, 2, 3]))
        let x = Tensor(repeating: 1, shape: [4, 3], dtype: .float64)
        try (x + p.tensor).sum().backward()
        XCTAssertEqual(p.grad?.shape, [3])
        XCTAssertEqual(p.grad?.doubles(), [4, 4, 4])
        let q = Parameter(name: "s", value: Tensor(scalar: 2.0))
        try q.tensor.expanded(to: [2, 3]).sum().backward()
        XCTAssertEqual(q.grad?.shape, [])
        XCTAssertEqual(q.grad?.doubles(), [6])
        XCTAssertTrue(q.grad?.isContiguous ?? false)
        XCTAssertFalse(q.grad?.requiresGrad ?? true, "a stored gradient is not on the tape")
    }

    func testParameterValueUpdatesAreNotRecorded() throws {
        let p = Parameter(name: "w", value: try Tensor(shape: [2], scalars: [1.0, 2]))
        try p.tensor.binary(.multiply, p.tensor).sum().backward()
        guard let g = p.grad else { return XCTFail("no gradient") }
        // An optimizer step: the new value is a plain tensor, even if computed from recorded ones.
        p.value = try p.tensor.subtracting(g.multiplying(0.1))
        XCTAssertFalse(p.value.requiresGrad)
        assertClose(p.value.doubles(), [0.8, 1.6], abs: 1e-15, rel: 1e-15)
        XCTAssertEqual(p.name, "w")
        p.zeroGrad()
        try p.tensor.sum().backward()
        XCTAssertEqual(p.grad?.doubles(), [1, 1], "the parameter's leaf still works after the update")
    }

    func testFrozenParameterGetsNoGradient() throws {
        let p = Parameter(name: "w", value: try Tensor(shape: [2], scalars: [1.0, 2]))
        let frozen = Parameter(name: "f", value: try Tensor(shape: [2], scalars: [5.0, 7]), requiresGrad: false)
        try (p.tensor * frozen.tensor).sum().backward()
        XCTAssertEqual(p.grad?.doubles(), [5, 7])
        XCTAssertNil(frozen.grad)
    }

    func testDetachedStopsGradient() throws {
        let p = Parameter(name: "w", value: try Tensor(shape: [2], scalars: [1.0, 2]))
        try (p.tensor * p.tensor.detached()).sum().backward()
        XCTAssertEqual(p.grad?.doubles(), [1, 2], "only the recorded factor contributes")
    }

    func testLongChainMixedOps() throws {
        var rng = TestRandom(seed: 91)
        let x = try makeTensor([2, 3, 4, 4], rng.values(96, .float64), .float64)
        let w = try makeTensor([3, 3, 3, 3], rng.values(81, .float64), .float64)
        let m = try makeTensor([3, 2], rng.values(6, .float64), .float64)
        try assertGradientsMatch([x, w, m]) { xs in
            let h = try xs[0].conv2d(weight: xs[1], pads: [1, 1, 1, 1]).unary(.tanh)  // [2, 3, 4, 4]
            let pooled = try h.mean(axes: [2, 3])                                     // [2, 3]
            let logits = try pooled.matmul(xs[2])                                      // [2, 2]
            let shifted = try logits.subtracting(logits.maximum(axes: [1], keepDims: true))
            return try shifted.unary(.exp).sum(axes: [1]).unary(.log)
        }
    }
}
