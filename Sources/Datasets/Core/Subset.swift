/// A named list of sample ids: what a data-pruning method returns, hashable and reproducible.
public struct Subset: Sendable, Codable, Equatable {
    /// A name for reports ("el2n-keep-0.3").
    public var name: String
    /// The ids, in the order the subset defines.
    public var ids: [SampleID]

    public init(name: String, ids: [SampleID]) {
        self.name = name
        self.ids = ids
    }

    /// Number of ids.
    public var count: Int { ids.count }

    /// SHA-256 of the ids joined by newlines (order matters), naming this exact selection.
    public var digest: String { SHA256.hex(ids.map(\.rawValue).joined(separator: "\n")) }

    /// The storage indices of the ids in `source`; throws for an id it does not hold.
    public func indices(in source: some SampleSource) throws -> [Int] {
        let map = source.indexByID()
        return try ids.map { id in
            guard let i = map[id] else { throw DatasetsError.unknownSample(id.rawValue) }
            return i
        }
    }
}
