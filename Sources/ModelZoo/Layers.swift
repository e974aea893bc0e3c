import Foundation
import ModelGraph
import TensorCore

/// The layers zoo models are made of, each with PyTorch's default initialisation: weights
/// `kaiming_uniform_(a=√5)`, i.e. uniform in ±1/√fan_in, biases uniform in ±1/√fan_in,
/// normalisation scale 1 and bias 0. Parameter names follow PyTorch's module paths
/// (`layer1.0.conv1.weight`).
extension GraphBuilder {
    /// Conv2d (N, C, H, W) → (N, OC, H', W') with square kernel K, symmetric padding.
    public func conv(_ x: String, _ name: String, inChannels: Int, outChannels: Int, kernel: Int,
                     stride: Int = 1, padding: Int = 0, bias: Bool = true) throws -> String {
        let fanIn = inChannels * kernel * kernel
        let bound = 1 / Double(fanIn).squareRoot()
        let w = try uniformParameter("\(name).weight", shape: [outChannels, inChannels, kernel, kernel], bound: bound)
        var inputs = [x, w]
        if bias { inputs.append(try uniformParameter("\(name).bias", shape: [outChannels], bound: bound)) }
        return apply("Conv", name, inputs, attributes: [
            "kernel_shape": .ints([kernel, kernel]), "strides": .ints([stride, stride]),
            "pads": .ints([padding, padding, padding, padding]), "dilations": .ints([1, 1]), "group": .int(1),
        ])
    }

    /// Linear (N, in) → (N, out) as Gemm with B = weight [out, in] (transB = 1).
    public func linear(_ x: String, _ name: String, inFeatures: Int, outFeatures: Int, output: String? = nil) throws -> String {
        let bound = 1 / Double(inFeatures).squareRoot()
        let w = try uniformParameter("\(name).weight", shape: [outFeatures, inFeatures], bound: bound)
        let b = try uniformParameter("\(name).bias", shape: [outFeatures], bound: bound)
        return apply("Gemm", name, [x, w, b], output: output,
                     attributes: ["alpha": .float(1), "beta": .float(1), "transA": .int(0), "transB": .int(1)])
    }

    /// BatchNorm2d: scale 1, bias 0, running mean 0, running variance 1; PyTorch's momentum 0.1
    /// is ONNX's 0.9.
    public func batchNorm(_ x: String, _ name: String, channels: Int) -> String {
        let scale = filledParameter("\(name).weight", shape: [channels], value: 1)
        let bias = filledParameter("\(name).bias", shape: [channels], value: 0)
        let mean = filledParameter("\(name).running_mean", shape: [channels], value: 0, trainable: false)
        let variance = filledParameter("\(name).running_var", shape: [channels], value: 1, trainable: false)
        return apply("BatchNormalization", name, [x, scale, bias, mean, variance],
                     attributes: ["epsilon": .float(1e-5), "momentum": .float(0.9)])
    }

    /// GroupNorm written for opset 17: reshape (N, C, H, W) to (N, G, C/G·H·W), instance-normalise
    /// with constant scale 1 and bias 0, reshape back, then the learnable per-channel scale and
    /// bias (shaped (C, 1, 1)) by Mul and Add.
    public func groupNorm(_ x: String, _ name: String, channels: Int, groups: Int, epsilon: Double = 1e-5) -> String {
        let shape = apply("Shape", "\(name).shape", [x])
        let grouped = apply("Reshape", "\(name).group", [x, constant("\(name).group_shape", int64: [0, groups, -1])])
        let ones = constant("\(name).instance_scale", Tensor(repeating: 1, shape: [groups], dtype: .float32))
        let zeros = constant("\(name).instance_bias", Tensor(zeros: [groups], dtype: .float32))
        let normalized = apply("InstanceNormalization", "\(name).instance_norm", [grouped, ones, zeros],
                               attributes: ["epsilon": .float(epsilon)])
        let back = apply("Reshape", "\(name).ungroup", [normalized, shape])
        let scale = filledParameter("\(name).weight", shape: [channels, 1, 1], value: 1)
        let bias = filledParameter("\(name).bias", shape: [channels, 1, 1], value: 0)
        return apply("Add", "\(name).shift", [apply("Mul", "\(name).scale", [back, scale]), bias])
    }

    public func relu(_ x: String, _ name: String) -> String { apply("Relu", name, [x]) }

    /// SiLU as x·sigmoid(x) (opset 17 has no SiLU op).
    public func silu(_ x: String, _ name: String) -> String {
        apply("Mul", name, [x, apply("Sigmoid", "\(name).sigmoid", [x])])
    }

    public func add(_ a: String, _ b: String, _ name: String) -> String { apply("Add", name, [a, b]) }
}
