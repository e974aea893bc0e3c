import CONNX
import Foundation

/// Builds a protobuf ModelProto from the Swift value types, field for field: tensors are
/// written in whichever form they hold (the writer decides raw vs external beforehand).
struct ProtoEncoder {
    let source: String

    func encode(_ model: ONNXModel) throws -> ModelHandle {
        guard let created = connx_model_new() else { throw ONNXError.serializationFailed(file: source, detail: "out of memory") }
        let handle = ModelHandle(owning: created)
        let pointer = handle.pointer
        connx_model_set_ir_version(pointer, model.irVersion)
        withText(model.producerName) { connx_model_set_producer_name(pointer, $0, $1) }
        withText(model.producerVersion) { connx_model_set_producer_version(pointer, $0, $1) }
        withText(model.domain) { connx_model_set_domain(pointer, $0, $1) }
        connx_model_set_model_version(pointer, model.modelVersion)
        withText(model.docString) { connx_model_set_doc_string(pointer, $0, $1) }
        for opset in model.opsetImports {
            withText(opset.domain) { connx_model_add_opset(pointer, $0, $1, opset.version) }
        }
        for key in model.metadata.keys.sorted() {
            withText(key) { keyData, keyLength in
                withText(model.metadata[key] ?? "") { connx_model_add_metadata(pointer, keyData, keyLength, $0, $1) }
            }
        }
        try fill(connx_model_mutable_graph(pointer), with: model.graph)
        for function in model.functions {
            try fill(connx_model_add_function(pointer), with: function)
        }
        return handle
    }

    /// A standalone TensorProto's bytes.
    func serialize(_ tensor: ONNXTensor) throws -> Data {
        guard let pointer = connx_tensor_new() else { throw ONNXError.serializationFailed(file: source, detail: "out of memory") }
        defer { connx_tensor_free(pointer) }
        fill(pointer, with: tensor)
        let size = connx_tensor_byte_size(pointer)
        var data = Data(count: size)
        let error = ShimError()
        let code = data.withUnsafeMutableBytes { connx_tensor_serialize_into(pointer, $0.baseAddress, $0.count, &error.raw) }
        guard code == Int32(CONNX_OK) else { throw ONNXError.serializationFailed(file: source, detail: error.message) }
        return data
    }

    private func fill(_ graph: OpaquePointer?, with value: ONNXGraphProto) throws {
        guard let graph else { return }
        withText(value.name) { connx_graph_set_name(graph, $0, $1) }
        withText(value.docString) { connx_graph_set_doc_string(graph, $0, $1) }
        for node in value.nodes { try fill(connx_graph_add_node(graph), with: node) }
        for tensor in value.initializers { fill(connx_graph_add_initializer(graph), with: tensor) }
        for input in value.inputs { fill(connx_graph_add_value(graph, Int32(CONNX_GRAPH_INPUTS)), with: input) }
        for output in value.outputs { fill(connx_graph_add_value(graph, Int32(CONNX_GRAPH_OUTPUTS)), with: output) }
        for info in value.valueInfo { fill(connx_graph_add_value(graph, Int32(CONNX_GRAPH_VALUE_INFO)), with: info) }
    }

    private func fill(_ node: OpaquePointer?, with value: ONNXNode) throws {
        guard let node else { return }
        withText(value.name) { connx_node_set_name(node, $0, $1) }
        withText(value.opType) { connx_node_set_op_type(node, $0, $1) }
        withText(value.domain) { connx_node_set_domain(node, $0, $1) }
        withText(value.docString) { connx_node_set_doc_string(node, $0, $1) }
        for input in value.inputs { withText(input) { connx_node_add_input(node, $0, $1) } }
        for output in value.outputs { withText(output) { connx_node_add_output(node, $0, $1) } }
        for name in value.attributes.keys.sorted() {
            guard let attribute = value.attributes[name] else { continue }
            try fill(connx_node_add_attribute(node), name: name, with: attribute,
                     node: value.name.isEmpty ? "<unnamed \(value.opType)>" : value.name)
        }
    }

    private func fill(_ attribute: OpaquePointer?, name: String, with value: ONNXAttribute, node: String) throws {
        guard let attribute else { return }
        withText(name) { connx_attribute_set_name(attribute, $0, $1) }
        func type(_ kind: Int) { connx_attribute_set_type(attribute, Int32(kind)) }
        switch value {
        case let .float(number):
            type(CONNX_ATTRIBUTE_FLOAT)
            connx_attribute_set_f(attribute, number)
        case let .int(number):
            type(CONNX_ATTRIBUTE_INT)
            connx_attribute_set_i(attribute, number)
        case let .string(text):
            type(CONNX_ATTRIBUTE_STRING)
            withText(text) { connx_attribute_set_s(attribute, $0, $1) }
        case let .tensor(tensor):
            type(CONNX_ATTRIBUTE_TENSOR)
            fill(connx_attribute_mutable_t(attribute), with: tensor)
        case let .graph(graph):
            type(CONNX_ATTRIBUTE_GRAPH)
            try fill(connx_attribute_mutable_g(attribute), with: graph)
        case let .floats(numbers):
            type(CONNX_ATTRIBUTE_FLOATS)
            numbers.withUnsafeBufferPointer { connx_attribute_set_floats(attribute, $0.baseAddress, $0.count) }
        case let .ints(numbers):
            type(CONNX_ATTRIBUTE_INTS)
            numbers.withUnsafeBufferPointer { connx_attribute_set_ints(attribute, $0.baseAddress, $0.count) }
        case let .strings(texts):
            type(CONNX_ATTRIBUTE_STRINGS)
            for text in texts { withText(text) { connx_attribute_add_string(attribute, $0, $1) } }
        case let .tensors(tensors):
            type(CONNX_ATTRIBUTE_TENSORS)
            for tensor in tensors { fill(connx_attribute_add_tensor(attribute), with: tensor) }
        case let .graphs(graphs):
            type(CONNX_ATTRIBUTE_GRAPHS)
            for graph in graphs { try fill(connx_attribute_add_graph(attribute), with: graph) }
        case let .reference(referenced, kind):
            connx_attribute_set_type(attribute, kind)
            withText(referenced) { connx_attribute_set_ref_attr_name(attribute, $0, $1) }
        case let .unsupported(kind):
            throw ONNXError.invalidAttribute(file: source, node: node, attribute: name,
                                             detail: "attributes of kind \(kind) cannot be written; remove the attribute or the node")
        }
    }

    private func fill(_ tensor: OpaquePointer?, with value: ONNXTensor) {
        guard let tensor else { return }
        withText(value.name) { connx_tensor_set_name(tensor, $0, $1) }
        withText(value.docString) { connx_tensor_set_doc_string(tensor, $0, $1) }
        connx_tensor_set_data_type(tensor, value.dataType.rawValue)
        let dims = value.dims.map { Int64($0) }
        dims.withUnsafeBufferPointer { connx_tensor_set_dims(tensor, $0.baseAddress, $0.count) }
        switch value.data {
        case let .raw(bytes):
            bytes.withUnsafeBytes { connx_tensor_set_raw_data(tensor, $0.baseAddress, $0.count) }
        case let .floats(values):
            values.withUnsafeBufferPointer { connx_tensor_set_float_data(tensor, $0.baseAddress, $0.count) }
        case let .int32s(values):
            values.withUnsafeBufferPointer { connx_tensor_set_int32_data(tensor, $0.baseAddress, $0.count) }
        case let .int64s(values):
            values.withUnsafeBufferPointer { connx_tensor_set_int64_data(tensor, $0.baseAddress, $0.count) }
        case let .doubles(values):
            values.withUnsafeBufferPointer { connx_tensor_set_double_data(tensor, $0.baseAddress, $0.count) }
        case let .uint64s(values):
            values.withUnsafeBufferPointer { connx_tensor_set_uint64_data(tensor, $0.baseAddress, $0.count) }
        case let .strings(values):
            for bytes in values { withBytes(bytes) { connx_tensor_add_string_data(tensor, $0, $1) } }
        case let .external(reference):
            connx_tensor_set_data_location(tensor, Int32(CONNX_LOCATION_EXTERNAL))
            var entries = [("location", reference.location), ("offset", String(reference.offset))]
            if let length = reference.length { entries.append(("length", String(length))) }
            if let checksum = reference.checksum { entries.append(("checksum", checksum)) }
            for (key, entry) in entries {
                withText(key) { keyData, keyLength in
                    withText(entry) { connx_tensor_add_external_data(tensor, keyData, keyLength, $0, $1) }
                }
            }
        }
    }

    private func fill(_ info: OpaquePointer?, with value: ONNXValueInfo) {
        guard let info else { return }
        withText(value.name) { connx_value_info_set_name(info, $0, $1) }
        withText(value.docString) { connx_value_info_set_doc_string(info, $0, $1) }
        if let type = value.type { fill(type: connx_value_info_mutable_type(info), with: type) }
    }

    private func fill(type: OpaquePointer?, with value: ONNXValueType) {
        guard let type else { return }
        func shape(_ dims: [ONNXDimension]?) {
            guard let dims else { return }
            connx_type_set_shape(type)
            for dim in dims {
                switch dim {
                case let .known(size): connx_type_add_dim_value(type, Int64(size))
                case let .symbolic(name): withText(name) { connx_type_add_dim_param(type, $0, $1) }
                case .unknown: connx_type_add_dim_unknown(type)
                }
            }
        }
        switch value {
        case let .tensor(element, dims):
            connx_type_set_tensor(type, element.rawValue)
            shape(dims)
        case let .sparseTensor(element, dims):
            connx_type_set_sparse_tensor(type, element.rawValue)
            shape(dims)
        case let .sequence(inner):
            let elementType = connx_type_set_sequence(type)
            if let inner { fill(type: elementType, with: inner) }
        case let .optional(inner):
            let elementType = connx_type_set_optional(type)
            if let inner { fill(type: elementType, with: inner) }
        case let .map(key, inner):
            let valueType = connx_type_set_map(type, key.rawValue)
            if let inner { fill(type: valueType, with: inner) }
        case .opaque:
            connx_type_set_opaque(type)
        }
    }

    private func fill(_ function: OpaquePointer?, with value: ONNXFunction) throws {
        guard let function else { return }
        withText(value.name) { connx_function_set_name(function, $0, $1) }
        withText(value.domain) { connx_function_set_domain(function, $0, $1) }
        withText(value.docString) { connx_function_set_doc_string(function, $0, $1) }
        for input in value.inputs { withText(input) { connx_function_add_input(function, $0, $1) } }
        for output in value.outputs { withText(output) { connx_function_add_output(function, $0, $1) } }
        for name in value.attributeNames { withText(name) { connx_function_add_attribute(function, $0, $1) } }
        for node in value.nodes { try fill(connx_function_add_node(function), with: node) }
        for opset in value.opsetImports {
            withText(opset.domain) { connx_function_add_opset(function, $0, $1, opset.version) }
        }
    }
}
