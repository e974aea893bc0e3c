import Foundation
import XCTest
import WinnowTestSupport
import TensorCore

/// A scratch folder plus a Python (numpy, tifffile) runner: the independent side of the tests.
final class Oracle {
    let directory: URL

    init(_ name: String) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("winnow-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// Runs a Python snippet in the scratch folder; throws with its stderr when it fails.
    func python(_ code: String) throws {
        let python = try PythonOracle.execute(code, name: "snippet", in: directory)
        guard python.status == 0 else {
            throw OracleError(message: "python failed (scripts/install-deps installs numpy and tifffile): " + python.stderr)
        }
    }

    /// An array numpy saved in the scratch folder.
    func npy(_ name: String) throws -> Tensor { try NPY.read(contentsOf: directory.appendingPathComponent(name)) }

    /// An array numpy saved, as Doubles.
    func doubles(_ name: String) throws -> [Double] { try npy(name).doubles() }
}

struct OracleError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
