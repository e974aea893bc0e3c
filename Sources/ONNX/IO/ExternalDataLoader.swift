import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads tensors stored in external-data files, confined to the model's folder: a location
/// that is absolute, climbs out with `..`, or resolves through a symbolic link to somewhere
/// outside the folder is refused; offset and length must lie inside the file and match the
/// tensor's dims and type. (libonnx 1.12 has no loader for this, so it happens here.)
final class ExternalDataLoader {
    let directory: URL
    let source: String
    private var resolvedDirectory: String?
    private var fileCache: [String: (handle: FileHandle, path: String, size: Int)] = [:]

    init(directory: URL, source: String) {
        self.directory = directory
        self.source = source
    }

    deinit {
        for entry in fileCache.values { try? entry.handle.close() }
    }

    /// The tensor with its external data replaced by the bytes it refers to.
    func load(_ tensor: ONNXTensor) throws -> ONNXTensor {
        guard case let .external(reference) = tensor.data else { return tensor }
        var loaded = tensor
        loaded.data = .raw(try bytes(of: reference, tensor: tensor))
        return loaded
    }

    func bytes(of reference: ONNXExternalData, tensor: ONNXTensor) throws -> Data {
        let label = tensor.name.isEmpty ? "<unnamed>" : tensor.name
        let file = try open(reference.location, label: label)
        let length = reference.length ?? max(file.size - reference.offset, 0)
        let (end, overflow) = reference.offset.addingReportingOverflow(length)
        if overflow || end > file.size {
            throw ONNXError.externalRangeOutOfFile(file: source, tensor: label, path: file.path, offset: reference.offset,
                                                   length: length, fileSize: file.size)
        }
        guard let expected = tensor.rawByteCount else {
            throw ONNXError.unsupportedDataType(file: source, tensor: label, dataType: tensor.dataType)
        }
        if length != expected {
            throw ONNXError.externalLengthMismatch(file: source, tensor: label, length: length, expected: expected)
        }
        do {
            try file.handle.seek(toOffset: UInt64(reference.offset))
            let data = try file.handle.read(upToCount: length) ?? Data()
            guard data.count == length else {
                throw ONNXError.externalRangeOutOfFile(file: source, tensor: label, path: file.path, offset: reference.offset,
                                                       length: length, fileSize: reference.offset + data.count)
            }
            return data
        } catch let error as ONNXError {
            throw error
        } catch {
            throw ONNXError.unreadableFile(file: file.path, reason: "\(error)")
        }
    }

    /// Opens the file `location` names, after confining it to the model's folder.
    private func open(_ location: String, label: String) throws -> (handle: FileHandle, path: String, size: Int) {
        if let cached = fileCache[location] { return cached }
        func refuse(_ reason: String) -> ONNXError {
            .externalLocationRefused(file: source, tensor: label, location: location, reason: reason)
        }
        if location.hasPrefix("/") || location.hasPrefix("\\") || Self.hasDriveLetter(location) {
            throw refuse("it is an absolute path")
        }
        if location.utf8.contains(0) { throw refuse("it contains a NUL byte") }
        var components: [String] = []
        for part in location.split(whereSeparator: { $0 == "/" || $0 == "\\" }) {
            switch part {
            case ".": continue
            case "..":
                if components.isEmpty { throw refuse("it leads outside the model's folder") }
                components.removeLast()
            default: components.append(String(part))
            }
        }
        if components.isEmpty { throw refuse("it names no file") }
        let path = components.reduce(directory) { $0.appendingPathComponent($1) }.path
        var status = stat()
        guard stat(path, &status) == 0 else {
            throw ONNXError.externalFileMissing(file: source, tensor: label, path: path)
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            throw ONNXError.invalidExternalData(file: source, tensor: label, detail: "\(path) is not a regular file")
        }
        // Symbolic links may point anywhere: compare real paths.
        guard let realFile = Self.realPath(path), let realFolder = try resolvedFolder() else {
            throw ONNXError.unreadableFile(file: path, reason: "its real path cannot be resolved")
        }
        let prefix = realFolder.hasSuffix("/") ? realFolder : realFolder + "/"
        guard realFile.hasPrefix(prefix) else {
            throw refuse("it resolves through a symbolic link to \(realFile), outside the model's folder")
        }
        let handle: FileHandle
        do {
            handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        } catch {
            throw ONNXError.unreadableFile(file: path, reason: "\(error)")
        }
        let entry = (handle: handle, path: path, size: Int(status.st_size))
        fileCache[location] = entry
        return entry
    }

    private func resolvedFolder() throws -> String? {
        if let resolvedDirectory { return resolvedDirectory }
        resolvedDirectory = Self.realPath(directory.path)
        return resolvedDirectory
    }

    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    private static func hasDriveLetter(_ location: String) -> Bool {
        let scalars = Array(location.unicodeScalars.prefix(2))
        return scalars.count == 2 && scalars[1] == ":" && scalars[0].properties.isAlphabetic
    }
}
