import TensorCore

/// Anything that holds N images of one shape with ids and optional labels: an in-memory
/// `Dataset` or a memory-mapped `PackedPool`. Requirements: the metadata below and
/// `copySample`, which writes one sample's bytes (C×H×W, row-major, `dtype`).
public protocol SampleSource: AnyObject {
    /// Number of samples.
    var count: Int { get }
    /// [C, H, W] of every sample.
    var sampleShape: [Int] { get }
    /// UInt8 or Float32.
    var dtype: DType { get }
    /// One id per sample, in storage order.
    var ids: [SampleID] { get }
    /// One class index per sample (into `classNames`), nil when unlabelled.
    var labels: [Int]? { get }
    /// Class names, indexed by label; empty when unlabelled.
    var classNames: [String] { get }
    /// Copies sample `index` into `destination` (exactly `sampleByteCount` bytes).
    func copySample(_ index: Int, into destination: UnsafeMutableRawPointer)
}

extension SampleSource {
    /// Elements per sample (C·H·W).
    public var sampleElementCount: Int { sampleShape.reduce(1, *) }
    /// Bytes per sample.
    public var sampleByteCount: Int { sampleElementCount * dtype.byteSize }

    /// The samples at `indices` as an N×C×H×W tensor of `dtype`.
    public func gather(_ indices: [Int]) throws -> Tensor {
        for i in indices where i < 0 || i >= count {
            throw DatasetsError.invalidOption("sample index \(i) is outside 0..<\(count)")
        }
        var out = Tensor(uninitialized: [indices.count] + sampleShape, dtype: dtype)
        let bytes = sampleByteCount
        func fill<T: TensorElement>(_: T.Type) {
            out.withMutableElements(T.self) { buffer in
                guard let base = buffer.baseAddress else { return }
                let raw = UnsafeMutableRawPointer(base)
                for (n, i) in indices.enumerated() { copySample(i, into: raw + n * bytes) }
            }
        }
        switch dtype {
        case .uint8: fill(UInt8.self)
        case .float32: fill(Float.self)
        default: throw DatasetsError.invalidOption("samples of dtype \(dtype) are not supported (UInt8 or Float32)")
        }
        return out
    }

    /// Samples per source (the id prefix), in order of first appearance.
    public var sourceCounts: [(name: String, count: Int)] {
        var order: [String] = [], counts: [String: Int] = [:]
        for id in ids {
            let s = id.source
            if counts[s] == nil { order.append(s) }
            counts[s, default: 0] += 1
        }
        return order.map { ($0, counts[$0] ?? 0) }
    }

    /// Samples per class name, in class order (empty when unlabelled).
    public var classCounts: [(name: String, count: Int)] {
        guard let labels else { return [] }
        var counts = [Int](repeating: 0, count: classNames.count)
        for l in labels where l >= 0 && l < counts.count { counts[l] += 1 }
        return zip(classNames, counts).map { ($0, $1) }
    }

    /// Index of every id (ids are unique in a source).
    public func indexByID() -> [SampleID: Int] {
        var map: [SampleID: Int] = [:]
        map.reserveCapacity(count)
        for (i, id) in ids.enumerated() { map[id] = i }
        return map
    }

    /// The whole source as a subset (every id, storage order).
    public func allSamples(name: String = "all") -> Subset { Subset(name: name, ids: ids) }
}
