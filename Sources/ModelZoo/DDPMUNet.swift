import Foundation
import ModelGraph
import TensorCore

/// A small DDPM noise-prediction UNet (Ho et al. 2020, scaled down): inputs `x` (N, C, S, S)
/// float and `t` (N) int64 timesteps, output `epsilon` (N, C, S, S).
///
/// Layout with base width W: a 3x3 stem; an encoder with residual blocks at S (W) and S/2 (2W),
/// each followed by a stride-2 conv; a middle at S/4 of residual block, self-attention,
/// residual block (2W); a decoder that upsamples (nearest, then 3x3 conv), concatenates the
/// encoder's skip and runs a residual block at S/2 (2W) and S (W); GroupNorm → SiLU → 3x3 conv
/// to C channels. Residual blocks take the time embedding: sinusoidal features of t (width W,
/// frequencies 10000^(−i/(W/2 − 1)) as in the DDPM code) → Linear 4W → SiLU → Linear 4W, added
/// per channel after the first conv of every block. GroupNorm has 8 groups.
public enum DDPMUNet {
    public static let groups = 8

    public static func build(channels: Int = 3, size: Int = 32, width: Int = 32, seed: UInt64 = 0) throws -> Graph {
        let model = "ddpm-unet32"
        guard size >= 4, size % 4 == 0 else {
            throw ModelZooError.invalidOption(model: model, option: "size", detail: "must be a multiple of 4 (two 2x downsamplings), got \(size)")
        }
        guard width >= groups, width % groups == 0 else {
            throw ModelZooError.invalidOption(model: model, option: "width", detail: "must be a positive multiple of \(groups) (GroupNorm groups), got \(width)")
        }
        let b = GraphBuilder(seed: seed)
        let batch = ModelGraph.Dimension.symbolic("N")
        let x = b.input("x", dtype: .float32, shape: [batch, .known(channels), .known(size), .known(size)])
        let t = b.input("t", dtype: .int64, shape: [batch])
        let embedding = try timeEmbedding(b, t, width: width)
        let unet = UNetParts(builder: b, embedding: embedding, embeddingWidth: 4 * width)

        let stem = try b.conv(x, "conv_in", inChannels: channels, outChannels: width, kernel: 3, padding: 1)
        let skip1 = try unet.residual(stem, "down.0.block", inChannels: width, outChannels: width)
        let down1 = try b.conv(skip1, "down.0.downsample", inChannels: width, outChannels: width, kernel: 3, stride: 2, padding: 1)
        let skip2 = try unet.residual(down1, "down.1.block", inChannels: width, outChannels: 2 * width)
        let down2 = try b.conv(skip2, "down.1.downsample", inChannels: 2 * width, outChannels: 2 * width, kernel: 3, stride: 2, padding: 1)

        var h = try unet.residual(down2, "mid.block1", inChannels: 2 * width, outChannels: 2 * width)
        h = try unet.attention(h, "mid.attn", channels: 2 * width)
        h = try unet.residual(h, "mid.block2", inChannels: 2 * width, outChannels: 2 * width)

        h = try unet.upsample(h, "up.1.upsample", channels: 2 * width)
        h = b.apply("Concat", "up.1.concat", [h, skip2], attributes: ["axis": .int(1)])
        h = try unet.residual(h, "up.1.block", inChannels: 4 * width, outChannels: 2 * width)
        h = try unet.upsample(h, "up.0.upsample", channels: 2 * width)
        h = b.apply("Concat", "up.0.concat", [h, skip1], attributes: ["axis": .int(1)])
        h = try unet.residual(h, "up.0.block", inChannels: 3 * width, outChannels: width)

        h = b.silu(b.groupNorm(h, "norm_out", channels: width, groups: groups), "act_out")
        let out = try b.conv(h, "conv_out", inChannels: width, outChannels: channels, kernel: 3, padding: 1)
        let epsilon = b.apply("Identity", "epsilon", [out], output: "epsilon")
        b.output(epsilon, dtype: .float32, shape: [batch, .known(channels), .known(size), .known(size)])
        return b.build(name: model)
    }

    /// (N) int64 → (N, 4W): sinusoidal features, Linear, SiLU, Linear.
    static func timeEmbedding(_ b: GraphBuilder, _ t: String, width: Int) throws -> String {
        let half = width / 2
        let step = log(10000.0) / Double(max(half - 1, 1))
        let frequencies = try Tensor(shape: [1, half], scalars: (0..<half).map { Float(exp(-Double($0) * step)) })
        let time = b.apply("Cast", "temb.cast", [t], attributes: ["to": .int(1)])
        let column = b.apply("Unsqueeze", "temb.unsqueeze", [time, b.constant("temb.unsqueeze_axes", int64: [1])])
        let arguments = b.apply("Mul", "temb.arguments", [column, b.constant("temb.frequencies", frequencies)])
        let features = b.apply("Concat", "temb.features", [b.apply("Sin", "temb.sin", [arguments]), b.apply("Cos", "temb.cos", [arguments])],
                               attributes: ["axis": .int(1)])
        let hidden = b.silu(try b.linear(features, "temb.dense0", inFeatures: 2 * half, outFeatures: 4 * width), "temb.act")
        return try b.linear(hidden, "temb.dense1", inFeatures: 4 * width, outFeatures: 4 * width)
    }
}

/// The UNet's repeated pieces, sharing the builder and the time embedding.
struct UNetParts {
    let builder: GraphBuilder
    let embedding: String
    let embeddingWidth: Int

    /// GN → SiLU → conv3x3, + Linear(SiLU(temb)) per channel, GN → SiLU → conv3x3, + shortcut
    /// (1x1 conv when the width changes).
    func residual(_ x: String, _ name: String, inChannels: Int, outChannels: Int) throws -> String {
        let b = builder
        var h = b.silu(b.groupNorm(x, "\(name).norm1", channels: inChannels, groups: DDPMUNet.groups), "\(name).act1")
        h = try b.conv(h, "\(name).conv1", inChannels: inChannels, outChannels: outChannels, kernel: 3, padding: 1)
        let projected = try b.linear(b.silu(embedding, "\(name).temb_act"), "\(name).temb_proj", inFeatures: embeddingWidth, outFeatures: outChannels)
        let perChannel = b.apply("Unsqueeze", "\(name).temb_unsqueeze", [projected, b.constant("\(name).temb_axes", int64: [2, 3])])
        h = b.add(h, perChannel, "\(name).add_temb")
        h = b.silu(b.groupNorm(h, "\(name).norm2", channels: outChannels, groups: DDPMUNet.groups), "\(name).act2")
        h = try b.conv(h, "\(name).conv2", inChannels: outChannels, outChannels: outChannels, kernel: 3, padding: 1)
        var shortcut = x
        if inChannels != outChannels {
            shortcut = try b.conv(x, "\(name).shortcut", inChannels: inChannels, outChannels: outChannels, kernel: 1)
        }
        return b.add(shortcut, h, "\(name).add")
    }

    /// Single-head self-attention over the H·W positions: q, k, v and the output projection are
    /// 1x1 convs; `x + proj(v · softmax(qᵀk / √C)ᵀ)`.
    func attention(_ x: String, _ name: String, channels: Int) throws -> String {
        let b = builder
        let h = b.groupNorm(x, "\(name).norm", channels: channels, groups: DDPMUNet.groups)
        let flatShape = b.constant("\(name).flat_shape", int64: [0, channels, -1])
        func projection(_ part: String) throws -> String {
            let p = try b.conv(h, "\(name).\(part)", inChannels: channels, outChannels: channels, kernel: 1)
            return b.apply("Reshape", "\(name).\(part)_flat", [p, flatShape])          // (N, C, L)
        }
        let q = try projection("q"), k = try projection("k"), v = try projection("v")
        let qT = b.apply("Transpose", "\(name).q_t", [q], attributes: ["perm": .ints([0, 2, 1])])   // (N, L, C)
        let scores = b.apply("MatMul", "\(name).scores", [qT, k])                                    // (N, L, L)
        let scale = b.constant("\(name).scale", Tensor(repeating: 1 / Double(channels).squareRoot(), shape: [], dtype: .float32))
        let weights = b.apply("Softmax", "\(name).softmax", [b.apply("Mul", "\(name).scaled", [scores, scale])], attributes: ["axis": .int(-1)])
        let weightsT = b.apply("Transpose", "\(name).weights_t", [weights], attributes: ["perm": .ints([0, 2, 1])])
        let mixed = b.apply("MatMul", "\(name).mix", [v, weightsT])                                  // (N, C, L)
        let unflat = b.apply("Reshape", "\(name).unflat", [mixed, b.apply("Shape", "\(name).shape", [x])])
        let out = try b.conv(unflat, "\(name).proj_out", inChannels: channels, outChannels: channels, kernel: 1)
        return b.add(x, out, "\(name).add")
    }

    /// Nearest 2x upsampling (PyTorch's `interpolate(scale_factor=2)`), then a 3x3 conv.
    func upsample(_ x: String, _ name: String, channels: Int) throws -> String {
        let b = builder
        let scales = b.constant("\(name).scales", (try? Tensor(shape: [4], scalars: [Float(1), 1, 2, 2])) ?? Tensor(zeros: [4]))
        let up = b.apply("Resize", "\(name).resize", [x, "", scales], attributes: [
            "mode": .string("nearest"), "coordinate_transformation_mode": .string("asymmetric"), "nearest_mode": .string("floor"),
        ])
        return try b.conv(up, "\(name).conv", inChannels: channels, outChannels: channels, kernel: 3, padding: 1)
    }
}
