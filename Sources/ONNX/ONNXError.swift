/// Errors reading or writing ONNX files: what was wrong, in which file and tensor or node,
/// and what to do about it.
public enum ONNXError: Error, CustomStringConvertible, Equatable {
    /// The file could not be opened or read.
    case unreadableFile(file: String, reason: String)
    /// The file holds no bytes.
    case emptyFile(file: String)
    /// The bytes are not a ModelProto / TensorProto, or lack what every model has.
    case malformedModel(file: String, detail: String)
    /// The file exceeds protobuf's 2 GiB limit.
    case tooLarge(file: String, detail: String)
    /// A tensor's dims and data disagree, or its data fields are inconsistent.
    case invalidTensor(file: String, tensor: String, detail: String)
    /// A tensor's element type has no TensorCore dtype.
    case unsupportedDataType(file: String, tensor: String, dataType: ONNXDataType)
    /// A tensor's external-data entries are unusable (no location, bad offset...).
    case invalidExternalData(file: String, tensor: String, detail: String)
    /// An external-data location that is absolute or leads out of the model's folder.
    case externalLocationRefused(file: String, tensor: String, location: String, reason: String)
    /// The external-data file does not exist.
    case externalFileMissing(file: String, tensor: String, path: String)
    /// offset + length reach past the end of the external-data file.
    case externalRangeOutOfFile(file: String, tensor: String, path: String, offset: Int, length: Int, fileSize: Int)
    /// The external length differs from dims × element size.
    case externalLengthMismatch(file: String, tensor: String, length: Int, expected: Int)
    /// A node attribute that cannot be read or written.
    case invalidAttribute(file: String, node: String, attribute: String, detail: String)
    /// The file could not be written.
    case writeFailed(file: String, reason: String)
    /// The model could not be serialised.
    case serializationFailed(file: String, detail: String)

    public var description: String {
        switch self {
        case let .unreadableFile(file, reason):
            return "\(file): cannot read the file (\(reason)); check the path and its permissions"
        case let .emptyFile(file):
            return "\(file): the file is empty; it is not an ONNX model (re-export or re-download it)"
        case let .malformedModel(file, detail):
            return "\(file): not a valid ONNX file: \(detail); the file may be truncated or of another format, re-export or re-download it"
        case let .tooLarge(file, detail):
            return "\(file): \(detail)"
        case let .invalidTensor(file, tensor, detail):
            return "\(file): tensor '\(tensor)': \(detail); the file is inconsistent, re-export it"
        case let .unsupportedDataType(file, tensor, dataType):
            return "\(file): tensor '\(tensor)' has element type \(dataType), which Winnow does not support "
                + "(supported: FLOAT, FLOAT16, DOUBLE, INT64, INT32, INT8, UINT8, BOOL); cast it in the exporter"
        case let .invalidExternalData(file, tensor, detail):
            return "\(file): tensor '\(tensor)': external data: \(detail); re-export the model with its data file"
        case let .externalLocationRefused(file, tensor, location, reason):
            return "\(file): tensor '\(tensor)': external data location '\(location)' is refused: \(reason); "
                + "keep the data file inside the model's folder and use a relative location"
        case let .externalFileMissing(file, tensor, path):
            return "\(file): tensor '\(tensor)': external data file \(path) does not exist; copy it next to the model"
        case let .externalRangeOutOfFile(file, tensor, path, offset, length, fileSize):
            return "\(file): tensor '\(tensor)': external data at offset \(offset) with length \(length) reaches past the end of "
                + "\(path) (\(fileSize) bytes); the data file is truncated or belongs to another export, copy the complete file"
        case let .externalLengthMismatch(file, tensor, length, expected):
            return "\(file): tensor '\(tensor)': external data length is \(length) bytes but its dims and type need \(expected); "
                + "the data file belongs to another export, re-export the model"
        case let .invalidAttribute(file, node, attribute, detail):
            return "\(file): node '\(node)': attribute '\(attribute)': \(detail)"
        case let .writeFailed(file, reason):
            return "\(file): cannot write the file (\(reason)); check that the folder exists and is writable"
        case let .serializationFailed(file, detail):
            return "\(file): cannot serialise the model: \(detail)"
        }
    }
}
