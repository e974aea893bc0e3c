import Foundation
import XCTest
import TensorCore
@testable import Datasets

/// Pools written by Winnow and read by numpy/csv/hashlib (and back); memory-mapped opening is
/// fast and does not touch the pixels; broken pools are clear errors.
final class PackedPoolTests: XCTestCase {
    func randomDataset(count: Int, channels: Int = 3, size: Int = 32, labelled: Bool = true) throws -> Dataset {
        var stream = RandomStream(seed: 9, purpose: "test-pool")
        let bytes = (0..<(count * channels * size * size)).map { _ in UInt8(truncatingIfNeeded: stream.nextUInt64()) }
        let images = try Tensor(shape: [count, channels, size, size], scalars: bytes)
        let ids = (0..<count).map { i in SampleID(i % 7 == 0 ? "odd,\"name\":\(i)" : "scene_\(i % 3):\(i / 3):\(i % 3)") }
        let labels = labelled ? (0..<count).map { $0 % 4 } : nil
        return try Dataset(images: images, ids: ids, labels: labels, classNames: labelled ? ["water", "forest, dense", "urban", "field"] : [])
    }

    func testRoundTripAndPythonReadsIt() throws {
        let oracle = try Oracle("pool")
        let data = try randomDataset(count: 50)
        let dir = oracle.directory.appendingPathComponent("pool")
        let manifest = try PackedPool.write(data, to: dir, provenance: ["command": "test"])
        let pool = try PackedPool.open(dir)
        XCTAssertEqual(pool.count, 50)
        XCTAssertEqual(pool.ids, data.ids)
        XCTAssertEqual(pool.labels, data.labels)
        XCTAssertEqual(pool.classNames, data.classNames)
        XCTAssertEqual(pool.sampleShape, [3, 32, 32])
        XCTAssertEqual(try pool.gather([49, 0, 7]).doubles(), try data.gather([49, 0, 7]).doubles())
        XCTAssertTrue(pool.verify())
        try oracle.python("""
        import numpy as np, csv, hashlib, json
        a = np.load('pool/images.npy')
        rows = list(csv.reader(open('pool/samples.csv', newline='')))
        m = json.load(open('pool/manifest.json'))
        assert rows[0] == ['id', 'label'], rows[0]
        assert m['pixels_sha256'] == hashlib.sha256(a.tobytes()).hexdigest(), 'sha mismatch'
        assert m['count'] == a.shape[0] == len(rows) - 1 and m['shape'] == list(a.shape[1:]) and m['dtype'] == str(a.dtype)
        np.save('sum.npy', a.reshape(len(a), -1).sum(1).astype(np.float64))
        open('ids.txt', 'w').write('\\n'.join(r[0] + '|' + r[1] for r in rows[1:]))
        """)
        let sums = try oracle.doubles("sum.npy")
        let mine = try (0..<50).map { try data.gather([$0]).doubles().reduce(0, +) }
        XCTAssertEqual(sums, mine)
        let pythonRows = try String(contentsOfFile: oracle.path("ids.txt"), encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(pythonRows, (0..<50).map { "\(data.ids[$0].rawValue)|\(data.classNames[data.labels![$0]])" })
        XCTAssertEqual(manifest.pixelsSHA256, pool.manifest.pixelsSHA256)

        // A subset written as its own pool keeps the subset's order and ids.
        let subset = Subset(name: "pick", ids: [data.ids[5], data.ids[2]])
        try PackedPool.write(pool, subset: subset, to: oracle.directory.appendingPathComponent("sub"))
        let sub = try PackedPool.open(oracle.directory.appendingPathComponent("sub"))
        XCTAssertEqual(sub.ids, subset.ids)
        XCTAssertEqual(try sub.gather([0, 1]).doubles(), try data.gather([5, 2]).doubles())
        XCTAssertEqual(sub.labels, [1, 2])
    }

    func testReadsAPoolNumPyWrote() throws {
        let oracle = try Oracle("pool-numpy")
        try oracle.python("""
        import numpy as np, hashlib, json, os
        os.makedirs('p')
        a = (np.arange(4 * 1 * 5 * 6) % 251).astype(np.uint8).reshape(4, 1, 5, 6)
        np.save('p/images.npy', a)
        open('p/samples.csv', 'w').write('id,label\\nx:0,\\nx:1,\\ny:0,\\ny:1,\\n')
        json.dump(dict(format='winnow-pool', version=1, count=4, shape=[1, 5, 6], dtype='uint8', images='images.npy',
                       samples='samples.csv', classes=[], pixels_sha256=hashlib.sha256(a.tobytes()).hexdigest(),
                       provenance={}), open('p/manifest.json', 'w'))
        """)
        let pool = try PackedPool.open(oracle.directory.appendingPathComponent("p"))
        XCTAssertNil(pool.labels)
        XCTAssertEqual(pool.sourceCounts.map(\.name), ["x", "y"])
        XCTAssertTrue(pool.verify())
        XCTAssertEqual(try pool.gather([3]).doubles(), (90..<120).map { Double($0 % 251) })
    }

    /// 15,000 RGB 32×32 patches: opening takes well under 0.5 s and maps, not reads, the pixels.
    func testOpeningALargePoolIsFastAndDoesNotReadPixels() throws {
        let oracle = try Oracle("pool-large")
        let data = try randomDataset(count: 15000, labelled: false)
        let dir = oracle.directory.appendingPathComponent("big")
        try PackedPool.write(data, to: dir)
        let before = residentBytes()
        let start = DispatchTime.now().uptimeNanoseconds
        let pool = try PackedPool.open(dir)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let grown = residentBytes() - before
        XCTAssertEqual(pool.count, 15000)
        XCTAssertLessThan(seconds, 0.5, "opening took \(seconds) s")
        // 46 MB of pixels; opening may allocate the id table (a few MB) but must not copy them.
        XCTAssertLessThan(grown, 20 << 20, "resident memory grew by \(grown) bytes")
        print("PackedPoolTests: opened 15000 patches in \(String(format: "%.3f", seconds)) s, resident +\(grown >> 10) KiB")
        XCTAssertEqual(try pool.gather([14999]).doubles(), try data.gather([14999]).doubles())
    }

    func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        return fields.count > 1 ? (Int(fields[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE))) : 0
    }

    func testBrokenPoolsAreClearErrors() throws {
        let oracle = try Oracle("pool-broken")
        let data = try randomDataset(count: 10, size: 8)
        let dir = oracle.directory.appendingPathComponent("p")
        try PackedPool.write(data, to: dir)
        XCTAssertThrowsError(try PackedPool.write(data, to: dir)) { error in
            guard case .writeFailed? = error as? DatasetsError else { return XCTFail("\(error)") }
        }
        try PackedPool.write(data, to: dir, overwrite: true)
        // Flipping a pixel byte keeps the pool readable but fails verification.
        let npy = dir.appendingPathComponent("images.npy")
        var bytes = try Data(contentsOf: npy)
        bytes[bytes.count - 1] ^= 0xFF
        try bytes.write(to: npy)
        XCTAssertFalse(try PackedPool.open(dir).verify())
        // Truncated pixels.
        try bytes.prefix(bytes.count - 100).write(to: npy)
        XCTAssertThrowsError(try PackedPool.open(dir)) { error in
            XCTAssertTrue("\(error)".contains("truncated"), "\(error)")
            XCTAssertTrue("\(error)".contains(npy.path), "\(error)")
        }
        try PackedPool.write(data, to: dir, overwrite: true)
        // A table with a missing row, and one with an unknown class.
        let table = dir.appendingPathComponent("samples.csv")
        let text = try String(contentsOf: table, encoding: .utf8)
        try text.split(separator: "\n").dropLast().joined(separator: "\n").write(to: table, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try PackedPool.open(dir)) { error in XCTAssertTrue("\(error)".contains("9 rows for 10"), "\(error)") }
        try text.replacingOccurrences(of: ",urban\n", with: ",mars\n").write(to: table, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try PackedPool.open(dir)) { error in XCTAssertTrue("\(error)".contains("mars"), "\(error)") }
        XCTAssertThrowsError(try PackedPool.open(oracle.directory)) { error in
            XCTAssertTrue("\(error)".contains("manifest"), "\(error)")
        }
    }

    func testSHA256MatchesHashlib() throws {
        let oracle = try Oracle("sha")
        let lengths = [0, 1, 55, 56, 63, 64, 65, 127, 128, 1000, 100_003]
        try oracle.python("""
        import hashlib
        out = []
        for n in \(lengths):
            data = bytes((i * 7 + 3) % 256 for i in range(n))
            out.append(hashlib.sha256(data).hexdigest())
        open('sha.txt', 'w').write('\\n'.join(out))
        """)
        let expected = try String(contentsOfFile: oracle.path("sha.txt"), encoding: .utf8).split(separator: "\n").map(String.init)
        for (n, hex) in zip(lengths, expected) {
            let data = (0..<n).map { UInt8(($0 * 7 + 3) % 256) }
            XCTAssertEqual(data.withUnsafeBytes { SHA256.hex($0) }, hex, "length \(n)")
            // Fed in uneven pieces.
            var h = SHA256()
            var i = 0, step = 1
            while i < n { let j = min(n, i + step); h.update(data[i..<j]); i = j; step = step * 3 % 97 + 1 }
            XCTAssertEqual(h.finalizeHex(), hex, "pieces, length \(n)")
        }
    }
}
