import XCTest
import TensorCore
@testable import Datasets

/// Tiling against a brute-force numpy loop: kept positions (patches touching nodata skipped),
/// patch pixels, label majority (ties to the smaller class) and purity.
final class RasterTilerTests: XCTestCase {
    func testTilingAndLabelsMatchNumPy() throws {
        let oracle = try Oracle("tiler")
        try oracle.python("""
        import numpy as np, tifffile
        rng = np.random.default_rng(11)
        H, W = 61, 75
        img = rng.integers(0, 256, size=(3, H, W)).astype(np.uint8)
        img[:, 40:44, 5:9] = 0; img[1, 10, 60] = 0            # nodata (value 0)
        tifffile.imwrite('img.tif', img, planarconfig='separate', photometric='rgb', extratags=[(42113, 's', 0, '0', True)])
        # Blocky classes so purity varies; -1 is label nodata; classes 2, 5, 9.
        lab = rng.choice([2, 5, 9], size=(H // 4 + 1, W // 4 + 1)).repeat(4, 0).repeat(4, 1)[:H, :W].astype(np.float32)
        noise = rng.random((H, W)) < 0.15
        lab[noise] = rng.choice([2, 5, 9], size=noise.sum())
        lab[0:6, 0:30] = -1
        tifffile.imwrite('lab.tif', lab, extratags=[(42113, 's', 0, '-1', True)])
        valid = np.all(img != 0, axis=0)
        for size, stride, purity in [(8, 8, 0.5), (8, 3, 0.6), (16, 5, 0.0), (4, 4, 1.0)]:
            rows = []
            for y in range(0, H - size + 1, stride):
                for x in range(0, W - size + 1, stride):
                    if not valid[y:y+size, x:x+size].all(): continue
                    block = lab[y:y+size, x:x+size]
                    vals = block[block != -1]
                    if len(vals) == 0: continue
                    classes, counts = np.unique(vals, return_counts=True)   # ascending classes
                    k = int(np.argmax(counts))                              # first max: smaller class
                    p = counts[k] / (size * size)
                    if p >= purity: rows.append([y, x, [2, 5, 9].index(int(classes[k])), p])
            np.save('tiles_%d_%d.npy' % (size, stride), np.array(rows, dtype=np.float64).reshape(-1, 4))
            plain = [[y, x] for y in range(0, H - size + 1, stride) for x in range(0, W - size + 1, stride)
                     if valid[y:y+size, x:x+size].all()]
            np.save('plain_%d_%d.npy' % (size, stride), np.array(plain, dtype=np.float64).reshape(-1, 2))
            np.save('pix_%d_%d.npy' % (size, stride),
                    np.stack([img[:, y:y+size, x:x+size] for y, x in plain]).astype(np.float64))
        """)
        let spec = try RasterSpec.parse(oracle.path("img.tif"), defaultBands: nil)
        let image = try RasterImage.read(spec)
        let labels = try LabelRaster.read(path: oracle.path("lab.tif"))
        XCTAssertEqual(labels.classValues, [2, 5, 9])
        for (size, stride, purity) in [(8, 8, 0.5), (8, 3, 0.6), (16, 5, 0.0), (4, 4, 1.0)] {
            let tiler = try RasterTiler(size: size, stride: stride, purity: purity)
            let plain = try tiler.patches(of: image)
            let expectedPlain = try oracle.doubles("plain_\(size)_\(stride).npy")
            XCTAssertEqual(plain.flatMap { [Double($0.y), Double($0.x)] }, expectedPlain, "positions \(size)/\(stride)")
            XCTAssertEqual(tiler.extract(plain, from: image).map(Double.init), try oracle.doubles("pix_\(size)_\(stride).npy"))

            let labelled = try tiler.patches(of: image, labels: labels)
            let expected = try oracle.doubles("tiles_\(size)_\(stride).npy")
            XCTAssertEqual(labelled.count * 4, expected.count, "labelled count \(size)/\(stride)/\(purity)")
            for (k, p) in labelled.enumerated() where 4 * k + 3 < expected.count {
                XCTAssertEqual([Double(p.y), Double(p.x), Double(p.label ?? -1)], Array(expected[4 * k ..< 4 * k + 3]))
                XCTAssertEqual(p.purity, expected[4 * k + 3], accuracy: 1e-12)
            }
            XCTAssertGreaterThan(labelled.count, 0)
        }
    }

    func testGridCountAndBadOptions() throws {
        let tiler = try RasterTiler(size: 32, stride: 8)
        XCTAssertEqual(tiler.positions(along: 31), 0)
        XCTAssertEqual(tiler.positions(along: 32), 1)
        XCTAssertEqual(tiler.positions(along: 489), (489 - 32) / 8 + 1)
        XCTAssertEqual(tiler.gridCount(width: 489, height: 443), 58 * 52)
        XCTAssertThrowsError(try RasterTiler(size: 0, stride: 8))
        XCTAssertThrowsError(try RasterTiler(size: 8, stride: 0))
        XCTAssertThrowsError(try RasterTiler(size: 8, stride: 8, purity: 1.5))
    }

    func testLabelRasterOfAnotherSizeIsRefused() throws {
        let oracle = try Oracle("tiler-size")
        try oracle.python("""
        import numpy as np, tifffile
        tifffile.imwrite('img.tif', np.ones((3, 20, 20), np.uint8), planarconfig='separate', photometric='rgb')
        tifffile.imwrite('lab.tif', np.ones((19, 20), np.uint8))
        tifffile.imwrite('frac.tif', np.full((20, 20), 1.5, np.float32))
        """)
        let image = try RasterImage.read(try RasterSpec.parse(oracle.path("img.tif"), defaultBands: nil))
        let labels = try LabelRaster.read(path: oracle.path("lab.tif"))
        XCTAssertThrowsError(try RasterTiler(size: 4, stride: 4).patches(of: image, labels: labels)) { error in
            guard case .sizeMismatch(let path, _, let got)? = error as? DatasetsError else { return XCTFail("\(error)") }
            XCTAssertEqual(path, oracle.path("lab.tif"))
            XCTAssertEqual(got, "20x19")
        }
        XCTAssertThrowsError(try LabelRaster.read(path: oracle.path("frac.tif"))) { error in
            guard case .malformed? = error as? DatasetsError else { return XCTFail("\(error)") }
        }
    }
}
