import TensorCore

/// Batches from a source: sampler order, bytes scaled to Float32, augmentation, normalisation.
/// Every batch carries the ids of its samples; `state` is what a snapshot stores to resume.
public final class DataLoader {
    /// One batch: N×C×H×W Float32 images, Int64 labels when the source has them, and ids.
    public struct Batch {
        public let images: Tensor
        public let labels: Tensor?
        public let ids: [SampleID]
        /// Storage indices in the source.
        public let indices: [Int]
        public let epoch: Int
        public let batch: Int
    }

    public let source: any SampleSource
    /// Storage indices the sampler deals from (a subset, or every sample).
    public let indices: [Int]
    public private(set) var sampler: EpochSampler
    public let augmentation: Augmentation?
    public let normalization: Normalization?
    /// Multiplier from stored values to Float32 pixels (1/255 for bytes, 1 for Float32 pools).
    public let scale: Float

    public init(source: any SampleSource, subset: Subset? = nil, batchSize: Int, seed: UInt64, shuffle: Bool = true,
                dropLast: Bool = false, augmentation: Augmentation? = nil, normalization: Normalization? = nil,
                scale: Float? = nil) throws {
        self.source = source
        indices = try subset.map { try $0.indices(in: source) } ?? Array(0..<source.count)
        sampler = try EpochSampler(count: indices.count, batchSize: batchSize, seed: seed, shuffle: shuffle, dropLast: dropLast)
        let shape = source.sampleShape
        if let augmentation, augmentation.rotate90, shape[1] != shape[2] {
            throw DatasetsError.invalidOption("90° rotations need square samples, these are \(shape[1])x\(shape[2])")
        }
        if let normalization, normalization.mean.count != shape[0] {
            throw DatasetsError.invalidOption("normalisation has \(normalization.mean.count) channels, samples have \(shape[0])")
        }
        self.augmentation = augmentation
        self.normalization = normalization
        self.scale = scale ?? (source.dtype == .uint8 ? 1 / 255 : 1)
    }

    /// The sampler's position (Codable): save it with a snapshot, pass it to `restore`.
    public var state: EpochSampler.Position { sampler.position }

    /// Continues from a saved position.
    public func restore(_ position: EpochSampler.Position) { sampler.seek(to: position) }

    /// Batches per epoch.
    public var batchesPerEpoch: Int { sampler.batchesPerEpoch }

    /// The next batch (rolls into the next epoch after the last).
    public func next() throws -> Batch {
        let draw = sampler.next()
        let chosen = draw.positions.map { indices[$0] }
        let raw = try source.gather(chosen)
        let shape = raw.shape
        let c = shape[1], h = shape[2], w = shape[3], sample = c * h * w
        var images = Tensor(uninitialized: shape, dtype: .float32)
        images.withMutableElements(Float.self) { out in
            guard let dst = out.baseAddress else { return }
            // Scale into the output first, then augment sample by sample through a scratch copy.
            if raw.dtype == .uint8 {
                raw.withElements(UInt8.self) { src in for i in 0..<src.count { dst[i] = Float(src[i]) * scale } }
            } else {
                raw.withElements(Float.self) { src in for i in 0..<src.count { dst[i] = src[i] * scale } }
            }
            if let augmentation {
                let scratch = UnsafeMutablePointer<Float>.allocate(capacity: sample)
                defer { scratch.deallocate() }
                for n in 0..<chosen.count {
                    let slot = draw.batch * sampler.batchSize + n
                    let choice = augmentation.choice(seed: sampler.seed, epoch: draw.epoch, slot: slot)
                    scratch.update(from: dst + n * sample, count: sample)
                    Augmentation.apply(choice, padding: augmentation.padding, source: scratch, destination: dst + n * sample,
                                       channels: c, height: h, width: w)
                }
            }
            if let normalization {
                for n in 0..<chosen.count {
                    for ch in 0..<c {
                        let m = normalization.mean[ch], inv = 1 / normalization.standardDeviation[ch]
                        let base = dst + (n * c + ch) * h * w
                        for i in 0..<(h * w) { base[i] = (base[i] - m) * inv }
                    }
                }
            }
        }
        var labels: Tensor?
        if let all = source.labels {
            labels = try Tensor(shape: [chosen.count], scalars: chosen.map { Int64(all[$0]) })
        }
        return Batch(images: images, labels: labels, ids: chosen.map { source.ids[$0] }, indices: chosen,
                     epoch: draw.epoch, batch: draw.batch)
    }
}
