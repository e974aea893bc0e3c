import TensorCore

/// Deals positions 0..<count into batches, epoch after epoch. The order of epoch e is the
/// permutation drawn from the stream (seed, "sampler", e), so it is reproducible from the seed
/// and the epoch alone; `position` (Codable) is all a snapshot needs to resume mid-epoch.
public struct EpochSampler: Sendable, Equatable, Codable {
    /// Where the next batch starts.
    public struct Position: Sendable, Equatable, Codable {
        public var epoch: Int
        /// Index of the next batch within the epoch.
        public var batch: Int
        public init(epoch: Int = 0, batch: Int = 0) { self.epoch = epoch; self.batch = batch }
    }

    /// One batch: its place in the run and the positions (0..<count) it holds.
    public struct Draw: Sendable, Equatable {
        public let epoch: Int
        public let batch: Int
        public let positions: [Int]
    }

    public let count: Int
    public let batchSize: Int
    public let seed: UInt64
    public let shuffle: Bool
    /// Drop the last, smaller batch of an epoch.
    public let dropLast: Bool
    public private(set) var position: Position

    /// Order of `position.epoch`, rebuilt on demand (not part of the saved state).
    private var cachedEpoch: Int = -1
    private var cachedOrder: [Int] = []

    enum CodingKeys: String, CodingKey { case count, batchSize, seed, shuffle, dropLast, position }

    public init(count: Int, batchSize: Int, seed: UInt64, shuffle: Bool = true, dropLast: Bool = false,
                position: Position = Position()) throws {
        guard count >= 1 else { throw DatasetsError.emptyResult("the sampler has no samples to draw from") }
        guard batchSize >= 1 else { throw DatasetsError.invalidOption("batch size must be at least 1, got \(batchSize)") }
        guard !dropLast || batchSize <= count else {
            throw DatasetsError.invalidOption("batch size \(batchSize) exceeds the \(count) samples and the last batch is dropped: no batch would remain")
        }
        self.count = count; self.batchSize = batchSize; self.seed = seed
        self.shuffle = shuffle; self.dropLast = dropLast; self.position = position
    }

    public static func == (a: EpochSampler, b: EpochSampler) -> Bool {
        a.count == b.count && a.batchSize == b.batchSize && a.seed == b.seed && a.shuffle == b.shuffle
            && a.dropLast == b.dropLast && a.position == b.position
    }

    /// Batches per epoch.
    public var batchesPerEpoch: Int { dropLast ? count / batchSize : (count + batchSize - 1) / batchSize }

    /// The order of `epoch`: a permutation of 0..<count (identity without shuffling).
    public func order(epoch: Int) -> [Int] {
        guard shuffle else { return Array(0..<count) }
        var stream = RandomStream(seed: seed, purpose: "sampler", index: UInt64(epoch))
        return stream.permutation(count)
    }

    /// The next batch; moves to the following epoch after the last one.
    public mutating func next() -> Draw {
        if position.batch >= batchesPerEpoch { position = Position(epoch: position.epoch + 1, batch: 0) }
        if cachedEpoch != position.epoch {
            cachedOrder = order(epoch: position.epoch)
            cachedEpoch = position.epoch
        }
        let start = position.batch * batchSize
        let draw = Draw(epoch: position.epoch, batch: position.batch,
                        positions: Array(cachedOrder[start ..< Swift.min(start + batchSize, count)]))
        position.batch += 1
        return draw
    }

    /// Jumps to `position` (resume from a snapshot).
    public mutating func seek(to position: Position) { self.position = position }
}
