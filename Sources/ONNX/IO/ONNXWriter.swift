import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes an `ONNXModel` as an ONNX file. Numeric tensors are written as `raw_data`; with an
/// `externalDataThreshold`, initializers larger than it go to one `<file>.data` file beside the
/// model, each at an offset aligned to `alignment`. Files appear atomically: everything is
/// written under temporary names in the target folder and then renamed.
public struct ONNXWriter: Sendable {
    /// Initializers whose data is larger than this many bytes are stored externally; nil keeps
    /// every tensor inside the model file.
    public var externalDataThreshold: Int?
    /// Byte alignment of each tensor's offset in the data file (a power of two, e.g. 4096 for
    /// page-aligned memory mapping).
    public var alignment: Int

    public init(externalDataThreshold: Int? = nil, alignment: Int = 4096) {
        self.externalDataThreshold = externalDataThreshold
        self.alignment = max(alignment, 1)
    }

    /// The data file name used for a model file name: `model.onnx` → `model.onnx.data`.
    public static func dataFileName(forModelNamed modelName: String) -> String { modelName + ".data" }

    /// The serialised model with every tensor inline (external references are loaded from
    /// `model.directory`).
    public func serialize(_ model: ONNXModel, source: String = "<memory>") throws -> Data {
        let loader = model.directory.map { ExternalDataLoader(directory: $0, source: source) }
        var inline = model
        inline.graph = try model.graph.mapTensors { try Self.inlined($0, loader: loader, source: source) }
        for index in inline.functions.indices {
            inline.functions[index].nodes = try inline.functions[index].nodes.map {
                try $0.mapTensors { try Self.inlined($0, loader: loader, source: source) }
            }
        }
        return try ProtoEncoder(source: source).encode(inline).serialized(source: source)
    }

    /// Serialises one TensorProto (e.g. for a conformance data set).
    public func serialize(_ tensor: ONNXTensor, source: String = "<memory>") throws -> Data {
        try ProtoEncoder(source: source).serialize(try Self.inlined(tensor, loader: nil, source: source))
    }

    /// Writes the model to `url` (and its data file when some initializer exceeds the threshold).
    public func write(_ model: ONNXModel, to url: URL) throws {
        let folder = url.deletingLastPathComponent()
        let source = url.path
        let dataName = Self.dataFileName(forModelNamed: url.lastPathComponent)
        let token = "\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))"
        let modelTemp = folder.appendingPathComponent(".\(url.lastPathComponent).tmp-\(token)")
        let dataTemp = folder.appendingPathComponent(".\(dataName).tmp-\(token)")
        defer {
            try? FileManager.default.removeItem(at: modelTemp)
            try? FileManager.default.removeItem(at: dataTemp)
        }
        let loader = model.directory.map { ExternalDataLoader(directory: $0, source: model.directory?.path ?? source) }
        let dataFile = DataFileWriter(url: dataTemp, alignment: alignment, source: source)

        var prepared = model
        prepared.graph.initializers = try model.graph.initializers.map { tensor in
            let inline = try Self.inlined(tensor, loader: loader, source: source)
            guard let threshold = externalDataThreshold, case let .raw(bytes) = inline.data, bytes.count > threshold else {
                return inline
            }
            let offset = try dataFile.append(bytes)
            var external = inline
            external.data = .external(ONNXExternalData(location: dataName, offset: offset, length: bytes.count))
            return external
        }
        prepared.graph.nodes = try model.graph.nodes.map { try $0.mapTensors { try Self.inlined($0, loader: loader, source: source) } }
        for index in prepared.functions.indices {
            prepared.functions[index].nodes = try prepared.functions[index].nodes.map {
                try $0.mapTensors { try Self.inlined($0, loader: loader, source: source) }
            }
        }
        prepared.directory = folder
        let bytes = try ProtoEncoder(source: source).encode(prepared).serialized(source: source)
        try dataFile.close()

        do {
            try bytes.write(to: modelTemp)
            if dataFile.used {
                try Self.replace(folder.appendingPathComponent(dataName), with: dataTemp)
            }
            try Self.replace(url, with: modelTemp)
        } catch let error as ONNXError {
            throw error
        } catch {
            throw ONNXError.writeFailed(file: source, reason: "\(error.localizedDescription)")
        }
    }

    /// A tensor with its data inline: external references loaded, typed numeric fields turned
    /// into `raw_data`. Strings and types of unknown size stay as they are.
    static func inlined(_ tensor: ONNXTensor, loader: ExternalDataLoader?, source: String) throws -> ONNXTensor {
        var result = tensor
        if case let .external(reference) = tensor.data {
            guard let loader else {
                throw ONNXError.invalidExternalData(file: source, tensor: tensor.name,
                                                    detail: "its data in '\(reference.location)' cannot be found: the model has no directory")
            }
            result = try loader.load(tensor)
        }
        switch result.data {
        case .raw, .strings, .external: return result
        default:
            guard result.dataType.byteSize != nil else { return result }
            result.data = .raw(try result.rawBytes(source: source))
            return result
        }
    }

    /// Moves `temporary` over `destination` (rename(2) replaces atomically within a folder).
    private static func replace(_ destination: URL, with temporary: URL) throws {
        guard rename(temporary.path, destination.path) == 0 else {
            let reason = String(cString: strerror(errno))
            throw ONNXError.writeFailed(file: destination.path, reason: reason)
        }
    }
}

/// Appends tensors to the external data file at aligned offsets, creating it on first use.
private final class DataFileWriter {
    let url: URL
    let alignment: Int
    let source: String
    private var handle: FileHandle?
    private var size = 0

    init(url: URL, alignment: Int, source: String) {
        self.url = url
        self.alignment = alignment
        self.source = source
    }

    var used: Bool { handle != nil }

    /// Writes `bytes` at the next aligned offset and returns that offset.
    func append(_ bytes: Data) throws -> Int {
        do {
            if handle == nil {
                guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
                    throw ONNXError.writeFailed(file: url.path, reason: "cannot create the file")
                }
                handle = try FileHandle(forWritingTo: url)
            }
            guard let handle else { return 0 }
            let padding = (alignment - size % alignment) % alignment
            if padding > 0 { try handle.write(contentsOf: Data(count: padding)) }
            let offset = size + padding
            try handle.write(contentsOf: bytes)
            size = offset + bytes.count
            return offset
        } catch let error as ONNXError {
            throw error
        } catch {
            throw ONNXError.writeFailed(file: url.path, reason: "\(error.localizedDescription)")
        }
    }

    func close() throws {
        do {
            try handle?.synchronize()
            try handle?.close()
        } catch {
            throw ONNXError.writeFailed(file: url.path, reason: "\(error.localizedDescription)")
        }
    }
}
