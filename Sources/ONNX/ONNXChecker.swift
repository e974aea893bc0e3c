import CONNX
import Foundation

/// The outcome of an advisory libonnx check: never required, always reported.
public enum ONNXAdvisory: Sendable, Equatable, CustomStringConvertible {
    case passed
    /// libonnx rejected the model; the message is libonnx's.
    case failed(String)
    /// The check did not run (e.g. the model is newer than libonnx knows).
    case skipped(String)

    public var description: String {
        switch self {
        case .passed: return "passed"
        case let .failed(message): return "failed: \(message)"
        case let .skipped(reason): return "skipped: \(reason)"
        }
    }
}

/// What libonnx's shape inference found: the verdict and, when it ran, the inferred types of
/// intermediate values and outputs.
public struct ONNXShapeInference: Sendable, Equatable {
    public var advisory: ONNXAdvisory
    public var valueInfo: [ONNXValueInfo]
    public var outputs: [ONNXValueInfo]
}

/// libonnx's checker and shape inference as advisory checks (DESIGN.md: ONNX files). They
/// run only where the model's IR version and opsets are within what this libonnx knows.
public enum ONNXChecker {
    /// The libonnx release the shim links ("1.12.0" on Debian 12).
    public static var libraryVersion: String { String(cString: connx_onnx_version()) }

    /// The highest IR version libonnx knows.
    public static var maxIRVersion: Int64 { connx_max_ir_version() }

    /// The highest opset version libonnx knows for `domain`, or nil for a domain it does not know.
    public static func maxOpsetVersion(domain: String) -> Int64? {
        let version = withText(domain) { connx_max_opset_version($0, $1) }
        return version > 0 ? version : nil
    }

    /// Why libonnx cannot judge `model` (IR or a known domain's opset beyond its knowledge),
    /// or nil when it can.
    public static func reasonToSkip(_ model: ONNXModel) -> String? {
        if model.irVersion > maxIRVersion {
            return "IR version \(model.irVersion) is newer than libonnx \(libraryVersion) knows (≤ \(maxIRVersion))"
        }
        for opset in model.opsetImports {
            guard let known = maxOpsetVersion(domain: opset.domain), opset.version > known else { continue }
            let domain = opset.domain.isEmpty ? "ai.onnx" : opset.domain
            return "opset \(opset.version) of \(domain) is newer than libonnx \(libraryVersion) knows (≤ \(known))"
        }
        return nil
    }

    /// Runs onnx::checker. External data references are checked for existence relative to
    /// `model.directory`.
    public static func check(_ model: ONNXModel) -> ONNXAdvisory {
        if let reason = reasonToSkip(model) { return .skipped(reason) }
        let handle: ModelHandle
        do {
            handle = try ProtoEncoder(source: "<check>").encode(model)
        } catch {
            return .skipped("the model cannot be rebuilt for the checker: \(error)")
        }
        let error = ShimError()
        let directory = model.directory.map { $0.path + "/" }
        let code = directory.withOptionalCString { connx_check_model(handle.pointer, $0, &error.raw) }
        return code == Int32(CONNX_OK) ? .passed : .failed(error.message)
    }

    /// Runs onnx::shape_inference on a copy of the model. `strict` reports node-level
    /// inference errors instead of skipping those nodes.
    public static func inferShapes(_ model: ONNXModel, strict: Bool = true) -> ONNXShapeInference {
        if let reason = reasonToSkip(model) { return ONNXShapeInference(advisory: .skipped(reason), valueInfo: [], outputs: []) }
        let handle: ModelHandle
        do {
            handle = try ProtoEncoder(source: "<shape inference>").encode(model)
        } catch {
            return ONNXShapeInference(advisory: .skipped("the model cannot be rebuilt for shape inference: \(error)"), valueInfo: [], outputs: [])
        }
        let error = ShimError()
        guard let inferred = connx_infer_shapes(handle.pointer, 1, strict ? 1 : 0, 0, &error.raw) else {
            return ONNXShapeInference(advisory: .failed(error.message), valueInfo: [], outputs: [])
        }
        let result = ModelHandle(owning: inferred)
        let decoder = ProtoDecoder(source: "<shape inference>")
        guard let graph = connx_model_graph(result.pointer) else {
            return ONNXShapeInference(advisory: .failed("shape inference returned no graph"), valueInfo: [], outputs: [])
        }
        func values(_ list: Int) -> [ONNXValueInfo] {
            let list = Int32(list)
            return (0..<connx_graph_value_count(graph, list)).compactMap { connx_graph_value(graph, list, $0).map(decoder.valueInfo) }
        }
        return ONNXShapeInference(advisory: .passed, valueInfo: values(CONNX_GRAPH_VALUE_INFO), outputs: values(CONNX_GRAPH_OUTPUTS))
    }
}

extension Optional where Wrapped == String {
    /// Calls `body` with a C string, or NULL when nil.
    fileprivate func withOptionalCString<R>(_ body: (UnsafePointer<CChar>?) -> R) -> R {
        switch self {
        case let .some(text): return text.withCString { body($0) }
        case .none: return body(nil)
        }
    }
}
