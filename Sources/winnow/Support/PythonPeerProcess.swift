import Foundation

/// A Python process a benchmark measures beside Winnow (onnxruntime, PyTorch): the script is
/// written into a scratch folder and started with the given Python; requests go to its stdin one
/// line each, it answers one JSON object per line on stdout, and its stderr goes to a file that
/// failures quote. A reply `{"error": "..."}` is a failure.
final class PythonPeerProcess {
    /// Why the peer could not be used (exit status 1: not a usage error).
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// "the onnxruntime peer", "the torch peer (python3)": how messages name it.
    let name: String
    /// What to do about a failure (appended to every message).
    let hint: String
    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private let errorFile: URL
    private var buffer = Data()

    /// Writes `source` as `folder/scriptName` and starts `python scriptName arguments...`.
    init(name: String, python: String, source: String, scriptName: String, arguments: [String], folder: URL, hint: String) throws {
        self.name = name
        self.hint = hint
        let script = folder.appendingPathComponent(scriptName)
        errorFile = folder.appendingPathComponent(scriptName + ".stderr")
        do {
            try source.write(to: script, atomically: true, encoding: .utf8)
            FileManager.default.createFile(atPath: errorFile.path, contents: nil)
            process.standardError = try FileHandle(forWritingTo: errorFile)
        } catch {
            throw Failure(description: "cannot write \(name)'s files into \(folder.path): \(error.localizedDescription)")
        }
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, script.path] + arguments
        process.standardInput = input
        process.standardOutput = output
        do {
            try process.run()
        } catch {
            throw Failure(description: "cannot start \(python) for \(name) (\(error.localizedDescription)); \(hint)")
        }
    }

    deinit {
        if process.isRunning { process.terminate() }
    }

    /// Sends one request line.
    func send(_ line: String) throws {
        guard process.isRunning else { throw failure("stopped") }
        input.fileHandleForWriting.write(Data((line + "\n").utf8))
    }

    /// The next reply.
    func readReply() throws -> [String: Any] {
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = Data(buffer[buffer.startIndex..<newline])
                buffer = Data(buffer[(newline + 1)...])
                guard let object = (try? JSONSerialization.jsonObject(with: line)) as? [String: Any] else {
                    throw failure("printed a line that is not a JSON object: \(String(decoding: line, as: UTF8.self).prefix(300))")
                }
                if let error = object["error"] as? String { throw failure("reported: \(error)") }
                return object
            }
            let data = output.fileHandleForReading.availableData
            if data.isEmpty {
                process.waitUntilExit()
                throw failure("exited (status \(process.terminationStatus)) before answering")
            }
            buffer.append(data)
        }
    }

    /// Closes its stdin and waits for it to exit.
    func close() {
        input.fileHandleForWriting.closeFile()
        process.waitUntilExit()
    }

    /// A failure naming the peer, quoting the end of its stderr, with the hint; stops the peer.
    func failure(_ what: String) -> Failure {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        // The stderr file is ours; an unreadable one only means there is nothing to quote.
        let text = ((try? String(contentsOf: errorFile, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let tail = text.split(separator: "\n").suffix(6).joined(separator: "\n")
        return Failure(description: "\(name) \(what)" + (tail.isEmpty ? "" : "; its stderr ends with:\n" + tail) + "\n(\(hint))")
    }
}
