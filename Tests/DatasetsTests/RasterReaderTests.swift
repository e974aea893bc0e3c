import XCTest
import TensorCore
@testable import Datasets

/// The GDAL reader against tifffile/numpy: pixel values of multi-band TIFFs (uncompressed and
/// deflate, band-interleaved and pixel-interleaved) with nodata, and the percentile stretch.
final class RasterReaderTests: XCTestCase {
    /// Writes a 4-band UInt16 TIFF (37×53) with GDAL_NODATA=0 and a Float32 3-band one with
    /// nodata −99999 and some NaN, in two layouts/compressions each.
    func makeFiles(_ oracle: Oracle) throws {
        try oracle.python("""
        import numpy as np, tifffile
        rng = np.random.default_rng(7)
        a = rng.integers(1, 60000, size=(4, 37, 53)).astype(np.uint16)
        a[:, 0:3, 10:20] = 0          # nodata block in every band
        a[2, 30, 40] = 0              # nodata in one band only
        nodata = [(42113, 's', 0, '0', True)]
        tifffile.imwrite('u16_planar.tif', a, planarconfig='separate', extratags=nodata)
        tifffile.imwrite('u16_contig_deflate.tif', np.moveaxis(a, 0, -1).copy(), planarconfig='contig',
                         compression='zlib', extratags=nodata)
        np.save('u16.npy', a.astype(np.float64))
        f = (rng.standard_normal((3, 29, 31)) * 100).astype(np.float32)
        f[0, 5:9, 5:9] = -99999
        f[1, 20, 3] = np.nan
        tifffile.imwrite('f32.tif', f, planarconfig='separate', extratags=[(42113, 's', 0, '-99999', True)])
        np.save('f32.npy', f.astype(np.float64))
        """)
    }

    func testPixelValuesMatchTifffile() throws {
        let oracle = try Oracle("raster-read")
        try makeFiles(oracle)
        let expected = try oracle.doubles("u16.npy")
        for name in ["u16_planar.tif", "u16_contig_deflate.tif"] {
            let file = try RasterFile(path: oracle.path(name))
            XCTAssertEqual([file.width, file.height, file.bandCount], [53, 37, 4], name)
            for band in 1...4 {
                let info = try file.info(band: band)
                XCTAssertEqual(info.dataType, "UInt16")
                XCTAssertEqual(info.nodata, 0)
                let values = try file.read(band: band)
                XCTAssertEqual(values, Array(expected[(band - 1) * 37 * 53 ..< band * 37 * 53]), "\(name) band \(band)")
                let mask = try XCTUnwrap(try file.readMask(band: band))
                XCTAssertEqual(mask.map { $0 != 0 }, values.map { $0 != 0 }, "\(name) mask of band \(band)")
            }
            // A window.
            let window = try file.read(band: 2, window: .init(x: 7, y: 11, width: 5, height: 3))
            var manual: [Double] = []
            for y in 11..<14 { for x in 7..<12 { manual.append(expected[37 * 53 + y * 53 + x]) } }
            XCTAssertEqual(window, manual)
        }
        let f = try RasterFile(path: oracle.path("f32.tif"))
        let fExpected = try oracle.doubles("f32.npy")
        for band in 1...3 {
            let values = try f.read(band: band)
            let slice = Array(fExpected[(band - 1) * 29 * 31 ..< band * 29 * 31])
            for (a, b) in zip(values, slice) where !(a.isNaN && b.isNaN) { XCTAssertEqual(a, b) }
            XCTAssertEqual(values.map(\.isNaN), slice.map(\.isNaN))
        }
    }

    func testBadBandAndMissingFile() throws {
        let oracle = try Oracle("raster-bad")
        try makeFiles(oracle)
        let file = try RasterFile(path: oracle.path("u16_planar.tif"))
        XCTAssertThrowsError(try file.read(band: 5)) { error in
            XCTAssertEqual(error as? DatasetsError, .badBand(path: oracle.path("u16_planar.tif"), band: 5, bandCount: 4))
        }
        XCTAssertThrowsError(try RasterImage.validate(try RasterSpec.parse(oracle.path("u16_planar.tif") + ":1,9", defaultBands: nil))) { error in
            XCTAssertEqual(error as? DatasetsError, .badBand(path: oracle.path("u16_planar.tif"), band: 9, bandCount: 4))
        }
        XCTAssertThrowsError(try RasterFile(path: oracle.path("nope.tif"))) { error in
            guard case .unreadable(let path, _)? = error as? DatasetsError else { return XCTFail("\(error)") }
            XCTAssertEqual(path, oracle.path("nope.tif"))
        }
    }

    func testTruncatedAndGarbageFilesThrowNamingThem() throws {
        let oracle = try Oracle("raster-corrupt")
        try makeFiles(oracle)
        try oracle.python("""
        data = open('u16_contig_deflate.tif', 'rb').read()
        open('truncated.tif', 'wb').write(data[:len(data) // 2])
        open('garbage.tif', 'wb').write(b'II*\\x00' + bytes(range(256)) * 4)
        open('text.png', 'w').write('not a png')
        """)
        for name in ["truncated.tif", "garbage.tif", "text.png"] {
            let spec = RasterSpec(channels: [.init(path: oracle.path(name), band: 1)], name: "x")
            XCTAssertThrowsError(try RasterImage.read(spec), name) { error in
                guard case .unreadable(let path, _)? = error as? DatasetsError else { return XCTFail("\(name): \(error)") }
                XCTAssertEqual(path, oracle.path(name))
            }
        }
    }

    /// Stretch bounds and 8-bit values against numpy's percentile and round (ties to even),
    /// over the pixels valid in every selected band; band order as selected.
    func testPercentileStretchMatchesNumPy() throws {
        let oracle = try Oracle("raster-stretch")
        try makeFiles(oracle)
        try oracle.python("""
        import numpy as np
        def stretch(a, nodata, bands, lo_p, hi_p):
            sel = a[[b - 1 for b in bands]]
            valid = np.all(sel != nodata, axis=0) & np.all(~np.isnan(sel), axis=0)
            out = np.zeros(sel.shape, np.uint8)
            bounds = []
            for c in range(sel.shape[0]):
                v = sel[c][valid]
                lo, hi = np.percentile(v, lo_p), np.percentile(v, hi_p)
                bounds += [lo, hi]
                s = np.clip(np.round((sel[c] - lo) / (hi - lo) * 255), 0, 255)
                out[c] = np.where(valid, s, 0).astype(np.uint8)
            return out, valid, np.array(bounds)
        a = np.load('u16.npy')
        o, v, b = stretch(a, 0, [3, 1, 4], 2, 98)
        np.save('u16_out.npy', o.astype(np.float64)); np.save('u16_valid.npy', v.astype(np.float64)); np.save('u16_bounds.npy', b)
        f = np.load('f32.npy')
        o, v, b = stretch(f, -99999, [2, 1, 3], 5, 95)
        np.save('f32_out.npy', o.astype(np.float64)); np.save('f32_valid.npy', v.astype(np.float64)); np.save('f32_bounds.npy', b)
        """)
        let u16 = try RasterSpec.parse(oracle.path("u16_contig_deflate.tif") + ":3,1,4", defaultBands: nil)
        XCTAssertEqual(u16.channels.map(\.band), [3, 1, 4])
        let image = try RasterImage.read(u16)
        XCTAssertEqual(image.pixels.map(Double.init), try oracle.doubles("u16_out.npy"))
        XCTAssertEqual(image.valid.map(Double.init), try oracle.doubles("u16_valid.npy"))
        XCTAssertEqual(image.stretches.flatMap { [$0?.low ?? .nan, $0?.high ?? .nan] }, try oracle.doubles("u16_bounds.npy"))

        let f32 = try RasterSpec.parse(oracle.path("f32.tif"), defaultBands: [2, 1, 3])
        let fImage = try RasterImage.read(f32, options: .init(percentiles: try PercentileStretch(low: 5, high: 95)))
        XCTAssertEqual(fImage.valid.map(Double.init), try oracle.doubles("f32_valid.npy"))
        let bounds = try oracle.doubles("f32_bounds.npy")
        XCTAssertEqual(fImage.stretches.flatMap { [$0?.low ?? .nan, $0?.high ?? .nan] }, bounds)
        XCTAssertEqual(fImage.pixels.map(Double.init), try oracle.doubles("f32_out.npy"))
    }

    /// Byte bands pass through unchanged in the default mode; `--nodata` adds an invalid value.
    func testByteBandsPassThroughAndNodataOverride() throws {
        let oracle = try Oracle("raster-byte")
        try oracle.python("""
        import numpy as np, tifffile
        a = np.random.default_rng(3).integers(0, 256, size=(3, 16, 20)).astype(np.uint8)
        tifffile.imwrite('rgb.tif', a, planarconfig='separate', photometric='rgb')
        np.save('rgb.npy', a.astype(np.float64))
        np.save('valid7.npy', np.all(a != 7, axis=0).astype(np.float64))
        """)
        let spec = try RasterSpec.parse(oracle.path("rgb.tif"), defaultBands: nil)
        XCTAssertEqual(spec.channels.map(\.band), [1, 2, 3])
        let image = try RasterImage.read(spec)
        XCTAssertEqual(image.pixels.map(Double.init), try oracle.doubles("rgb.npy"))
        XCTAssertTrue(image.stretches.allSatisfy { $0 == nil })
        let masked = try RasterImage.read(spec, options: .init(nodata: 7))
        XCTAssertEqual(masked.valid.map(Double.init), try oracle.doubles("valid7.npy"))
    }

    func testStackedSingleBandFilesAndNames() throws {
        let oracle = try Oracle("raster-stack")
        try oracle.python("""
        import numpy as np, tifffile
        rng = np.random.default_rng(5)
        for b in (2, 3, 4):
            tifffile.imwrite('LC08_X_RT_B%d.TIF' % b, rng.integers(0, 256, size=(9, 11)).astype(np.uint8))
        tifffile.imwrite('small.tif', np.zeros((8, 11), np.uint8))
        """)
        let spec = try RasterSpec.parse(["B4", "B3", "B2"].map { oracle.path("LC08_X_RT_\($0).TIF") }.joined(separator: "+"), defaultBands: nil)
        XCTAssertEqual(spec.name, "LC08_X_RT")
        XCTAssertEqual(spec.channels.map { ($0.path as NSString).lastPathComponent }, ["LC08_X_RT_B4.TIF", "LC08_X_RT_B3.TIF", "LC08_X_RT_B2.TIF"])
        let image = try RasterImage.read(spec)
        let b4 = try RasterFile(path: oracle.path("LC08_X_RT_B4.TIF")).read(band: 1)
        XCTAssertEqual(Array(image.pixels[0..<99]).map(Double.init), b4)
        let mismatched = try RasterSpec.parse(oracle.path("LC08_X_RT_B4.TIF") + "+" + oracle.path("small.tif"), defaultBands: nil)
        XCTAssertThrowsError(try RasterImage.validate(mismatched)) { error in
            guard case .sizeMismatch(let path, _, _)? = error as? DatasetsError else { return XCTFail("\(error)") }
            XCTAssertEqual(path, oracle.path("small.tif"))
        }
    }
}
