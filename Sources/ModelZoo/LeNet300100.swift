import ModelGraph

/// LeNet-300-100 (LeCun et al. 1998; the lottery-ticket paper's MNIST network): flatten, then
/// fully connected 300 → ReLU → 100 → ReLU → classes.
public enum LeNet300100 {
    /// Input `input` (N, C, S, S) float, output `logits` (N, classes).
    public static func build(channels: Int = 1, size: Int = 28, classes: Int = 10, seed: UInt64 = 0) throws -> Graph {
        let b = GraphBuilder(seed: seed)
        let x = b.input("input", dtype: .float32, shape: [.symbolic("N"), .known(channels), .known(size), .known(size)])
        let flat = b.apply("Flatten", "flatten", [x], attributes: ["axis": .int(1)])
        let h1 = b.relu(try b.linear(flat, "fc1", inFeatures: channels * size * size, outFeatures: 300), "relu1")
        let h2 = b.relu(try b.linear(h1, "fc2", inFeatures: 300, outFeatures: 100), "relu2")
        let logits = try b.linear(h2, "fc3", inFeatures: 100, outFeatures: classes, output: "logits")
        b.output(logits, dtype: .float32, shape: [.symbolic("N"), .known(classes)])
        return b.build(name: "lenet-300-100")
    }
}
