import Foundation

/// A ModelProto as stored: IR version, opset imports, producer, the main graph and functions.
public struct ONNXModel: Sendable, Equatable {
    public var irVersion: Int64
    public var opsetImports: [ONNXOpsetImport]
    public var producerName: String
    public var producerVersion: String
    public var domain: String
    public var modelVersion: Int64
    public var docString: String
    /// `metadata_props`; when a file repeats a key the last value wins.
    public var metadata: [String: String]
    public var graph: ONNXGraphProto
    public var functions: [ONNXFunction]
    /// Number of TrainingInfoProtos, which Winnow does not read.
    public var trainingInfoCount: Int
    /// The folder external-data locations are relative to (the model file's folder), when known.
    public var directory: URL?

    public init(irVersion: Int64, opsetImports: [ONNXOpsetImport], producerName: String = "Winnow",
                producerVersion: String = "", domain: String = "", modelVersion: Int64 = 0, docString: String = "",
                metadata: [String: String] = [:], graph: ONNXGraphProto, functions: [ONNXFunction] = [],
                trainingInfoCount: Int = 0, directory: URL? = nil) {
        self.irVersion = irVersion
        self.opsetImports = opsetImports
        self.producerName = producerName
        self.producerVersion = producerVersion
        self.domain = domain
        self.modelVersion = modelVersion
        self.docString = docString
        self.metadata = metadata
        self.graph = graph
        self.functions = functions
        self.trainingInfoCount = trainingInfoCount
        self.directory = directory
    }

    /// The imported opset version of a domain ("" and "ai.onnx" are the same domain).
    public func opsetVersion(domain: String) -> Int64? {
        let wanted = ONNXOpsetImport.canonicalDomain(domain)
        return opsetImports.last(where: { ONNXOpsetImport.canonicalDomain($0.domain) == wanted })?.version
    }
}

/// One `opset_import` entry: a domain and the operator-set version the model uses from it.
public struct ONNXOpsetImport: Sendable, Hashable {
    /// "" (or "ai.onnx") is the default ONNX domain.
    public var domain: String
    public var version: Int64

    public init(domain: String, version: Int64) {
        self.domain = domain
        self.version = version
    }

    /// "ai.onnx" spelled as "", so both spellings compare equal.
    public static func canonicalDomain(_ domain: String) -> String {
        domain == "ai.onnx" ? "" : domain
    }
}
