import ModelGraph

/// The zoo's models by name (the names used by `winnow zoo build`, recipes and `Models/`),
/// each with its default input and class count.
public enum ZooCatalog {
    /// One registered model: its defaults and how to build it.
    public struct Entry: Sendable {
        public let name: String
        public let summary: String
        public let channels: Int
        public let size: Int
        /// nil for models without classes (the diffusion UNet).
        public let classes: Int?
        let make: @Sendable (_ channels: Int, _ size: Int, _ classes: Int?, _ seed: UInt64) throws -> Graph
    }

    public static let entries: [Entry] = [
        Entry(name: "lenet-300-100", summary: "fully connected 300-100 classifier", channels: 1, size: 28, classes: 10) { c, s, k, seed in
            try LeNet300100.build(channels: c, size: s, classes: k ?? 10, seed: seed)
        },
        Entry(name: "resnet8", summary: "CIFAR-style ResNet, 1 block per stage", channels: 1, size: 28, classes: 10) { c, s, k, seed in
            try CIFARResNet.build(depth: 8, channels: c, size: s, classes: k ?? 10, seed: seed)
        },
        Entry(name: "resnet20", summary: "CIFAR-style ResNet, 3 blocks per stage", channels: 3, size: 32, classes: 10) { c, s, k, seed in
            try CIFARResNet.build(depth: 20, channels: c, size: s, classes: k ?? 10, seed: seed)
        },
        Entry(name: "ddpm-unet32", summary: "DDPM noise-prediction UNet with attention at size/4", channels: 3, size: 32, classes: nil) { c, s, _, seed in
            try DDPMUNet.build(channels: c, size: s, seed: seed)
        },
    ]

    /// Every model name, in catalog order.
    public static var names: [String] { entries.map(\.name) }

    /// The entry called `name`.
    public static func entry(named name: String) throws -> Entry {
        guard let entry = entries.first(where: { $0.name == name }) else {
            throw ModelZooError.unknownModel(name, known: names)
        }
        return entry
    }

    /// Builds `name` with the given options (nil takes the model's default).
    public static func build(_ name: String, channels: Int? = nil, size: Int? = nil, classes: Int? = nil, seed: UInt64 = 0) throws -> Graph {
        let entry = try entry(named: name)
        if classes != nil && entry.classes == nil {
            throw ModelZooError.invalidOption(model: name, option: "classes", detail: "does not apply: \(name) is not a classifier")
        }
        let c = channels ?? entry.channels, s = size ?? entry.size
        guard (1...1024).contains(c) else { throw ModelZooError.invalidOption(model: name, option: "channels", detail: "must lie in 1...1024, got \(c)") }
        guard (1...4096).contains(s) else { throw ModelZooError.invalidOption(model: name, option: "size", detail: "must lie in 1...4096, got \(s)") }
        if let k = classes, !(2...100_000).contains(k) {
            throw ModelZooError.invalidOption(model: name, option: "classes", detail: "must lie in 2...100000, got \(k)")
        }
        return try entry.make(c, s, classes ?? entry.classes, seed)
    }
}
