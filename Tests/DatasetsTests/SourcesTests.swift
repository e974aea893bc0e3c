import XCTest
import TensorCore
@testable import Datasets

/// IDX (Fashion-MNIST, gzip) against Python's gzip + numpy; image folders against the pixels
/// Python wrote (PNG via zlib, TIFF via tifffile); bad files skipped with a warning naming them.
final class SourcesTests: XCTestCase {
    static let fashion = "/usr/share/datasets/fashion-mnist"

    func testFashionMNISTMatchesNumPy() throws {
        let oracle = try Oracle("idx")
        try oracle.python("""
        import gzip, numpy as np
        d = '\(Self.fashion)'
        img = np.frombuffer(gzip.open(d + '/t10k-images-idx3-ubyte.gz').read()[16:], np.uint8).reshape(-1, 28, 28)
        lab = np.frombuffer(gzip.open(d + '/t10k-labels-idx1-ubyte.gz').read()[8:], np.uint8)
        np.save('first.npy', img[:20].astype(np.float64)); np.save('last.npy', img[-3:].astype(np.float64))
        np.save('labels.npy', lab.astype(np.float64)); np.save('mean.npy', np.array([img.mean()]))
        """)
        let data = try IDXReader.dataset(images: Self.fashion + "/t10k-images-idx3-ubyte.gz",
                                         labels: Self.fashion + "/t10k-labels-idx1-ubyte.gz")
        XCTAssertEqual(data.count, 10000)
        XCTAssertEqual(data.sampleShape, [1, 28, 28])
        XCTAssertEqual(data.dtype, .uint8)
        XCTAssertEqual(data.ids[41], "t10k:41")
        XCTAssertEqual(data.classNames, (0..<10).map(String.init))
        XCTAssertEqual(data.labels?.map(Double.init), try oracle.doubles("labels.npy"))
        XCTAssertEqual(try data.gather(Array(0..<20)).doubles(), try oracle.doubles("first.npy"))
        XCTAssertEqual(try data.gather([9997, 9998, 9999]).doubles(), try oracle.doubles("last.npy"))
        let mean = data.images.doubles().reduce(0, +) / Double(data.images.count)
        XCTAssertEqual(mean, try oracle.doubles("mean.npy")[0], accuracy: 1e-9)
        XCTAssertEqual(data.classCounts.map(\.count), [Int](repeating: 1000, count: 10))
    }

    func testBadIDXFilesAreClearErrors() throws {
        let oracle = try Oracle("idx-bad")
        try oracle.python("""
        import gzip
        data = gzip.open('\(Self.fashion)/t10k-images-idx3-ubyte.gz').read()
        gz = gzip.compress(data)
        open('cut.gz', 'wb').write(gz[:len(gz) // 3])
        open('short.idx', 'wb').write(data[:5000])
        open('text.idx', 'w').write('hello')
        gzip.open('labels-wrong.gz', 'wb').write(b'\\x00\\x00\\x08\\x01' + (7).to_bytes(4, 'big') + bytes(7))
        """)
        for name in ["cut.gz", "short.idx", "text.idx"] {
            XCTAssertThrowsError(try IDXReader.read(path: oracle.path(name)), name) { error in
                let text = "\(error)"
                XCTAssertTrue(text.contains(oracle.path(name)), text)
            }
        }
        XCTAssertThrowsError(try IDXReader.dataset(images: Self.fashion + "/t10k-images-idx3-ubyte.gz",
                                                   labels: oracle.path("labels-wrong.gz"))) { error in
            guard case .sizeMismatch(let path, _, _)? = error as? DatasetsError else { return XCTFail("\(error)") }
            XCTAssertEqual(path, oracle.path("labels-wrong.gz"))
        }
    }

    func makeFolder(_ oracle: Oracle) throws {
        try oracle.python(PythonPNG.source + """
        import numpy as np, tifffile, os
        rng = np.random.default_rng(2)
        for c in ['forest', 'river', 'empty']: os.makedirs('scenes/' + c, exist_ok=True)
        rgb = rng.integers(0, 256, size=(10, 12, 3)).astype(np.uint8)
        write_png('scenes/forest/a.png', [r.tobytes() for r in rgb], 2)
        rgba = rng.integers(0, 256, size=(10, 12, 4)).astype(np.uint8); rgba[..., 3] = 255
        write_png('scenes/forest/b.png', [r.tobytes() for r in rgba], 6)
        grey = rng.integers(0, 256, size=(10, 12)).astype(np.uint8)
        tifffile.imwrite('scenes/river/c.tif', grey)
        open('scenes/river/d.png', 'wb').write(b'\\x89PNG\\r\\n\\x1a\\n broken')
        open('scenes/river/notes.txt', 'w').write('ignored')
        expected = np.stack([np.moveaxis(rgb, -1, 0), np.moveaxis(rgba[..., :3], -1, 0), np.stack([grey] * 3)])
        np.save('expected.npy', expected.astype(np.float64))
        os.makedirs('odd/x', exist_ok=True); os.makedirs('odd/y', exist_ok=True)
        tifffile.imwrite('odd/x/a.tif', np.full((10, 12), 77, np.uint8))
        tifffile.imwrite('odd/y/b.tif', np.full((9, 12), 77, np.uint8))
        """)
    }

    func testImageFolderMatchesPixelsAndSkipsCorruptFiles() throws {
        let oracle = try Oracle("folder")
        try makeFolder(oracle)
        var warnings: [String] = []
        let data = try ImageFolderReader().read(oracle.path("scenes")) { warnings.append($0) }
        XCTAssertEqual(data.ids, ["scenes:forest/a.png", "scenes:forest/b.png", "scenes:river/c.tif"])
        XCTAssertEqual(data.classNames, ["empty", "forest", "river"])
        XCTAssertEqual(data.labels, [1, 1, 2])
        XCTAssertEqual(data.sampleShape, [3, 10, 12])
        XCTAssertEqual(data.images.doubles(), try oracle.doubles("expected.npy"))
        XCTAssertTrue(warnings.contains { $0.contains(oracle.path("scenes/river/d.png")) }, "\(warnings)")
        XCTAssertTrue(warnings.contains { $0.contains("empty") }, "\(warnings)")

        XCTAssertThrowsError(try ImageFolderReader(strict: true).read(oracle.path("scenes"))) { error in
            guard case .unreadable(let path, _)? = error as? DatasetsError else { return XCTFail("\(error)") }
            XCTAssertEqual(path, oracle.path("scenes/river/d.png"))
        }
        XCTAssertThrowsError(try ImageFolderReader(bands: [1, 2, 5]).read(oracle.path("scenes"))) { error in
            guard case .badBand(_, 5, _)? = error as? DatasetsError else { return XCTFail("\(error)") }
        }
    }

    func testImageFolderSizesMustAgreeUnlessResized() throws {
        let oracle = try Oracle("folder-size")
        try makeFolder(oracle)
        XCTAssertThrowsError(try ImageFolderReader().read(oracle.path("odd"))) { error in
            guard case .sizeMismatch(let path, _, let got)? = error as? DatasetsError else { return XCTFail("\(error)") }
            XCTAssertEqual(path, oracle.path("odd/y/b.tif"))
            XCTAssertEqual(got, "12x9")
        }
        let resized = try ImageFolderReader(size: 8).read(oracle.path("odd"))
        XCTAssertEqual(resized.images.shape, [2, 1, 8, 8])
        XCTAssertEqual(Set(resized.images.doubles()), [77])
        XCTAssertThrowsError(try ImageFolderReader().read(oracle.path("scenes/forest"))) { error in
            guard case .emptyResult? = error as? DatasetsError else { return XCTFail("\(error)") }
        }
    }

    func testSampleIDsAndSubsets() throws {
        let id = SampleID(source: "LC08_224078", y: 480, x: 992)
        XCTAssertEqual(id.rawValue, "LC08_224078:480:992")
        XCTAssertEqual(id.source, "LC08_224078")
        XCTAssertEqual(SampleID(source: "train", index: 41327).rawValue, "train:41327")
        let images = try Tensor(shape: [3, 1, 1, 2], scalars: [UInt8](0..<6))
        let data = try Dataset(images: images, ids: ["a:0", "a:1", "b:0"], labels: [0, 1, 1], classNames: ["x", "y"])
        let subset = Subset(name: "keep", ids: ["b:0", "a:0"])
        XCTAssertEqual(try subset.indices(in: data), [2, 0])
        let picked = try data.selecting(subset)
        XCTAssertEqual(picked.images.doubles(), [4, 5, 0, 1])
        XCTAssertEqual(picked.labels, [1, 0])
        XCTAssertEqual(data.sourceCounts.map(\.name), ["a", "b"])
        XCTAssertEqual(data.sourceCounts.map(\.count), [2, 1])
        XCTAssertThrowsError(try Subset(name: "bad", ids: ["c:9"]).indices(in: data)) { error in
            XCTAssertEqual(error as? DatasetsError, .unknownSample("c:9"))
        }
        XCTAssertThrowsError(try Dataset(images: images, ids: ["a:0", "a:0", "b:0"]))
        // The digest is SHA-256 of the ids joined by newlines (checked against hashlib).
        let oracle = try Oracle("digest")
        try oracle.python("""
        import hashlib, numpy as np
        h = hashlib.sha256('b:0\\na:0'.encode()).digest()
        np.save('d.npy', np.frombuffer(h, np.uint8).astype(np.float64))
        """)
        let hex = try oracle.doubles("d.npy").map { String(format: "%02x", Int($0)) }.joined()
        XCTAssertEqual(subset.digest, hex)
    }
}
