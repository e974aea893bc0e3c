import TensorCore

/// Several sources of one sample shape and dtype seen as one (ids must stay unique); class
/// names are merged in order of first appearance.
public final class ConcatenatedSource: SampleSource {
    public let parts: [any SampleSource]
    public let ids: [SampleID]
    public let labels: [Int]?
    public let classNames: [String]
    public let sampleShape: [Int]
    public let dtype: DType
    /// For each sample: (part, index in the part).
    private let locations: [(part: Int, index: Int)]

    public init(_ parts: [any SampleSource], names: [String]? = nil) throws {
        guard let first = parts.first else { throw DatasetsError.emptyResult("nothing to concatenate") }
        let describe = { (k: Int) in names?[k] ?? "part \(k + 1)" }
        let labelled = first.labels != nil
        var classIndex: [String: Int] = [:], classNames: [String] = []
        var ids: [SampleID] = [], labels: [Int] = [], locations: [(Int, Int)] = []
        var seen = Set<SampleID>()
        for (k, part) in parts.enumerated() {
            guard part.sampleShape == first.sampleShape, part.dtype == first.dtype else {
                throw DatasetsError.invalidOption("\(describe(k)) holds \(part.dtype) \(part.sampleShape) samples, \(describe(0)) holds \(first.dtype) \(first.sampleShape); only equal shapes and dtypes merge")
            }
            guard (part.labels != nil) == labelled else {
                throw DatasetsError.invalidOption("\(describe(k)) is \(part.labels == nil ? "unlabelled" : "labelled") but \(describe(0)) is not; merge labelled with labelled pools only")
            }
            var map: [Int] = []
            for name in part.classNames {
                if classIndex[name] == nil { classIndex[name] = classNames.count; classNames.append(name) }
                map.append(classIndex[name] ?? 0)
            }
            for (i, id) in part.ids.enumerated() {
                guard seen.insert(id).inserted else {
                    throw DatasetsError.invalidOption("sample id \(id) occurs in \(describe(k)) and in an earlier part; ids must be unique")
                }
                ids.append(id)
                locations.append((k, i))
                if let l = part.labels?[i] { labels.append(map[l]) }
            }
        }
        self.parts = parts
        self.ids = ids
        self.labels = labelled ? labels : nil
        self.classNames = labelled ? classNames : []
        self.sampleShape = first.sampleShape
        self.dtype = first.dtype
        self.locations = locations
    }

    public var count: Int { ids.count }

    public func copySample(_ index: Int, into destination: UnsafeMutableRawPointer) {
        let (part, i) = locations[index]
        parts[part].copySample(i, into: destination)
    }
}
