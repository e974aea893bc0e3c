import TensorCore

/// Images in memory (N×C×H×W, UInt8 or Float32) with ids and optional labels.
public final class Dataset: SampleSource {
    /// N×C×H×W.
    public let images: Tensor
    public let ids: [SampleID]
    public let labels: [Int]?
    public let classNames: [String]

    /// Checks that ids, labels and images agree and that ids are unique.
    public init(images: Tensor, ids: [SampleID], labels: [Int]? = nil, classNames: [String] = []) throws {
        guard images.rank == 4 else {
            throw DatasetsError.invalidOption("dataset images must be N×C×H×W, got shape \(images.shape)")
        }
        guard images.dtype == .uint8 || images.dtype == .float32 else {
            throw DatasetsError.invalidOption("dataset images must be UInt8 or Float32, got \(images.dtype)")
        }
        guard ids.count == images.shape[0] else {
            throw DatasetsError.invalidOption("\(ids.count) ids for \(images.shape[0]) images")
        }
        if let labels {
            guard labels.count == ids.count else { throw DatasetsError.invalidOption("\(labels.count) labels for \(ids.count) images") }
            if let bad = labels.first(where: { $0 < 0 || $0 >= classNames.count }) {
                throw DatasetsError.invalidOption("label \(bad) has no class name (\(classNames.count) classes)")
            }
        }
        var seen = Set<SampleID>()
        for id in ids where !seen.insert(id).inserted { throw DatasetsError.invalidOption("sample id \(id) appears twice") }
        self.images = images.contiguous()
        self.ids = ids
        self.labels = labels
        self.classNames = labels == nil ? [] : classNames
    }

    public var count: Int { ids.count }
    public var sampleShape: [Int] { Array(images.shape.dropFirst()) }
    public var dtype: DType { images.dtype }

    public func copySample(_ index: Int, into destination: UnsafeMutableRawPointer) {
        let bytes = sampleByteCount
        func copy<T: TensorElement>(_: T.Type) {
            images.withElements(T.self) { src in
                guard let base = src.baseAddress else { return }
                destination.copyMemory(from: UnsafeRawPointer(base) + index * bytes, byteCount: bytes)
            }
        }
        if dtype == .uint8 { copy(UInt8.self) } else { copy(Float.self) }
    }

    /// A new dataset holding only `subset`'s samples, in its order.
    public func selecting(_ subset: Subset) throws -> Dataset {
        let indices = try subset.indices(in: self)
        return try Dataset(images: gather(indices), ids: subset.ids, labels: labels.map { l in indices.map { l[$0] } },
                           classNames: classNames)
    }
}
