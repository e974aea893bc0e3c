import Foundation

/// A committed list of test names (`Tests/conformance/*.txt`): one name per line; `#` starts a
/// comment (a whole line or after the name), blank lines are ignored.
public enum ConformanceList {
    /// The names in the file at `url`, in file order.
    public static func read(contentsOf url: URL) throws -> [String] {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw ConformanceError.unreadableList(path: url.path, reason: FileManager.default.fileExists(atPath: url.path) ? error.localizedDescription : "no such file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConformanceError.unreadableList(path: url.path, reason: "not UTF-8 text")
        }
        return parse(text)
    }

    /// The names in `text`.
    public static func parse(_ text: String) -> [String] {
        var names: [String] = []
        for rawLine in text.split(whereSeparator: \.isNewline) {
            var line = Substring(rawLine)
            if let hash = line.firstIndex(of: "#") { line = line[..<hash] }
            let name = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if !name.isEmpty { names.append(name) }
        }
        return names
    }
}

/// Errors of the conformance runner itself (a single test's problems become its failure reason).
public enum ConformanceError: Error, CustomStringConvertible {
    case notADirectory(path: String)
    case unreadableList(path: String, reason: String)
    case invalidTestData(path: String, detail: String)

    public var description: String {
        switch self {
        case let .notADirectory(path):
            return "'\(path)' is not a folder of ONNX conformance tests (expected test_*/model.onnx with test_data_set_*/ inside); pass e.g. /usr/share/libonnx-testdata/data/node"
        case let .unreadableList(path, reason):
            return "cannot read the test list '\(path)': \(reason)"
        case let .invalidTestData(path, detail):
            return "test data '\(path)': \(detail)"
        }
    }
}
