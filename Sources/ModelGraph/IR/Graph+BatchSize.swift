/// Running a graph at another batch size than the one its file declares (`--batch`).
extension Graph {
    /// Declares axis 0 of every graph input and output of rank ≥ 1 as `size`, and forgets the
    /// declared axis 0 of intermediate values. Whether the graph really allows it shows when it
    /// runs: a node with the old batch size baked in (e.g. a Reshape to [1, -1]) fails naming itself.
    public func setBatchSize(_ size: Int) throws {
        guard size >= 1 else { throw ModelGraphError.invalidGraph("batch size must be at least 1, got \(size)") }
        func rebatched(_ info: ValueInfo, _ dimension: Dimension) -> ValueInfo {
            guard var shape = info.shape, !shape.isEmpty else { return info }
            shape[0] = dimension
            return ValueInfo(name: info.name, dtype: info.dtype, shape: shape)
        }
        inputs = inputs.map { rebatched($0, .known(size)) }
        outputs = outputs.map { rebatched($0, .known(size)) }
        for (name, info) in valueInfo { valueInfo[name] = rebatched(info, .unknown) }
    }
}
