import TensorCore

/// What a graph declares about a named value: element type and (possibly partial) shape.
public struct ValueInfo: Sendable, CustomStringConvertible {
    public var name: String
    public var dtype: DType?
    public var shape: [Dimension]?

    public init(name: String, dtype: DType? = nil, shape: [Dimension]? = nil) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
    }

    /// The shape when every axis is a number.
    public var knownShape: [Int]? {
        guard let shape else { return nil }
        let values = shape.compactMap(\.value)
        return values.count == shape.count ? values : nil
    }

    public var description: String {
        let s = shape.map { "[" + $0.map(\.description).joined(separator: ", ") + "]" } ?? "[?]"
        return "\(name): \(dtype?.description ?? "?")\(s)"
    }
}
