import XCTest
@testable import TensorCore

/// The written-out float32 loops against the generic strided maps they stand in for: the same
/// bits for every element, special values included, at lengths around the vector width and one
/// long enough to be split between threads.
final class ContiguousFloat32Tests: XCTestCase {
    private func values(_ n: Int, seed: UInt64) -> [Float] {
        var rng = TestRandom(seed: seed)
        let specials: [Float] = [.nan, -0.0, 0, .infinity, -.infinity, .leastNormalMagnitude / 2, -.leastNormalMagnitude / 2, .greatestFiniteMagnitude]
        return (0..<n).map { i in i % 37 < specials.count && i % 3 == 0 ? specials[i % 37] : Float(rng.uniform(-4, 4)) }
    }

    private func assertSameBits(_ a: Tensor, _ b: Tensor, _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.shape, b.shape, message, file: file, line: line)
        let x = (try? a.scalars(Float.self)) ?? [], y = (try? b.scalars(Float.self)) ?? []
        let differing = zip(x, y).enumerated().first { !($0.element.0.bitPattern == $0.element.1.bitPattern || ($0.element.0.isNaN && $0.element.1.isNaN)) }
        XCTAssertNil(differing, "\(message): first difference at \(String(describing: differing))", file: file, line: line)
    }

    func testLoopsMatchTheGenericMaps() throws {
        Parallel.setThreads(2)
        defer { Parallel.setThreads(Parallel.threadsFromEnvironment() ?? Parallel.defaultThreads) }
        for n in [0, 1, 15, 16, 17, 33, 100_003] {
            let a = try Tensor(shape: [n], scalars: values(n, seed: UInt64(n) + 1))
            let b = try Tensor(shape: [n], scalars: values(n, seed: UInt64(n) + 2))
            assertSameBits(ContiguousFloat32.relu(a), Tensor.floatUnary(.relu, a, Float.self), "relu n=\(n)")
            assertSameBits(ContiguousFloat32.reluGradient(a, b), Tensor.floatUnaryGradient(.relu, a, b, b, Float.self), "relu gradient n=\(n)")
            for op in [BinaryOp.add, .subtract, .multiply] {
                let fast = try XCTUnwrap(ContiguousFloat32.binary(op, a, b))
                assertSameBits(fast, Tensor.floatBinary(op, a, b, [n], Float.self), "\(op) n=\(n)")
            }
            XCTAssertNil(ContiguousFloat32.binary(.divide, a, b))
        }
    }

    /// The public operations take the loops only for contiguous float32 operands of one shape;
    /// broadcasts and strided views still give the right values.
    func testPublicOperationsRouteAndStayCorrect() throws {
        let a = try Tensor(shape: [3, 4], scalars: values(12, seed: 9))
        let row = try Tensor(shape: [4], scalars: [Float](arrayLiteral: 1, 2, 3, 4))
        XCTAssertTrue(ContiguousFloat32.applies(a, a))
        XCTAssertFalse(ContiguousFloat32.applies(a, row))
        let sum = try a.binary(.add, row).scalars(Float.self), av = try a.scalars(Float.self)
        for i in 0..<12 where !av[i].isNaN { XCTAssertEqual(sum[i], av[i] + Float(i % 4 + 1)) }
        // A broadcast view (stride 0) is not contiguous: the generic map serves it.
        let wide = try row.expanded(to: [3, 4])
        XCTAssertFalse(wide.isContiguous)
        XCTAssertEqual(try wide.unary(.relu).scalars(Float.self), [Float](repeating: 0, count: 0) + (0..<12).map { Float($0 % 4 + 1) })
    }
}
