import CONNX
import Foundation

/// Copies what a parsed protobuf handle holds into the Swift value types, validating tensors
/// as it goes. `source` names the file in every error.
struct ProtoDecoder {
    let source: String

    func model(_ model: OpaquePointer) throws -> ONNXModel {
        let irVersion = connx_model_ir_version(model)
        guard let graphHandle = connx_model_graph(model) else {
            throw ONNXError.malformedModel(file: source, detail: "it has no graph")
        }
        guard irVersion > 0 else {
            throw ONNXError.malformedModel(file: source, detail: "it has no ir_version")
        }
        var opsets: [ONNXOpsetImport] = []
        for index in 0..<connx_model_opset_count(model) {
            opsets.append(ONNXOpsetImport(domain: connx_model_opset_domain(model, index).text,
                                          version: connx_model_opset_version(model, index)))
        }
        if irVersion >= 3 && opsets.isEmpty {
            throw ONNXError.malformedModel(file: source, detail: "IR version \(irVersion) requires opset imports and there are none")
        }
        var metadata: [String: String] = [:]
        for index in 0..<connx_model_metadata_count(model) {
            metadata[connx_model_metadata_key(model, index).text] = connx_model_metadata_value(model, index).text
        }
        var functions: [ONNXFunction] = []
        for index in 0..<connx_model_function_count(model) {
            if let handle = connx_model_function(model, index) { functions.append(try function(handle)) }
        }
        return ONNXModel(
            irVersion: irVersion, opsetImports: opsets,
            producerName: connx_model_producer_name(model).text,
            producerVersion: connx_model_producer_version(model).text,
            domain: connx_model_domain(model).text,
            modelVersion: connx_model_model_version(model),
            docString: connx_model_doc_string(model).text,
            metadata: metadata,
            graph: try graph(graphHandle),
            functions: functions,
            trainingInfoCount: connx_model_training_info_count(model))
    }

    func graph(_ graph: OpaquePointer) throws -> ONNXGraphProto {
        var nodes: [ONNXNode] = []
        nodes.reserveCapacity(connx_graph_node_count(graph))
        for index in 0..<connx_graph_node_count(graph) {
            if let handle = connx_graph_node(graph, index) { nodes.append(try node(handle)) }
        }
        var initializers: [ONNXTensor] = []
        for index in 0..<connx_graph_initializer_count(graph) {
            if let handle = connx_graph_initializer(graph, index) {
                initializers.append(try tensor(handle, context: "initializer #\(index)"))
            }
        }
        func values(_ list: Int) -> [ONNXValueInfo] {
            let list = Int32(list)
            return (0..<connx_graph_value_count(graph, list)).compactMap { index in
                connx_graph_value(graph, list, index).map(valueInfo)
            }
        }
        return ONNXGraphProto(
            name: connx_graph_name(graph).text, nodes: nodes, initializers: initializers,
            inputs: values(CONNX_GRAPH_INPUTS), outputs: values(CONNX_GRAPH_OUTPUTS),
            valueInfo: values(CONNX_GRAPH_VALUE_INFO), docString: connx_graph_doc_string(graph).text,
            sparseInitializerCount: connx_graph_sparse_initializer_count(graph))
    }

    func node(_ node: OpaquePointer) throws -> ONNXNode {
        let name = connx_node_name(node).text
        let opType = connx_node_op_type(node).text
        let label = name.isEmpty ? "<unnamed \(opType)>" : name
        var attributes: [String: ONNXAttribute] = [:]
        for index in 0..<connx_node_attribute_count(node) {
            guard let handle = connx_node_attribute(node, index) else { continue }
            let attributeName = connx_attribute_name(handle).text
            guard attributes[attributeName] == nil else {
                throw ONNXError.invalidAttribute(file: source, node: label, attribute: attributeName,
                                                 detail: "the attribute appears twice; the file is invalid, re-export it")
            }
            attributes[attributeName] = try attribute(handle, node: label)
        }
        return ONNXNode(
            name: name, opType: opType, domain: connx_node_domain(node).text,
            inputs: (0..<connx_node_input_count(node)).map { connx_node_input(node, $0).text },
            outputs: (0..<connx_node_output_count(node)).map { connx_node_output(node, $0).text },
            attributes: attributes, docString: connx_node_doc_string(node).text)
    }

    func attribute(_ attribute: OpaquePointer, node: String) throws -> ONNXAttribute {
        let declared = connx_attribute_type(attribute)
        let reference = connx_attribute_ref_attr_name(attribute).text
        if !reference.isEmpty { return .reference(attribute: reference, type: declared) }
        let name = connx_attribute_name(attribute).text
        let context = "attribute '\(name)' of node '\(node)'"
        let kind = declared != Int32(CONNX_ATTRIBUTE_UNDEFINED) ? declared : Self.inferredKind(connx_attribute_present_fields(attribute))
        switch Int(kind) {
        case CONNX_ATTRIBUTE_FLOAT:
            return .float(connx_attribute_f(attribute))
        case CONNX_ATTRIBUTE_INT:
            return .int(connx_attribute_i(attribute))
        case CONNX_ATTRIBUTE_STRING:
            return .string(connx_attribute_s(attribute).text)
        case CONNX_ATTRIBUTE_TENSOR:
            guard let handle = connx_attribute_t(attribute) else {
                throw ONNXError.invalidAttribute(file: source, node: node, attribute: name, detail: "declared TENSOR but holds no tensor; re-export the model")
            }
            return .tensor(try tensor(handle, context: context))
        case CONNX_ATTRIBUTE_GRAPH:
            guard let handle = connx_attribute_g(attribute) else {
                throw ONNXError.invalidAttribute(file: source, node: node, attribute: name, detail: "declared GRAPH but holds no graph; re-export the model")
            }
            return .graph(try graph(handle))
        case CONNX_ATTRIBUTE_FLOATS:
            return .floats(copyArray { connx_attribute_floats(attribute, $0) })
        case CONNX_ATTRIBUTE_INTS:
            return .ints(copyArray { connx_attribute_ints(attribute, $0) })
        case CONNX_ATTRIBUTE_STRINGS:
            return .strings((0..<connx_attribute_strings_count(attribute)).map { connx_attribute_string_at(attribute, $0).text })
        case CONNX_ATTRIBUTE_TENSORS:
            return .tensors(try (0..<connx_attribute_tensors_count(attribute)).compactMap { index in
                try connx_attribute_tensor_at(attribute, index).map { try tensor($0, context: "\(context), tensor #\(index)") }
            })
        case CONNX_ATTRIBUTE_GRAPHS:
            return .graphs(try (0..<connx_attribute_graphs_count(attribute)).compactMap { index in
                try connx_attribute_graph_at(attribute, index).map(graph)
            })
        case CONNX_ATTRIBUTE_SPARSE_TENSOR: return .unsupported(kind: "SPARSE_TENSOR")
        case CONNX_ATTRIBUTE_SPARSE_TENSORS: return .unsupported(kind: "SPARSE_TENSORS")
        case CONNX_ATTRIBUTE_TYPE_PROTO: return .unsupported(kind: "TYPE_PROTO")
        case CONNX_ATTRIBUTE_TYPE_PROTOS: return .unsupported(kind: "TYPE_PROTOS")
        default: return .unsupported(kind: "UNDEFINED")
        }
    }

    /// Files from before IR 3 leave `type` unset; the field that carries a value names the kind.
    static func inferredKind(_ fields: UInt32) -> Int32 {
        let order: [(Int, Int)] = [
            (CONNX_FIELD_F, CONNX_ATTRIBUTE_FLOAT), (CONNX_FIELD_I, CONNX_ATTRIBUTE_INT),
            (CONNX_FIELD_S, CONNX_ATTRIBUTE_STRING), (CONNX_FIELD_T, CONNX_ATTRIBUTE_TENSOR),
            (CONNX_FIELD_G, CONNX_ATTRIBUTE_GRAPH), (CONNX_FIELD_FLOATS, CONNX_ATTRIBUTE_FLOATS),
            (CONNX_FIELD_INTS, CONNX_ATTRIBUTE_INTS), (CONNX_FIELD_STRINGS, CONNX_ATTRIBUTE_STRINGS),
            (CONNX_FIELD_TENSORS, CONNX_ATTRIBUTE_TENSORS), (CONNX_FIELD_GRAPHS, CONNX_ATTRIBUTE_GRAPHS),
            (CONNX_FIELD_SPARSE_TENSOR, CONNX_ATTRIBUTE_SPARSE_TENSOR),
            (CONNX_FIELD_SPARSE_TENSORS, CONNX_ATTRIBUTE_SPARSE_TENSORS),
            (CONNX_FIELD_TP, CONNX_ATTRIBUTE_TYPE_PROTO), (CONNX_FIELD_TYPE_PROTOS, CONNX_ATTRIBUTE_TYPE_PROTOS),
        ]
        for (bit, kind) in order where fields & UInt32(bit) != 0 { return Int32(kind) }
        return Int32(CONNX_ATTRIBUTE_UNDEFINED)
    }

    /// Reads a TensorProto; `context` names it in errors when the tensor has no name.
    func tensor(_ tensor: OpaquePointer, context: String) throws -> ONNXTensor {
        let name = connx_tensor_name(tensor).text
        let label = name.isEmpty ? context : name
        let dataType = ONNXDataType(rawValue: connx_tensor_data_type(tensor))
        let dims = copyArray { connx_tensor_dims(tensor, $0) }.map { Int($0) }
        if connx_tensor_has_segment(tensor) != 0 {
            throw ONNXError.invalidTensor(file: source, tensor: label, detail: "it uses the segment field, which Winnow does not read")
        }
        // Exactly one data field may be used; gather those that carry something.
        var present: [ONNXTensorData] = []
        if connx_tensor_has_raw_data(tensor) != 0 { present.append(.raw(connx_tensor_raw_data(tensor).bytes)) }
        if countOf({ connx_tensor_float_data(tensor, $0) }) > 0 {
            present.append(.floats(copyArray { connx_tensor_float_data(tensor, $0) }))
        }
        if countOf({ connx_tensor_int32_data(tensor, $0) }) > 0 {
            present.append(.int32s(copyArray { connx_tensor_int32_data(tensor, $0) }))
        }
        if countOf({ connx_tensor_int64_data(tensor, $0) }) > 0 {
            present.append(.int64s(copyArray { connx_tensor_int64_data(tensor, $0) }))
        }
        if countOf({ connx_tensor_double_data(tensor, $0) }) > 0 {
            present.append(.doubles(copyArray { connx_tensor_double_data(tensor, $0) }))
        }
        if countOf({ connx_tensor_uint64_data(tensor, $0) }) > 0 {
            present.append(.uint64s(copyArray { connx_tensor_uint64_data(tensor, $0) }))
        }
        if connx_tensor_string_data_count(tensor) > 0 {
            present.append(.strings((0..<connx_tensor_string_data_count(tensor)).map { connx_tensor_string_data_at(tensor, $0).bytes }))
        }
        let data: ONNXTensorData
        if connx_tensor_data_location(tensor) == Int32(CONNX_LOCATION_EXTERNAL) {
            if let extra = present.first {
                throw ONNXError.invalidTensor(file: source, tensor: label, detail: "it is stored externally but also has \(extra.fieldName)")
            }
            data = .external(try externalData(tensor, label: label))
        } else if present.count > 1 {
            throw ONNXError.invalidTensor(file: source, tensor: label,
                                          detail: "it has data in both \(present[0].fieldName) and \(present[1].fieldName)")
        } else if let only = present.first {
            data = only
        } else {
            data = dataType == .string ? .strings([]) : .raw(Data())
        }
        let result = ONNXTensor(name: name, dataType: dataType, dims: dims, data: data,
                                docString: connx_tensor_doc_string(tensor).text)
        try result.validate(source: source, label: label)
        return result
    }

    private func externalData(_ tensor: OpaquePointer, label: String) throws -> ONNXExternalData {
        var location: String?
        var offset = 0
        var length: Int?
        var checksum: String?
        for index in 0..<connx_tensor_external_data_count(tensor) {
            let key = connx_tensor_external_data_key(tensor, index).text
            let value = connx_tensor_external_data_value(tensor, index).text
            func integer() throws -> Int {
                guard let number = Int(value), number >= 0 else {
                    throw ONNXError.invalidExternalData(file: source, tensor: label, detail: "\(key) '\(value)' is not a non-negative integer")
                }
                return number
            }
            switch key {
            case "location": location = value
            case "offset": offset = try integer()
            case "length": length = try integer()
            case "checksum": checksum = value
            default: break
            }
        }
        guard let location, !location.isEmpty else {
            throw ONNXError.invalidExternalData(file: source, tensor: label, detail: "it has no location")
        }
        return ONNXExternalData(location: location, offset: offset, length: length, checksum: checksum)
    }

    func valueInfo(_ value: OpaquePointer) -> ONNXValueInfo {
        ONNXValueInfo(name: connx_value_info_name(value).text, type: valueType(connx_value_info_type(value)),
                      docString: connx_value_info_doc_string(value).text)
    }

    func valueType(_ type: OpaquePointer?) -> ONNXValueType? {
        guard let type else { return nil }
        let element = ONNXDataType(rawValue: connx_type_elem_type(type))
        switch Int(connx_type_kind(type)) {
        case CONNX_TYPE_TENSOR: return .tensor(elementType: element, shape: shape(type))
        case CONNX_TYPE_SPARSE_TENSOR: return .sparseTensor(elementType: element, shape: shape(type))
        case CONNX_TYPE_SEQUENCE: return .sequence(valueType(connx_type_inner(type)))
        case CONNX_TYPE_OPTIONAL: return .optional(valueType(connx_type_inner(type)))
        case CONNX_TYPE_MAP: return .map(keyType: element, valueType: valueType(connx_type_inner(type)))
        case CONNX_TYPE_OPAQUE: return .opaque
        default: return nil
        }
    }

    /// The dims of a tensor type; a negative dim_value or an empty dim_param reads as unknown.
    private func shape(_ type: OpaquePointer) -> [ONNXDimension]? {
        guard connx_type_has_shape(type) != 0 else { return nil }
        return (0..<connx_type_dim_count(type)).map { index -> ONNXDimension in
            switch Int(connx_type_dim_kind(type, index)) {
            case CONNX_DIM_VALUE:
                let value = connx_type_dim_value(type, index)
                return value >= 0 ? .known(Int(value)) : .unknown
            case CONNX_DIM_PARAM:
                let name = connx_type_dim_param(type, index).text
                return name.isEmpty ? .unknown : .symbolic(name)
            default:
                return .unknown
            }
        }
    }

    func function(_ function: OpaquePointer) throws -> ONNXFunction {
        ONNXFunction(
            name: connx_function_name(function).text,
            domain: connx_function_domain(function).text,
            inputs: (0..<connx_function_input_count(function)).map { connx_function_input(function, $0).text },
            outputs: (0..<connx_function_output_count(function)).map { connx_function_output(function, $0).text },
            attributeNames: (0..<connx_function_attribute_count(function)).map { connx_function_attribute(function, $0).text },
            nodes: try (0..<connx_function_node_count(function)).compactMap { try connx_function_node(function, $0).map(node) },
            opsetImports: (0..<connx_function_opset_count(function)).map {
                ONNXOpsetImport(domain: connx_function_opset_domain(function, $0).text,
                                version: connx_function_opset_version(function, $0))
            },
            docString: connx_function_doc_string(function).text)
    }
}
