import CKernels

/// An activation applied by a fused kernel as it writes each value (ONNX semantics).
public enum FusedActivation: Sendable, Equatable, CustomStringConvertible {
    case none
    case relu
    /// Clip to [min, max] (ReLU6 is clip(0, 6)).
    case clip(min: Float, max: Float)
    case sigmoid
    /// x · sigmoid(x) (SiLU, written in ONNX as Mul(x, Sigmoid(x))).
    case silu
    /// max(0, min(1, alpha · x + beta)).
    case hardSigmoid(alpha: Float, beta: Float)
    /// x · max(0, min(1, x / 6 + 1 / 2)).
    case hardSwish
    /// x < 0 ? alpha · x : x.
    case leakyRelu(alpha: Float)

    /// The C kernels' code and parameters.
    var code: (kind: Int32, alpha: Float, beta: Float) {
        switch self {
        case .none: return (Int32(WN_ACT_NONE.rawValue), 0, 0)
        case .relu: return (Int32(WN_ACT_RELU.rawValue), 0, 0)
        case let .clip(lo, hi): return (Int32(WN_ACT_CLIP.rawValue), lo, hi)
        case .sigmoid: return (Int32(WN_ACT_SIGMOID.rawValue), 0, 0)
        case .silu: return (Int32(WN_ACT_SILU.rawValue), 0, 0)
        case let .hardSigmoid(alpha, beta): return (Int32(WN_ACT_HARD_SIGMOID.rawValue), alpha, beta)
        case .hardSwish: return (Int32(WN_ACT_HARD_SWISH.rawValue), 0, 0)
        case let .leakyRelu(alpha): return (Int32(WN_ACT_LEAKY_RELU.rawValue), alpha, 0)
        }
    }

    public var description: String {
        switch self {
        case .none: return "none"
        case .relu: return "relu"
        case let .clip(lo, hi): return "clip(\(lo), \(hi))"
        case .sigmoid: return "sigmoid"
        case .silu: return "silu"
        case let .hardSigmoid(alpha, beta): return "hardSigmoid(\(alpha), \(beta))"
        case .hardSwish: return "hardSwish"
        case let .leakyRelu(alpha): return "leakyRelu(\(alpha))"
        }
    }
}

/// A value added to every output of a fused kernel before its activation: a residual of the
/// output's shape, or one value per (image, channel) broadcast over the plane.
public struct FusedAddend {
    /// The value for image 0, channel 0, pixel 0.
    public var base: UnsafePointer<Float>
    /// Floats between images (0: the same for every image).
    public var imageStride: Int
    /// Floats between channels.
    public var channelStride: Int
    /// True when there is one value per output pixel; false for one per channel.
    public var perPixel: Bool

    public init(base: UnsafePointer<Float>, imageStride: Int, channelStride: Int, perPixel: Bool) {
        self.base = base
        self.imageStride = imageStride
        self.channelStride = channelStride
        self.perPixel = perPixel
    }
}

/// Inference-time BatchNormalization statistics folded into the convolution before it.
public struct FoldedNormalization {
    public var scale, bias, mean, variance: Tensor
    public var epsilon: Double

    public init(scale: Tensor, bias: Tensor, mean: Tensor, variance: Tensor, epsilon: Double) {
        self.scale = scale
        self.bias = bias
        self.mean = mean
        self.variance = variance
        self.epsilon = epsilon
    }
}

/// A float32 2-D convolution prepared for inference with the direct kernels: weights packed once,
/// a following BatchNormalization folded into them, and an epilogue (addend, activation) applied
/// as outputs are written. Dense (groups = 1) and depthwise (groups = C = OC) convolutions, any
/// kernel, stride, padding and dilation. Its naive counterpart is `Tensor.conv2d` followed by the
/// unfused ops; the tests compare the two.
public final class PreparedConvolution: @unchecked Sendable {
    public let channels, outChannels, kernelHeight, kernelWidth: Int
    public let strideHeight, strideWidth, dilationHeight, dilationWidth: Int
    /// [top, left, bottom, right].
    public let pads: [Int]
    public let isDepthwise: Bool
    public let activation: FusedActivation
    /// Packed weights: dense [OC/8][C][KH·KW][8] (zero rows past OC); depthwise [C][KH·KW].
    let weights: UnsafeMutablePointer<Float>
    let weightCount: Int
    /// Per output channel (conv bias and folded normalisation), or nil.
    let bias: UnsafeMutablePointer<Float>?

    /// True when the kernels handle a convolution with this weight shape and group count.
    public static func supports(weightShape: [Int], groups: Int, inputChannels: Int) -> Bool {
        guard weightShape.count == 4, weightShape.allSatisfy({ $0 >= 1 }) else { return false }
        if groups == 1 { return weightShape[1] == inputChannels }
        return groups == inputChannels && weightShape[0] == inputChannels && weightShape[1] == 1
    }

    /// Prepares `weight` (OC, C/groups, KH, KW) and `bias` (OC); `pads` is [top, left, bottom, right].
    public init(weight: Tensor, bias: Tensor?, strides: [Int], pads: [Int], dilations: [Int], groups: Int,
                normalization: FoldedNormalization? = nil, activation: FusedActivation = .none) throws {
        guard weight.dtype == .float32, bias?.dtype ?? .float32 == .float32 else {
            throw TensorError.unsupportedDType(op: "PreparedConvolution", dtype: weight.dtype == .float32 ? bias!.dtype : weight.dtype)
        }
        guard weight.rank == 4, strides.count == 2, pads.count == 4, dilations.count == 2,
              strides.allSatisfy({ $0 >= 1 }), dilations.allSatisfy({ $0 >= 1 }), pads.allSatisfy({ $0 >= 0 }) else {
            throw TensorError.invalidArgument(op: "PreparedConvolution", detail: "weight \(weight.shape), strides \(strides), pads \(pads), dilations \(dilations)")
        }
        let oc = weight.shape[0], cg = weight.shape[1], kh = weight.shape[2], kw = weight.shape[3]
        let depthwise = groups > 1
        guard groups == 1 || (cg == 1 && groups == oc) else {
            throw TensorError.invalidArgument(op: "PreparedConvolution", detail: "only groups = 1 or depthwise (groups = C = OC) convolutions; got weight \(weight.shape) with groups \(groups)")
        }
        if let bias, bias.shape != [oc] {
            throw TensorError.shapeMismatch(op: "PreparedConvolution", detail: "bias must be (\(oc)), got \(bias.shape)")
        }
        channels = depthwise ? oc : cg
        outChannels = oc
        kernelHeight = kh
        kernelWidth = kw
        strideHeight = strides[0]; strideWidth = strides[1]
        dilationHeight = dilations[0]; dilationWidth = dilations[1]
        self.pads = pads
        isDepthwise = depthwise
        self.activation = activation

        // Folded per-channel scale and shift: y = conv·s + t.
        var scale = [Double](repeating: 1, count: oc)
        var shift = try bias.map { try $0.scalars(Float.self).map(Double.init) } ?? [Double](repeating: 0, count: oc)
        if let n = normalization {
            let gamma = n.scale.doubles(), beta = n.bias.doubles(), mean = n.mean.doubles(), variance = n.variance.doubles()
            guard gamma.count == oc, beta.count == oc, mean.count == oc, variance.count == oc else {
                throw TensorError.shapeMismatch(op: "PreparedConvolution", detail: "normalisation parameters must have \(oc) values each")
            }
            for c in 0..<oc {
                let s = gamma[c] / (variance[c] + n.epsilon).squareRoot()
                scale[c] = s
                shift[c] = (shift[c] - mean[c]) * s + beta[c]
            }
        }
        let hasBias = bias != nil || normalization != nil
        if hasBias {
            let b = UnsafeMutablePointer<Float>.allocate(capacity: oc)
            for c in 0..<oc { b[c] = Float(shift[c]) }
            self.bias = b
        } else {
            self.bias = nil
        }

        let taps = kh * kw
        let w = try weight.contiguous().scalars(Float.self)
        if depthwise {
            weightCount = oc * taps
            weights = .allocate(capacity: weightCount)
            for c in 0..<oc {
                for k in 0..<taps { weights[c * taps + k] = Float(Double(w[c * taps + k]) * scale[c]) }
            }
        } else {
            let blocks = (oc + 7) / 8
            weightCount = blocks * cg * taps * 8
            weights = .allocate(capacity: weightCount)
            weights.update(repeating: 0, count: weightCount)
            for o in 0..<oc {
                let block = o / 8, row = o % 8
                for c in 0..<cg {
                    for k in 0..<taps {
                        weights[((block * cg + c) * taps + k) * 8 + row] = Float(Double(w[(o * cg + c) * taps + k]) * scale[o])
                    }
                }
            }
        }
    }

    deinit {
        weights.deallocate()
        bias?.deallocate()
    }

    /// Geometry of one call on a batch of `batch` inputs of `height` x `width`, prepared in groups
    /// of `groupImages` images.
    struct Layout {
        var outHeight, outWidth, phaseRows, pitch: Int
        /// Flattened indices per image inside a phase plane.
        var imageQ: Int
        var groupImages, groups: Int
        var phaseStride, channelStride, slack: Int
        var offsets: [Int]
        /// Stride 1: the compact layout (shared padding, `lead` zeros first); else phase planes.
        var compact: Bool
        var lead: Int
        /// Flattened outputs of a full group.
        var groupQ: Int { (groupImages - 1) * imageQ + outHeight * pitch }
    }

    /// Flattened outputs a group should hold at least (several tiles), so small planes batch images.
    static let groupTarget = 512
    /// Input floats up to which the few-group path prepares on the calling thread.
    static let inlinePrepare = 1 << 15

    func layout(batch: Int, height: Int, width: Int) throws -> Layout {
        let ph = height + pads[0] + pads[2], pw = width + pads[1] + pads[3]
        let spanH = dilationHeight * (kernelHeight - 1) + 1, spanW = dilationWidth * (kernelWidth - 1) + 1
        guard ph >= spanH, pw >= spanW else {
            throw TensorError.shapeMismatch(op: "conv2d", detail: "kernel \(kernelHeight)x\(kernelWidth) (dilations [\(dilationHeight), \(dilationWidth)]) does not fit input \(height)x\(width) with pads \(pads)")
        }
        let oh = (ph - spanH) / strideHeight + 1, ow = (pw - spanW) / strideWidth + 1
        // The compact layout writes output (y, x) at y·pitch + x, so the output must fit the
        // pitch: at most one side's padding may reach the kernel's span.
        if strideHeight == 1 && strideWidth == 1 && Swift.min(pads[1], pads[3]) < spanW && Swift.min(pads[0], pads[2]) < spanH {
            // Shared padding: a zero column (row) is the right (bottom) pad of one row (image)
            // and the left (top) pad of the next.
            let pitch = width + Swift.max(pads[1], pads[3]), imageRows = height + Swift.max(pads[0], pads[2])
            let imageQ = imageRows * pitch
            let groupImages = Swift.max(1, Swift.min(batch, (Self.groupTarget + imageQ - 1) / imageQ))
            let lead = pads[1] + pads[0] * pitch
            var offsets: [Int] = []
            for ky in 0..<kernelHeight {
                for kx in 0..<kernelWidth { offsets.append(ky * dilationHeight * pitch + kx * dilationWidth) }
            }
            return Layout(outHeight: oh, outWidth: ow, phaseRows: imageRows, pitch: pitch, imageQ: imageQ, groupImages: groupImages,
                          groups: (batch + groupImages - 1) / groupImages, phaseStride: 0,
                          channelStride: lead + groupImages * imageQ, slack: 64 + (offsets.max() ?? 0) + 16, offsets: offsets,
                          compact: true, lead: lead)
        }
        let phaseRows = (ph + strideHeight - 1) / strideHeight, pitch = (pw + strideWidth - 1) / strideWidth
        let imageQ = phaseRows * pitch
        let groupImages = Swift.max(1, Swift.min(batch, (Self.groupTarget + imageQ - 1) / imageQ))
        let phaseStride = groupImages * imageQ
        var offsets: [Int] = []
        for ky in 0..<kernelHeight {
            for kx in 0..<kernelWidth {
                let yy = ky * dilationHeight, xx = kx * dilationWidth
                let phase = (yy % strideHeight) * strideWidth + xx % strideWidth
                offsets.append(phase * phaseStride + (yy / strideHeight) * pitch + xx / strideWidth)
            }
        }
        return Layout(outHeight: oh, outWidth: ow, phaseRows: phaseRows, pitch: pitch, imageQ: imageQ, groupImages: groupImages,
                      groups: (batch + groupImages - 1) / groupImages, phaseStride: phaseStride,
                      channelStride: strideHeight * strideWidth * phaseStride, slack: 64 + (offsets.max() ?? 0) + 16, offsets: offsets,
                      compact: false, lead: 0)
    }

    /// Output shape for an input of shape (N, C, H, W).
    public func outputShape(input: [Int]) throws -> [Int] {
        guard input.count == 4, input[1] == channels else {
            throw TensorError.shapeMismatch(op: "conv2d", detail: "input must be (N, \(channels), H, W), got \(input)")
        }
        let l = try layout(batch: input[0], height: input[2], width: input[3])
        return [input[0], outChannels, l.outHeight, l.outWidth]
    }

    /// Floats of scratch memory `run` needs for an input of shape (N, C, H, W).
    public func scratchCount(input: [Int]) throws -> Int {
        let l = try layout(batch: input[0], height: input[2], width: input[3])
        let threads = Swift.max(Parallel.threads, 1)
        if isDepthwise { return threads * (l.channelStride + l.slack) }
        let slots = preparesAllGroups(l, threads: threads) ? l.groups : threads
        return slots * (channels * l.channelStride + l.slack)
    }

    /// Few groups: all are prepared first, then their work is split finely between threads.
    func preparesAllGroups(_ l: Layout, threads: Int) -> Bool { threads > 1 && l.groups < 2 * threads }

    /// Runs on `input` (N, C, H, W) into `output` (N, OC, OH, OW), with `scratch` holding
    /// `scratchCount(input:)` floats. `output` must not overlap `input`; it may be the addend.
    public func run(input: UnsafePointer<Float>, shape: [Int], output: UnsafeMutablePointer<Float>,
                    addend: FusedAddend?, scratch scratchBuffer: UnsafeMutableBufferPointer<Float>) throws {
        guard shape.count == 4, shape[1] == channels else {
            throw TensorError.shapeMismatch(op: "conv2d", detail: "input must be (N, \(channels), H, W), got \(shape)")
        }
        let needed = try scratchCount(input: shape)
        guard let scratch = scratchBuffer.baseAddress, scratchBuffer.count >= needed else {
            throw TensorError.invalidArgument(op: "conv2d", detail: "scratch holds \(scratchBuffer.count) floats, \(needed) needed (the thread count may have grown)")
        }
        let n = shape[0], h = shape[2], w = shape[3]
        let l = try layout(batch: n, height: h, width: w)
        guard l.outHeight > 0, l.outWidth > 0, n > 0 else { return }
        let (kind, alpha, beta) = activation.code
        var epilogue = wn_epilogue(bias: bias.map { UnsafePointer($0) }, addend: addend?.base,
                                   addend_image_stride: addend?.imageStride ?? 0, addend_channel_stride: addend?.channelStride ?? 0,
                                   addend_per_pixel: addend?.perPixel == true ? 1 : 0, activation: kind, alpha: alpha, beta: beta)
        let inputPlane = h * w, outputPlane = l.outHeight * l.outWidth
        let pt = Int32(pads[0]), pl = Int32(pads[1]), sh = Int32(strideHeight), sw = Int32(strideWidth)
        let rows = Int32(l.phaseRows), pitch = Int32(l.pitch)
        let c = channels, oc = outChannels, per = l.groupImages
        /// Copies channels [c0, c0 + count) of the images of `group` into `prepared`.
        func prepare(group: Int, channel c0: Int, count: Int, into prepared: UnsafeMutablePointer<Float>) {
            let first = group * per
            if l.compact {
                wn_prepare_compact(input + (first * c + c0) * inputPlane, Int32(Swift.min(per, n - first)), c * inputPlane, Int32(count),
                                   Int32(h), Int32(w), pitch, rows, l.lead, l.channelStride, prepared)
                return
            }
            wn_prepare_input(input + (first * c + c0) * inputPlane, Int32(Swift.min(per, n - first)), c * inputPlane, Int32(count),
                             Int32(h), Int32(w), pt, pl, sh, sw, rows, pitch, l.imageQ, l.phaseStride, l.channelStride, prepared)
        }
        l.offsets.withUnsafeBufferPointer { offsets in
            let base = wn_conv_geometry(channels: Int32(isDepthwise ? 1 : c), out_channels: Int32(oc),
                                        out_height: Int32(l.outHeight), out_width: Int32(l.outWidth), pitch: pitch,
                                        images: Int32(per), image_q: l.imageQ,
                                        taps: Int32(kernelHeight * kernelWidth), tap_offsets: offsets.baseAddress,
                                        channel_stride: l.channelStride)
            /// The geometry of `group` (the last one may hold fewer images).
            func geometry(_ group: Int) -> wn_conv_geometry {
                var g = base
                g.images = Int32(Swift.min(per, n - group * per))
                return g
            }
            let weights = UnsafePointer(self.weights)
            withUnsafePointer(to: &epilogue) { e in
                if isDepthwise {
                    let taps = kernelHeight * kernelWidth, slot = l.channelStride + l.slack
                    Parallel.forEachPooled(l.groups * c) { worker, item in
                        let prepared = scratch + worker * slot
                        let group = item / c, channel = item % c
                        prepare(group: group, channel: channel, count: 1, into: prepared)
                        var g = geometry(group)
                        wn_depthwise(&g, prepared, weights + channel * taps, Int32(channel),
                                     output + group * per * oc * outputPlane, e, Int32(group * per))
                    }
                    return
                }
                let tile = Int(wn_conv_tile())
                let blocks = (oc + 7) / 8
                let threads = Parallel.threads
                let slot = c * l.channelStride + l.slack
                func tiles(_ g: wn_conv_geometry) -> Int { (Int(g.images - 1) * l.imageQ + l.outHeight * l.pitch + tile - 1) / tile }
                if !preparesAllGroups(l, threads: threads) {
                    // Many groups: a thread prepares a group into its own slot and computes all of it.
                    Parallel.forEachPooled(l.groups) { worker, group in
                        let prepared = scratch + worker * slot
                        prepare(group: group, channel: 0, count: c, into: prepared)
                        var g = geometry(group)
                        wn_conv_tiles(&g, prepared, weights, 0, Int32(tiles(g)), 0, Int32(blocks),
                                      output + group * per * oc * outputPlane, e, Int32(group * per))
                    }
                    return
                }
                // Few groups: prepare all of them, then split each into parts of output channel
                // blocks x tiles, several per thread, so a thread that the machine delays holds up
                // little of the work.
                // Channel ranges of about equal size, a few per thread (each claim costs a shared
                // counter's cache line moving between cores).
                // A small input is prepared by the calling thread alone: a parallel loop's start
                // and finish would cost more than the copy.
                let ranges = l.groups * c * inputPlane <= Self.inlinePrepare ? 1 : Swift.min(c, 2 * threads)
                Parallel.forEachPooled(l.groups * ranges) { _, item in
                    let group = item / ranges, r = item % ranges
                    let c0 = r * c / ranges, c1 = (r + 1) * c / ranges
                    if c0 < c1 {
                        prepare(group: group, channel: c0, count: c1 - c0, into: scratch + group * slot + c0 * l.channelStride)
                    }
                }
                let target = Swift.max(1, (4 * threads + l.groups - 1) / l.groups)
                let groupTiles = (l.groupQ + tile - 1) / tile
                let blockParts = Swift.min(blocks, target)
                let tileParts = Swift.max(1, Swift.min(groupTiles, (target + blockParts - 1) / blockParts))
                let parts = blockParts * tileParts
                Parallel.forEachPooled(l.groups * parts) { _, item in
                    let group = item / parts, p = item % parts
                    let bp = p / tileParts, tp = p % tileParts
                    var g = geometry(group)
                    let count = tiles(g)
                    let b0 = bp * blocks / blockParts, b1 = (bp + 1) * blocks / blockParts
                    let t0 = tp * count / tileParts, t1 = (tp + 1) * count / tileParts
                    if b0 < b1 && t0 < t1 {
                        wn_conv_tiles(&g, scratch + group * slot, weights, Int32(t0), Int32(t1), Int32(b0), Int32(b1),
                                      output + group * per * oc * outputPlane, e, Int32(group * per))
                    }
                }
            }
        }
    }

    /// The convolution of `input` (N, C, H, W) as a new tensor, plus `addend` (the output's shape,
    /// or (N or 1, OC, 1, 1)) before the activation. Allocates its output and scratch; inference
    /// plans call `run` with planned memory instead.
    public func apply(_ input: Tensor, addend: Tensor? = nil) throws -> Tensor {
        guard input.dtype == .float32 else { throw TensorError.unsupportedDType(op: "conv2d", dtype: input.dtype) }
        let x = input.contiguous()
        let shape = try outputShape(input: x.shape)
        var out = Tensor(uninitialized: shape, dtype: .float32)
        let scratch = UnsafeMutableBufferPointer<Float>.allocate(capacity: try scratchCount(input: x.shape))
        defer { scratch.deallocate() }
        let a = try addend.map { try FusedAddend.describing($0, output: shape) }
        let keep = addend?.contiguous()
        try withExtendedLifetime(keep) {
            try run(input: x.floatBase, shape: x.shape, output: out.storage.pointer(as: Float.self),
                    addend: a.map { FusedAddend(base: keep!.floatBase, imageStride: $0.imageStride, channelStride: $0.channelStride, perPixel: $0.perPixel) },
                    scratch: scratch)
        }
        _ = out.count
        return out
    }
}

extension FusedAddend {
    /// Strides of `addend` as an addend to an output of `output` shape (N, OC, OH, OW): the same
    /// shape, or (N or 1, OC, 1, 1). The base pointer is a placeholder the caller replaces.
    public static func describing(_ addend: Tensor, output: [Int]) throws -> (imageStride: Int, channelStride: Int, perPixel: Bool) {
        guard addend.dtype == .float32, addend.rank == 4 else {
            throw TensorError.shapeMismatch(op: "fused addend", detail: "addend must be float32 of rank 4, got \(addend.dtype) \(addend.shape)")
        }
        let s = addend.shape
        if s == output { return (output[1] * output[2] * output[3], output[2] * output[3], true) }
        if (s[0] == output[0] || s[0] == 1), s[1] == output[1], s[2] == 1, s[3] == 1 {
            return (s[0] == 1 ? 0 : output[1], 1, false)
        }
        throw TensorError.shapeMismatch(op: "fused addend", detail: "addend \(s) is neither the output's shape \(output) nor (N or 1, \(output[1]), 1, 1)")
    }
}
