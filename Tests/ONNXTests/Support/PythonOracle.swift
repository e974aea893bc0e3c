import Foundation
import XCTest
import WinnowTestSupport

/// ONNX-specific parts of the shared Python oracle (WinnowTestSupport's `PythonOracle` runs the
/// scripts): a prelude using pip `onnx`, numpy and onnxruntime (scripts/install-deps installs
/// them), JSON results and the model dump.
extension PythonOracle {
    /// Parses a JSON file the oracle wrote.
    static func json(_ url: URL) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(contentsOf: url))
    }

    /// Common Python prelude: imports and a helper that describes an array exactly.
    static let prelude = """
    import json, os, sys
    import numpy as np
    import onnx
    from onnx import helper, numpy_helper, TensorProto, AttributeProto

    def describe(array):
        # Exact description: element type, dims and little-endian bytes as hex.
        array = np.asarray(array)
        little = array.astype(array.dtype.newbyteorder('<'), copy=False)
        return {"dtype": int(helper.np_dtype_to_tensor_dtype(array.dtype)),
                "dims": list(array.shape), "hex": np.ascontiguousarray(little).tobytes().hex()}

    """
}

extension Data {
    /// Bytes from a hex string (as Python's `bytes.hex()` writes it).
    init?(hex: String) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(hex.utf8.count / 2)
        var high: UInt8?
        for character in hex.utf8 {
            let value: UInt8
            switch character {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = character - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): value = character - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): value = character - UInt8(ascii: "A") + 10
            default: return nil
            }
            if let h = high {
                bytes.append(h << 4 | value)
                high = nil
            } else {
                high = value
            }
        }
        guard high == nil else { return nil }
        self.init(bytes)
    }

    /// Lower-case hex, as Python's `bytes.fromhex` reads it.
    var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(count * 2)
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension PythonOracle {
    /// `dump.py MODEL OUT.json`: what pip onnx reads from a model file (external data
    /// included), plus the verdict of `onnx.checker.check_model(full_check=True)`.
    static let dumpScript = prelude + #"""
    def dims_of(value_info):
        t = value_info.type
        if not t.HasField("tensor_type"):
            return {"name": value_info.name, "kind": t.WhichOneof("value")}
        tt = t.tensor_type
        dims = None
        if tt.HasField("shape"):
            dims = []
            for d in tt.shape.dim:
                which = d.WhichOneof("value")
                dims.append(d.dim_value if which == "dim_value" else d.dim_param if which == "dim_param" else None)
        return {"name": value_info.name, "elem": tt.elem_type, "dims": dims}

    def graph_summary(g):
        return {"name": g.name, "nodes": [n.op_type for n in g.node], "initializers": [i.name for i in g.initializer]}

    def attribute(a):
        v = helper.get_attribute_value(a)
        if a.type == AttributeProto.STRING: v = v.decode("utf-8")
        elif a.type == AttributeProto.STRINGS: v = [s.decode("utf-8") for s in v]
        elif a.type == AttributeProto.TENSOR: v = describe(numpy_helper.to_array(v))
        elif a.type == AttributeProto.TENSORS: v = [describe(numpy_helper.to_array(t)) for t in v]
        elif a.type == AttributeProto.GRAPH: v = graph_summary(v)
        elif a.type == AttributeProto.GRAPHS: v = [graph_summary(g) for g in v]
        elif a.type == AttributeProto.FLOATS: v = [float(x) for x in v]
        elif a.type == AttributeProto.INTS: v = [int(x) for x in v]
        return {"type": int(a.type), "value": v}

    path, out = sys.argv[1], sys.argv[2]
    model = onnx.load(path)
    try:
        onnx.checker.check_model(model, full_check=True)
        verdict = "ok"
    except Exception as e:
        verdict = str(e)
    g = model.graph
    inits = {}
    for t in g.initializer:
        d = describe(numpy_helper.to_array(t))
        d["raw"] = t.HasField("raw_data")
        inits[t.name] = d
    dump = {
        "checker": verdict, "ir": model.ir_version,
        "opsets": [[o.domain, o.version] for o in model.opset_import],
        "producer": model.producer_name, "doc": model.doc_string,
        "metadata": {p.key: p.value for p in model.metadata_props},
        "graph_name": g.name, "initializers": inits, "initializer_order": [t.name for t in g.initializer],
        "inputs": [dims_of(v) for v in g.input], "outputs": [dims_of(v) for v in g.output],
        "value_info": [dims_of(v) for v in g.value_info],
        "nodes": [{"name": n.name, "op": n.op_type, "domain": n.domain, "inputs": list(n.input),
                   "outputs": list(n.output), "attributes": {a.name: attribute(a) for a in n.attribute}} for n in g.node],
    }
    with open(out, "w") as f:
        json.dump(dump, f)
    """#

    /// Runs `dumpScript` on `model` and returns its JSON.
    static func dump(_ model: URL, in directory: URL) throws -> [String: Any] {
        let out = directory.appendingPathComponent("dump-\(UUID().uuidString).json")
        try run(dumpScript, name: "dump", in: directory, arguments: [model.path, out.path])
        guard let json = try self.json(out) as? [String: Any] else { throw Failure(description: "dump.py wrote no object") }
        return json
    }
}
