extension ONNXTensor {
    /// The typed field that holds values of `dataType` and how many entries one element takes,
    /// per onnx.proto; nil for types whose field this code does not know.
    static func typedField(for dataType: ONNXDataType) -> (field: String, entriesPerElement: Int)? {
        switch dataType {
        case .float: return ("float_data", 1)
        case .complex64: return ("float_data", 2)
        case .int32, .int16, .int8, .uint16, .uint8, .bool, .float16, .bfloat16: return ("int32_data", 1)
        // The 8-bit float types (FLOAT8E4M3FN, E4M3FNUZ, E5M2, E5M2FNUZ, E8M0): one int32 each.
        case ONNXDataType(rawValue: 17), ONNXDataType(rawValue: 18), ONNXDataType(rawValue: 19),
             ONNXDataType(rawValue: 20), ONNXDataType(rawValue: 24): return ("int32_data", 1)
        case .int64: return ("int64_data", 1)
        case .double: return ("double_data", 1)
        case .complex128: return ("double_data", 2)
        case .uint32, .uint64: return ("uint64_data", 1)
        case .string: return ("string_data", 1)
        default: return nil
        }
    }

    /// Checks that dims are valid and that the data holds exactly the elements they describe.
    /// `label` names the tensor when it has no name of its own.
    public func validate(source: String, label: String? = nil) throws {
        let label = name.isEmpty ? (label ?? "<unnamed>") : name
        func invalid(_ detail: String) -> ONNXError { .invalidTensor(file: source, tensor: label, detail: detail) }
        guard let count = elementCount else {
            throw invalid("dims \(dims) are negative or their product overflows")
        }
        let typedCount: Int
        switch data {
        case let .raw(bytes):
            if dataType == .string { throw invalid("STRING values cannot be stored in raw_data") }
            if dataType.byteSize != nil && rawByteCount == nil {
                throw invalid("dims \(dims) of \(dataType) need more bytes than memory can address")
            }
            if let expected = rawByteCount, bytes.count != expected {
                throw invalid("raw_data holds \(bytes.count) bytes but dims \(dims) of \(dataType) need \(expected)")
            }
            return
        case let .external(reference):
            if dataType == .string {
                throw ONNXError.invalidExternalData(file: source, tensor: label, detail: "STRING tensors cannot be stored externally")
            }
            if dataType.byteSize != nil && rawByteCount == nil {
                throw invalid("dims \(dims) of \(dataType) need more bytes than memory can address")
            }
            if let length = reference.length, let expected = rawByteCount, length != expected {
                throw ONNXError.externalLengthMismatch(file: source, tensor: label, length: length, expected: expected)
            }
            return
        case let .floats(values): typedCount = values.count
        case let .int32s(values): typedCount = values.count
        case let .int64s(values): typedCount = values.count
        case let .doubles(values): typedCount = values.count
        case let .uint64s(values): typedCount = values.count
        case let .strings(values): typedCount = values.count
        }
        guard let (field, perElement) = Self.typedField(for: dataType) else { return }
        if typedCount == 0 && count == 0 { return }
        if field != data.fieldName {
            throw invalid("values of type \(dataType) belong in \(field), not \(data.fieldName)")
        }
        let (expected, overflow) = count.multipliedReportingOverflow(by: perElement)
        if overflow || typedCount != expected {
            let needed = overflow ? "more than \(Int.max)" : String(expected)
            throw invalid("\(field) holds \(typedCount) values but dims \(dims) need \(needed)")
        }
    }
}
