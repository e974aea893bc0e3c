#if canImport(Glibc)
import Glibc
#endif

/// Human text and progress go to stderr; stdout is reserved for results (and `--json`).
enum Console {
    static func info(_ line: String) {
        let text = line + "\n"
        text.utf8CString.withUnsafeBufferPointer { buffer in
            _ = write(2, buffer.baseAddress, buffer.count - 1)
        }
    }

    static func output(_ text: String) {
        print(text)
    }
}
