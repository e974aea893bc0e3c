import CONNX
import Foundation

/// Reads ONNX models and standalone TensorProto files into the `ONNX*` value types.
public enum ONNXReader {
    /// What to do with tensors stored in external-data files.
    public enum ExternalDataPolicy: Sendable {
        /// Read the bytes (confined to the model's folder) so every tensor holds `raw_data`.
        case load
        /// Keep the `.external` references; `ONNXModel.directory` says where they resolve.
        case keepReferences
    }

    /// Reads a model file; external data resolves relative to the file's folder.
    public static func read(contentsOf url: URL, externalData: ExternalDataPolicy = .load) throws -> ONNXModel {
        let bytes = try readFile(url)
        return try read(bytes: bytes, source: url.path, directory: url.deletingLastPathComponent(), externalData: externalData)
    }

    /// Parses model bytes. `source` names them in errors; `directory` is where external data
    /// lives (required to load it).
    public static func read(bytes: Data, source: String = "<memory>", directory: URL? = nil,
                            externalData: ExternalDataPolicy = .load) throws -> ONNXModel {
        if bytes.isEmpty { throw ONNXError.emptyFile(file: source) }
        let error = ShimError()
        let parsed = bytes.withUnsafeBytes { connx_model_parse($0.baseAddress, $0.count, &error.raw) }
        guard let parsed else {
            if error.raw.code == Int32(CONNX_ERROR_TOO_LARGE) { throw ONNXError.tooLarge(file: source, detail: error.message) }
            throw ONNXError.malformedModel(file: source, detail: error.message)
        }
        let handle = ModelHandle(owning: parsed)
        var model = try ProtoDecoder(source: source).model(handle.pointer)
        model.directory = directory
        if externalData == .load { model = try loadExternalData(of: model, source: source) }
        return model
    }

    /// Replaces every external reference among the model's initializers (subgraphs included)
    /// by the bytes it names, read from `model.directory`.
    public static func loadExternalData(of model: ONNXModel, source: String = "<memory>") throws -> ONNXModel {
        guard model.graph.containsExternalData else { return model }
        guard let directory = model.directory else {
            let name = model.graph.firstExternalTensorName ?? "<unnamed>"
            throw ONNXError.invalidExternalData(file: source, tensor: name,
                                                detail: "the model was read from memory, so there is no folder to find its data file in; pass directory:")
        }
        let loader = ExternalDataLoader(directory: directory, source: source)
        var loaded = model
        loaded.graph = try loaded.graph.mapTensors { try loader.load($0) }
        for index in loaded.functions.indices {
            loaded.functions[index].nodes = try loaded.functions[index].nodes.map { try $0.mapTensors { try loader.load($0) } }
        }
        return loaded
    }

    /// Reads a standalone serialised TensorProto file (the conformance data sets' `*.pb`).
    public static func readTensorProto(contentsOf url: URL) throws -> ONNXTensor {
        try tensorProto(bytes: try readFile(url), source: url.path)
    }

    /// Parses a standalone serialised TensorProto.
    public static func tensorProto(bytes: Data, source: String = "<memory>") throws -> ONNXTensor {
        if bytes.isEmpty { throw ONNXError.emptyFile(file: source) }
        let error = ShimError()
        let parsed = bytes.withUnsafeBytes { connx_tensor_parse($0.baseAddress, $0.count, &error.raw) }
        guard let parsed else { throw ONNXError.malformedModel(file: source, detail: error.message) }
        defer { connx_tensor_free(parsed) }
        return try ProtoDecoder(source: source).tensor(parsed, context: "the tensor")
    }

    static func readFile(_ url: URL) throws -> Data {
        do {
            return try Data(contentsOf: url)
        } catch {
            let reason = FileManager.default.fileExists(atPath: url.path) ? "\(error.localizedDescription)" : "no such file"
            throw ONNXError.unreadableFile(file: url.path, reason: reason)
        }
    }
}
