import ModelGraph

/// The CIFAR ResNets of He et al. (2016, §4.2): a 3x3 conv with 16 filters, three stages of
/// n basic blocks with widths 16/32/64 (the second and third start with stride 2), global
/// average pooling and one fully connected layer; depth 6n + 2 (resnet8: n = 1, resnet20: n = 3).
/// Convolutions have no bias and are followed by BatchNormalization; where a block changes
/// shape the shortcut is a 1x1 conv + BN projection.
public enum CIFARResNet {
    /// Input `input` (N, C, S, S) float, output `logits` (N, classes).
    public static func build(depth: Int, channels: Int = 3, size: Int = 32, classes: Int = 10, seed: UInt64 = 0) throws -> Graph {
        let model = "resnet\(depth)"
        guard depth >= 8, (depth - 2) % 6 == 0 else {
            throw ModelZooError.invalidOption(model: model, option: "depth", detail: "must be 6n + 2 with n ≥ 1 (8, 14, 20, 32, ...), got \(depth)")
        }
        let blocks = (depth - 2) / 6
        let b = GraphBuilder(seed: seed)
        let x = b.input("input", dtype: .float32, shape: [.symbolic("N"), .known(channels), .known(size), .known(size)])
        var h = try b.conv(x, "conv1", inChannels: channels, outChannels: 16, kernel: 3, padding: 1, bias: false)
        h = b.relu(b.batchNorm(h, "bn1", channels: 16), "relu1")
        var width = 16
        for (stage, stageWidth) in [16, 32, 64].enumerated() {
            for block in 0..<blocks {
                let stride = stage > 0 && block == 0 ? 2 : 1
                h = try basicBlock(b, h, "layer\(stage + 1).\(block)", inChannels: width, outChannels: stageWidth, stride: stride)
                width = stageWidth
            }
        }
        let pooled = b.apply("GlobalAveragePool", "avgpool", [h])
        let flat = b.apply("Flatten", "flatten", [pooled], attributes: ["axis": .int(1)])
        let logits = try b.linear(flat, "fc", inFeatures: width, outFeatures: classes, output: "logits")
        b.output(logits, dtype: .float32, shape: [.symbolic("N"), .known(classes)])
        return b.build(name: model)
    }

    /// conv3x3(stride) → BN → ReLU → conv3x3 → BN, plus the shortcut, then ReLU.
    static func basicBlock(_ b: GraphBuilder, _ x: String, _ name: String, inChannels: Int, outChannels: Int, stride: Int) throws -> String {
        var h = try b.conv(x, "\(name).conv1", inChannels: inChannels, outChannels: outChannels, kernel: 3, stride: stride, padding: 1, bias: false)
        h = b.relu(b.batchNorm(h, "\(name).bn1", channels: outChannels), "\(name).relu1")
        h = try b.conv(h, "\(name).conv2", inChannels: outChannels, outChannels: outChannels, kernel: 3, padding: 1, bias: false)
        h = b.batchNorm(h, "\(name).bn2", channels: outChannels)
        var shortcut = x
        if stride != 1 || inChannels != outChannels {
            shortcut = try b.conv(x, "\(name).downsample.0", inChannels: inChannels, outChannels: outChannels, kernel: 1, stride: stride, bias: false)
            shortcut = b.batchNorm(shortcut, "\(name).downsample.1", channels: outChannels)
        }
        return b.relu(b.add(h, shortcut, "\(name).add"), "\(name).relu2")
    }
}
