import Foundation
import XCTest
import WinnowTestSupport

/// `winnow data ...`: JSON contracts, contact sheets, and bad input (clear errors before any
/// work, corrupt files skipped with a warning naming them or fatal with --strict).
final class DataCLITests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("winnow-data-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        // Rasters written by tifffile: a 3-band 64×48 UInt16 scene with nodata 0 in one corner,
        // a matching label raster, one of another size, and a truncated copy.
        let python = try PythonOracle.execute("""
        import numpy as np, tifffile
        rng = np.random.default_rng(1)
        a = rng.integers(100, 5000, size=(3, 48, 64)).astype(np.uint16); a[:, :16, :16] = 0
        tifffile.imwrite('scene.tif', a, planarconfig='separate', extratags=[(42113, 's', 0, '0', True)])
        lab = np.ones((48, 64), np.uint8); lab[:, 32:] = 2
        tifffile.imwrite('labels.tif', lab)
        tifffile.imwrite('small_labels.tif', lab[:40])
        import onnx
        from onnx import helper, TensorProto, numpy_helper
        w = (rng.standard_normal((4, 3, 3, 3)) * 0.3).astype(np.float32)
        g = helper.make_graph([helper.make_node('Conv', ['image', 'w'], ['c'], pads=[1, 1, 1, 1]),
                               helper.make_node('GlobalAveragePool', ['c'], ['g']),
                               helper.make_node('Flatten', ['g'], ['features'])], 'enc',
                              [helper.make_tensor_value_info('image', TensorProto.FLOAT, ['N', 3, 'H', 'W'])],
                              [helper.make_tensor_value_info('features', TensorProto.FLOAT, ['N', 4])], [numpy_helper.from_array(w, 'w')])
        onnx.save(helper.make_model(g, ir_version=8, opset_imports=[helper.make_opsetid('', 17)]), 'enc.onnx')
        data = open('scene.tif', 'rb').read()
        open('truncated.tif', 'wb').write(data[:len(data) // 3])
        """, name: "rasters", in: directory)
        XCTAssertEqual(python.status, 0, "python3 with numpy and tifffile is required (scripts/install-deps)")
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    func json(_ result: CLIResult) throws -> [String: Any] {
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout.split(separator: "\n").count, 1, "stdout must hold exactly one JSON object: \(result.stdout)")
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    }

    func testTilesInfoAndSheet() throws {
        // 16×16 patches, stride 16: a 4×3 grid, minus the one touching the nodata corner.
        let made = try json(CLI.run(["data", "tiles", path("scene.tif"), "--size", "16", "--out", path("pool"), "--json"]))
        XCTAssertEqual(made["count"] as? Int, 11)
        let info = try json(CLI.run(["data", "info", path("pool"), "--json"]))
        XCTAssertEqual(Set(info.keys), ["count", "shape", "dtype", "classes", "sources"])
        XCTAssertEqual(info["count"] as? Int, 11)
        XCTAssertEqual(info["shape"] as? [Int], [3, 16, 16])
        XCTAssertEqual(info["dtype"] as? String, "uint8")
        XCTAssertEqual((info["classes"] as? [String: Int])?.isEmpty, true)
        XCTAssertEqual(info["sources"] as? [String: Int], ["scene": 11])

        let labelled = try json(CLI.run(["data", "tiles", path("scene.tif"), "--labels", path("labels.tif"), "--class-names", "1=left,2=right",
                                         "--size", "16", "--stride", "16", "--purity", "1", "--out", path("ref"), "--json"]))
        XCTAssertEqual(labelled["classes"] as? [String: Int], ["left": 5, "right": 6])

        let sheet = try CLI.run(["data", "info", path("ref"), "--sheet", path("sheet.png"), "--verify"])
        XCTAssertEqual(sheet.status, 0, sheet.stderr)
        let png = try Data(contentsOf: URL(fileURLWithPath: path("sheet.png")))
        XCTAssertEqual(Array(png.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        XCTAssertTrue(sheet.stderr.contains("match"), sheet.stderr)

        // Writing over an existing pool needs --overwrite.
        let again = try CLI.run(["data", "tiles", path("scene.tif"), "--size", "16", "--out", path("pool")])
        XCTAssertEqual(again.status, 1)
        XCTAssertTrue(again.stderr.contains("--overwrite"), again.stderr)
    }

    func testBadInputIsAClearErrorBeforeAnyWork() throws {
        let band = try CLI.run(["data", "tiles", path("scene.tif") + ":1,4", "--out", path("x")])
        XCTAssertEqual(band.status, 1)
        XCTAssertTrue(band.stderr.contains("band 4") && band.stderr.contains(path("scene.tif")), band.stderr)

        let size = try CLI.run(["data", "tiles", path("scene.tif"), "--labels", path("small_labels.tif"), "--out", path("x")])
        XCTAssertEqual(size.status, 1)
        XCTAssertTrue(size.stderr.contains(path("small_labels.tif")) && size.stderr.contains("64x40"), size.stderr)

        let empty = try CLI.run(["data", "tiles", path("scene.tif"), "--size", "128", "--out", path("x")])
        XCTAssertEqual(empty.status, 1)
        XCTAssertTrue(empty.stderr.contains("empty result"), empty.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("x/manifest.json")))

        let usage = try CLI.run(["data", "tiles", path("scene.tif"), "--stretch", "sideways", "--out", path("x")])
        XCTAssertEqual(usage.status, 2, usage.stderr)
    }

    func testCorruptRastersAreSkippedWithAWarningOrFatalWhenStrict() throws {
        let skipped = try CLI.run(["data", "tiles", path("truncated.tif"), path("scene.tif"), "--size", "16", "--out", path("p"), "--json"])
        let object = try json(skipped)
        XCTAssertEqual(object["count"] as? Int, 11)
        XCTAssertEqual(object["skipped"] as? [String], [path("truncated.tif")])
        XCTAssertTrue(skipped.stderr.contains("warning: skipping \(path("truncated.tif"))"), skipped.stderr)

        let strict = try CLI.run(["data", "tiles", path("truncated.tif"), path("scene.tif"), "--size", "16", "--out", path("q"), "--strict"])
        XCTAssertEqual(strict.status, 1)
        XCTAssertTrue(strict.stderr.contains(path("truncated.tif")), strict.stderr)
    }

    func testEmbedWritesFeaturesAndReadsTheCacheTheSecondTime() throws {
        _ = try json(CLI.run(["data", "tiles", path("scene.tif"), "--size", "16", "--out", path("pool"), "--json"]))
        let arguments = ["data", "embed", path("pool"), "--model", path("enc.onnx"), "--size", "32", "--cache", path("cache"),
                         "--out", path("f.npy"), "--json"]
        let first = try json(CLI.run(arguments))
        XCTAssertEqual(first["count"] as? Int, 11)
        XCTAssertEqual(first["dimension"] as? Int, 4)
        XCTAssertEqual(first["computed"] as? Int, 11)
        let second = try json(CLI.run(arguments))
        XCTAssertEqual(second["cached"] as? Int, 11)
        XCTAssertEqual(second["computed"] as? Int, 0)
        let npy = try Data(contentsOf: URL(fileURLWithPath: path("f.npy")))
        XCTAssertEqual(Array(npy.prefix(6)), [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59])
        let missing = try CLI.run(["data", "embed", path("pool"), "--model", path("nope.onnx"), "--out", path("g.npy")])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains(path("nope.onnx")), missing.stderr)
    }
}
