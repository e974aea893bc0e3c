import Foundation
import XCTest
import WinnowTestSupport
@testable import TensorCore

/// NPY against NumPy itself: NumPy writes, Winnow reads (and the reverse), for every dtype,
/// C and Fortran order, big-endian, rank 0 and empty arrays.
final class NPYTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("winnow-npy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    /// Runs a Python snippet with numpy; fails the test with its stderr when it fails.
    func python(_ code: String) throws {
        let python = try PythonOracle.execute(code, name: "snippet", in: directory)
        guard python.status == 0 else {
            XCTFail("python failed: \(python.stderr)")
            throw XCTSkip("python3 with numpy is required (scripts/install-deps installs it)")
        }
    }

    /// The values NumPy writes below: arange over the shape, mapped into each dtype's range.
    func expected(_ count: Int, _ dtype: DType) -> [Double] {
        (0..<count).map { i in
            switch dtype {
            case .bool: return i % 3 == 0 ? 1 : 0
            case .int8: return Double(i % 200 - 100)
            case .uint8: return Double(i % 250)
            case .int64: return Double(i) * 1_000_003 - 5
            case .int32: return Double(i) * 7 - 11
            default: return Double(i) * 0.25 - 3
            }
        }
    }

    func testReadsWhatNumPyWrites() throws {
        try python("""
        import numpy as np
        def vals(n, kind):
            i = np.arange(n)
            if kind == 'bool': return i % 3 == 0
            if kind == 'int8': return (i % 200 - 100).astype(np.int8)
            if kind == 'uint8': return (i % 250).astype(np.uint8)
            if kind == 'int64': return i.astype(np.int64) * 1000003 - 5
            if kind == 'int32': return (i * 7 - 11).astype(np.int32)
            return (i * 0.25 - 3).astype(kind)
        for kind in ['float32', 'float64', 'float16', 'int64', 'int32', 'int8', 'uint8', 'bool']:
            np.save(kind + '.npy', vals(24, kind).reshape(2, 3, 4))
        np.save('fortran.npy', np.asfortranarray(vals(24, 'float32').reshape(2, 3, 4)))
        np.save('big.npy', vals(6, 'float64').reshape(2, 3).astype('>f8'))
        np.save('bigint.npy', vals(6, 'int32').astype('>i4'))
        np.save('scalar.npy', np.float32(2.5))
        np.save('empty.npy', np.zeros((0, 3), np.int64))
        """)
        let cases: [(String, DType)] = [("float32", .float32), ("float64", .float64), ("float16", .float16), ("int64", .int64),
                                        ("int32", .int32), ("int8", .int8), ("uint8", .uint8), ("bool", .bool)]
        for (name, dtype) in cases {
            let t = try NPY.read(contentsOf: directory.appendingPathComponent("\(name).npy"))
            XCTAssertEqual(t.dtype, dtype, name)
            XCTAssertEqual(t.shape, [2, 3, 4], name)
            XCTAssertEqual(t.doubles(), expected(24, dtype), name)
        }
        // Fortran order: the values in logical (row-major) order are still arange.
        let fortran = try NPY.read(contentsOf: directory.appendingPathComponent("fortran.npy"))
        XCTAssertEqual(fortran.shape, [2, 3, 4])
        XCTAssertEqual(fortran.doubles(), expected(24, .float32))
        let big = try NPY.read(contentsOf: directory.appendingPathComponent("big.npy"))
        XCTAssertEqual(big.dtype, .float64)
        XCTAssertEqual(big.doubles(), expected(6, .float64))
        let bigInt = try NPY.read(contentsOf: directory.appendingPathComponent("bigint.npy"))
        XCTAssertEqual(bigInt.doubles(), expected(6, .int32))
        let scalar = try NPY.read(contentsOf: directory.appendingPathComponent("scalar.npy"))
        XCTAssertEqual(scalar.shape, [])
        XCTAssertEqual(scalar.doubles(), [2.5])
        let empty = try NPY.read(contentsOf: directory.appendingPathComponent("empty.npy"))
        XCTAssertEqual(empty.shape, [0, 3])
        XCTAssertEqual(empty.dtype, .int64)
        // The header alone gives what a memory map needs.
        let header = try NPY.readHeader(contentsOf: directory.appendingPathComponent("int32.npy"))
        XCTAssertEqual(header.shape, [2, 3, 4])
        XCTAssertEqual(header.dtype, .int32)
        let size = try FileManager.default.attributesOfItem(atPath: directory.appendingPathComponent("int32.npy").path)[.size] as! Int
        XCTAssertEqual(header.dataOffset + header.byteCount, size)
    }

    func testNumPyReadsWhatWinnowWrites() throws {
        for dtype in DType.allCases {
            let values = expected(24, dtype)
            let t = try Tensor(shape: [2, 3, 4], scalars: values).cast(to: dtype)
            try NPY.write(t, to: directory.appendingPathComponent("w-\(dtype).npy"))
        }
        try NPY.write(Tensor(scalar: Float(2.5)), to: directory.appendingPathComponent("w-scalar.npy"))
        try NPY.write(Tensor(zeros: [0, 3], dtype: .int64), to: directory.appendingPathComponent("w-empty.npy"))
        try python("""
        import numpy as np
        expected = {'float32': 'f4', 'float64': 'f8', 'float16': 'f2', 'int64': 'i8', 'int32': 'i4', 'int8': 'i1', 'uint8': 'u1', 'bool': 'b1'}
        i = np.arange(24)
        vals = {'bool': i % 3 == 0, 'int8': i % 200 - 100, 'uint8': i % 250, 'int64': i * 1000003 - 5, 'int32': i * 7 - 11}
        for kind, code in expected.items():
            a = np.load('w-' + kind + '.npy')
            assert a.dtype == np.dtype(code), (kind, a.dtype)
            assert a.shape == (2, 3, 4), (kind, a.shape)
            want = vals.get(kind, i * 0.25 - 3).astype(a.dtype).reshape(2, 3, 4)
            assert (a == want).all(), (kind, a, want)
            with open('w-' + kind + '.npy', 'rb') as f:
                head = f.read(10)
                assert (10 + head[8] + 256 * head[9]) % 64 == 0, 'values not 64-byte aligned'
        s = np.load('w-scalar.npy'); assert s.shape == () and s == 2.5
        e = np.load('w-empty.npy'); assert e.shape == (0, 3) and e.dtype == np.int64
        """)
    }

    func testMalformedFilesGiveClearErrors() throws {
        let good = NPY.encode(try Tensor(shape: [2, 2], scalars: [Float(1), 2, 3, 4]))
        func expectError(_ data: Data, _ check: (NPYError) -> Bool, line: UInt = #line) {
            do {
                _ = try NPY.decode(data, source: "x.npy")
                XCTFail("no error", line: line)
            } catch let error as NPYError {
                XCTAssertTrue(check(error), "\(error)", line: line)
                XCTAssertTrue(error.description.contains("x.npy"), line: line)
            } catch {
                XCTFail("unexpected \(error)", line: line)
            }
        }
        expectError(Data()) { if case .malformed = $0 { return true }; return false }
        expectError(Data("hello world, not numpy".utf8)) { if case .malformed = $0 { return true }; return false }
        expectError(good.prefix(good.count - 3)) { if case .truncated = $0 { return true }; return false }
        expectError(good.prefix(30)) { if case .malformed = $0 { return true }; return false }
        var complex = good
        complex.replaceSubrange(22..<25, with: Array("c8'".utf8)) // '<f4' -> '<c8'
        expectError(complex) { if case .unsupportedDType = $0 { return true }; return false }
        // Every truncation and every single-byte corruption either decodes or throws NPYError.
        for cut in 0..<good.count {
            _ = try? NPY.decode(good.prefix(cut), source: "x.npy")
        }
        for position in 0..<min(good.count, 128) {
            for value: UInt8 in [0, 0x29, 0x2C, 0x39, 0xFF] {
                var bad = good
                bad[position] = value
                do { _ = try NPY.decode(bad, source: "x.npy") } catch is NPYError {} catch { XCTFail("\(error)") }
            }
        }
        XCTAssertThrowsError(try NPY.read(contentsOf: directory.appendingPathComponent("missing.npy"))) { error in
            XCTAssertTrue("\(error)".contains("no such file"), "\(error)")
        }
    }

    func testWriteLeavesNoTemporaryFiles() throws {
        let url = directory.appendingPathComponent("a.npy")
        try NPY.write(Tensor(zeros: [3]), to: url)
        try NPY.write(Tensor(zeros: [4]), to: url)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["a.npy"])
        XCTAssertEqual(try NPY.read(contentsOf: url).shape, [4])
        XCTAssertThrowsError(try NPY.write(Tensor(zeros: [3]), to: URL(fileURLWithPath: "/nonexistent-dir/a.npy")))
    }
}
