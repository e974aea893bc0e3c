import TensorCore

/// What an optimizer remembers, keyed by parameter name (DESIGN.md: state, masks and snapshots
/// follow the initializer name), so a snapshot can store it and structured pruning can slice a
/// parameter's buffers together with the parameter.
public struct OptimizerState: Sendable {
    /// One parameter's state: how many updates it has had and its named buffers
    /// (e.g. "momentum", "exp_avg", "exp_avg_sq"), each shaped like the parameter.
    public struct Entry: Sendable {
        public var steps: Int
        public var buffers: [String: Tensor]

        public init(steps: Int = 0, buffers: [String: Tensor] = [:]) {
            self.steps = steps
            self.buffers = buffers
        }
    }

    /// The optimizer that wrote the state ("sgd", "adam", "adamw"); restoring into another kind is refused.
    public var optimizer: String
    public var entries: [String: Entry]

    public init(optimizer: String, entries: [String: Entry] = [:]) {
        self.optimizer = optimizer
        self.entries = entries
    }

    /// The parameter names that have state, sorted.
    public var parameterNames: [String] { entries.keys.sorted() }

    /// The state of the parameters in `names` only (names without state are skipped).
    public func restricted(to names: some Sequence<String>) -> OptimizerState {
        var out = OptimizerState(optimizer: optimizer)
        for name in names { if let entry = entries[name] { out.entries[name] = entry } }
        return out
    }

    /// Keeps only the entries `indices` along `axis` of every buffer of `parameter`, as structured
    /// pruning does to the parameter itself. A parameter without state is left alone.
    public mutating func slice(parameter: String, axis: Int, keeping indices: [Int]) throws {
        guard var entry = entries[parameter] else { return }
        let index = try Tensor(shape: [indices.count], scalars: indices.map { Int64($0) })
        for (slot, buffer) in entry.buffers {
            guard axis >= -buffer.rank && axis < buffer.rank else {
                throw TrainingError.stateMismatch(parameter: parameter, detail: "cannot slice buffer '\(slot)' of shape \(buffer.shape) along axis \(axis)")
            }
            do {
                entry.buffers[slot] = try noGrad { try buffer.gathered(indices: index, axis: axis).materialized() }
            } catch {
                throw TrainingError.stateMismatch(parameter: parameter, detail: "slicing buffer '\(slot)' of shape \(buffer.shape) along axis \(axis): \(error)")
            }
        }
        entries[parameter] = entry
    }

    /// Moves the state of `oldName` to `newName` (a renamed initializer keeps its history).
    public mutating func rename(parameter oldName: String, to newName: String) {
        guard let entry = entries.removeValue(forKey: oldName) else { return }
        entries[newName] = entry
    }

    /// Drops the state of `parameter` (it starts fresh on its next update).
    public mutating func remove(parameter: String) {
        entries[parameter] = nil
    }
}

extension OptimizerState: Codable {
    private struct StoredEntry: Codable {
        var steps: Int
        var buffers: [String: StoredTensor]
    }

    private enum CodingKeys: String, CodingKey { case optimizer, entries }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        optimizer = try container.decode(String.self, forKey: .optimizer)
        let stored = try container.decode([String: StoredEntry].self, forKey: .entries)
        entries = [:]
        for (name, entry) in stored {
            var buffers: [String: Tensor] = [:]
            for (slot, tensor) in entry.buffers { buffers[slot] = try tensor.tensor() }
            entries[name] = Entry(steps: entry.steps, buffers: buffers)
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(optimizer, forKey: .optimizer)
        var stored: [String: StoredEntry] = [:]
        for (name, entry) in entries {
            stored[name] = StoredEntry(steps: entry.steps, buffers: entry.buffers.mapValues { StoredTensor($0) })
        }
        try container.encode(stored, forKey: .entries)
    }
}

extension OptimizerState: Equatable {
    /// Equal when the kind, step counts and every buffer's bytes match exactly.
    public static func == (a: OptimizerState, b: OptimizerState) -> Bool {
        guard a.optimizer == b.optimizer, a.entries.keys.sorted() == b.entries.keys.sorted() else { return false }
        for (name, left) in a.entries {
            guard let right = b.entries[name], left.steps == right.steps,
                  left.buffers.keys.sorted() == right.buffers.keys.sorted() else { return false }
            for (slot, buffer) in left.buffers {
                guard let other = right.buffers[slot], StoredTensor(buffer) == StoredTensor(other) else { return false }
            }
        }
        return true
    }
}
