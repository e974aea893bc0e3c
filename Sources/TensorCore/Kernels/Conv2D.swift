#if canImport(Glibc)
import Glibc
#endif
/// 2-D convolution (ONNX Conv on NCHW): im2col + BLAS GEMM for the general case, a direct
/// kernel for depthwise layers (see DepthwiseConv.swift). Forward and backward.
public struct Conv2DGeometry: Sendable, Equatable {
    public var batch, channels, height, width: Int
    public var outChannels, kernelHeight, kernelWidth: Int
    public var strideHeight, strideWidth: Int
    public var padTop, padLeft, padBottom, padRight: Int
    public var dilationHeight, dilationWidth: Int
    public var groups: Int

    public var outHeight: Int { (height + padTop + padBottom - dilationHeight * (kernelHeight - 1) - 1) / strideHeight + 1 }
    public var outWidth: Int { (width + padLeft + padRight - dilationWidth * (kernelWidth - 1) - 1) / strideWidth + 1 }
    /// Input channels per group (C/g).
    public var groupChannels: Int { channels / groups }
    /// Output channels per group (OC/g).
    public var groupOutChannels: Int { outChannels / groups }
    /// Rows of one group's im2col matrix: C/g·KH·KW.
    public var patchSize: Int { groupChannels * kernelHeight * kernelWidth }
    /// Multiply-accumulates of the forward pass.
    public var macs: Int { batch * outChannels * outHeight * outWidth * patchSize }
    /// True when each output channel reads exactly its own input channel.
    public var isDepthwise: Bool { groups == channels && outChannels == channels && groups > 1 }

    /// Validates shapes and options; throws naming what is wrong.
    public init(input: [Int], weight: [Int], strides: [Int], pads: [Int], dilations: [Int], groups: Int) throws {
        guard input.count == 4 else { throw TensorError.shapeMismatch(op: "conv2d", detail: "input must be (N, C, H, W), got \(input)") }
        guard weight.count == 4 else { throw TensorError.shapeMismatch(op: "conv2d", detail: "weight must be (OC, C/groups, KH, KW), got \(weight)") }
        guard strides.count == 2, dilations.count == 2, pads.count == 4 else {
            throw TensorError.invalidArgument(op: "conv2d", detail: "need 2 strides, 2 dilations and 4 pads [top, left, bottom, right]; got \(strides), \(dilations), \(pads)")
        }
        guard strides.allSatisfy({ $0 >= 1 }), dilations.allSatisfy({ $0 >= 1 }), pads.allSatisfy({ $0 >= 0 }) else {
            throw TensorError.invalidArgument(op: "conv2d", detail: "strides and dilations must be ≥ 1 and pads ≥ 0; got strides \(strides), dilations \(dilations), pads \(pads)")
        }
        guard groups >= 1, input[1] % groups == 0, weight[0] % groups == 0 else {
            throw TensorError.invalidArgument(op: "conv2d", detail: "groups \(groups) must divide input channels \(input[1]) and output channels \(weight[0])")
        }
        guard weight[1] == input[1] / groups else {
            throw TensorError.shapeMismatch(op: "conv2d", detail: "weight \(weight) expects \(weight[1] * groups) input channels with groups=\(groups), input has \(input[1]) (shape \(input))")
        }
        batch = input[0]; channels = input[1]; height = input[2]; width = input[3]
        outChannels = weight[0]; kernelHeight = weight[2]; kernelWidth = weight[3]
        strideHeight = strides[0]; strideWidth = strides[1]
        padTop = pads[0]; padLeft = pads[1]; padBottom = pads[2]; padRight = pads[3]
        dilationHeight = dilations[0]; dilationWidth = dilations[1]
        self.groups = groups
        // Compared directly: outHeight's truncating division rounds a negative span up to one row.
        guard kernelHeight >= 1, kernelWidth >= 1,
              height + padTop + padBottom >= dilationHeight * (kernelHeight - 1) + 1,
              width + padLeft + padRight >= dilationWidth * (kernelWidth - 1) + 1 else {
            throw TensorError.shapeMismatch(op: "conv2d", detail: "kernel \(kernelHeight)x\(kernelWidth) (dilation \(dilations)) does not fit input \(height)x\(width) with pads \(pads)")
        }
    }
}

extension Tensor {
    /// Convolution of `self` (N, C, H, W) with `weight` (OC, C/groups, KH, KW) plus optional
    /// `bias` (OC), giving (N, OC, OH, OW). `pads` is [top, left, bottom, right].
    public func conv2d(weight: Tensor, bias: Tensor? = nil, strides: [Int] = [1, 1], pads: [Int] = [0, 0, 0, 0],
                       dilations: [Int] = [1, 1], groups: Int = 1) throws -> Tensor {
        let geo = try Conv2DGeometry(input: shape, weight: weight.shape, strides: strides, pads: pads, dilations: dilations, groups: groups)
        guard dtype.isFloatingCompute else { throw TensorError.unsupportedDType(op: "conv2d", dtype: dtype) }
        guard weight.dtype == dtype else { throw TensorError.dtypeMismatch(op: "conv2d weight", expected: dtype, got: weight.dtype) }
        if let bias {
            guard bias.dtype == dtype else { throw TensorError.dtypeMismatch(op: "conv2d bias", expected: dtype, got: bias.dtype) }
            guard bias.shape == [geo.outChannels] else {
                throw TensorError.shapeMismatch(op: "conv2d", detail: "bias must be (\(geo.outChannels)), got \(bias.shape)")
            }
        }
        let x = contiguous(), w = weight.contiguous(), b = bias?.contiguous()
        let direct = Tensor.usesDirectKernels(geo, dtype: dtype)
        let out = try Tensor.convolutionForward(x, w, b, geo, direct: direct)
        var inputs = [self, weight]
        if let bias { inputs.append(bias) }
        let needInputGradient = gradNode != nil
        return out.recorded("Conv", inputs: inputs) { g in
            let gc = g.contiguous()
            let grads = try Tensor.convolutionGradients(gc, x, w, geo, needInputGradient: needInputGradient, direct: direct)
            var result: [Tensor?] = [grads.input, grads.weight]
            if bias != nil { result.append(try gc.sum(axes: [0, 2, 3])) }
            return result
        }
    }

    /// True when a convolution of this geometry and dtype runs the direct kernels: float32, one
    /// group, nothing empty (tests switch them off with `directConvolution`).
    static func usesDirectKernels(_ geo: Conv2DGeometry, dtype: DType) -> Bool {
        dtype == .float32 && geo.groups == 1 && Tensor.directConvolution && geo.batch > 0 && geo.channels > 0
            && geo.outChannels > 0 && geo.outHeight > 0 && geo.outWidth > 0
    }

    /// The forward value `conv2d` computes (contiguous operands). Float32 dense convolutions run
    /// the direct kernels (CKernels, via PreparedConvolution); the im2col + GEMM path is their
    /// reference and serves Float64 and grouped ones; depthwise ones have their own kernel.
    static func convolutionForward(_ x: Tensor, _ w: Tensor, _ b: Tensor?, _ geo: Conv2DGeometry, direct: Bool) throws -> Tensor {
        if direct {
            return try PreparedConvolution(weight: w, bias: b, strides: [geo.strideHeight, geo.strideWidth],
                                           pads: [geo.padTop, geo.padLeft, geo.padBottom, geo.padRight],
                                           dilations: [geo.dilationHeight, geo.dilationWidth], groups: 1).apply(x)
        }
        if x.dtype == .float32 {
            return geo.isDepthwise ? Tensor.depthwiseForward(x, w, b, geo, Float.self) : Tensor.convForward(x, w, b, geo, Float.self)
        }
        return geo.isDepthwise ? Tensor.depthwiseForward(x, w, b, geo, Double.self) : Tensor.convForward(x, w, b, geo, Double.self)
    }

    /// The input (when asked) and weight gradients of a convolution for the output gradient `g`
    /// (contiguous operands). With the direct kernels at stride 1, the input gradient is a
    /// convolution of g with the flipped, transposed weights; the weight gradient is always
    /// im2col + GEMM.
    static func convolutionGradients(_ g: Tensor, _ x: Tensor, _ w: Tensor, _ geo: Conv2DGeometry, needInputGradient: Bool,
                                     direct: Bool) throws -> (input: Tensor?, weight: Tensor) {
        if direct, let transposed = try Tensor.directDataGradient(geo, weight: w) {
            let dw = Tensor.convBackward(g, x, w, geo, false, Float.self).1
            return (needInputGradient ? try transposed.apply(g) : nil, dw)
        }
        let grads: (Tensor?, Tensor)
        if g.dtype == .float32 {
            grads = geo.isDepthwise ? Tensor.depthwiseBackward(g, x, w, geo, needInputGradient, Float.self)
                                    : Tensor.convBackward(g, x, w, geo, needInputGradient, Float.self)
        } else {
            grads = geo.isDepthwise ? Tensor.depthwiseBackward(g, x, w, geo, needInputGradient, Double.self)
                                    : Tensor.convBackward(g, x, w, geo, needInputGradient, Double.self)
        }
        return (grads.0, grads.1)
    }

    /// Float32 dense convolutions use the direct kernels (tests switch them off to compare).
    nonisolated(unsafe) public static var directConvolution = true

    /// For a stride-1, undilated convolution whose pads are below the kernel size: the prepared
    /// convolution that maps the output gradient (N, OC, OH, OW) to the input gradient
    /// (N, C, H, W), with weights wᵀ[c, oc, ky, kx] = w[oc, c, KH−1−ky, KW−1−kx] and pads
    /// K−1−p. Nil for other geometries.
    static func directDataGradient(_ geo: Conv2DGeometry, weight w: Tensor) throws -> PreparedConvolution? {
        let kh = geo.kernelHeight, kw = geo.kernelWidth
        guard geo.groups == 1, geo.strideHeight == 1, geo.strideWidth == 1, geo.dilationHeight == 1, geo.dilationWidth == 1,
              geo.padTop < kh, geo.padBottom < kh, geo.padLeft < kw, geo.padRight < kw else { return nil }
        let oc = geo.outChannels, c = geo.channels, area = kh * kw
        var flipped = Tensor(uninitialized: [c, oc, kh, kw], dtype: .float32)
        w.withElements(Float.self) { src in
            flipped.withMutableElements(Float.self) { dst in
                for o in 0..<oc {
                    for i in 0..<c {
                        let from = (o * c + i) * area, to = (i * oc + o) * area
                        for k in 0..<area { dst[to + area - 1 - k] = src[from + k] }
                    }
                }
            }
        }
        return try PreparedConvolution(weight: flipped, bias: nil, strides: [1, 1],
                                       pads: [kh - 1 - geo.padTop, kw - 1 - geo.padLeft, kh - 1 - geo.padBottom, kw - 1 - geo.padRight],
                                       dilations: [1, 1], groups: 1)
    }

    nonisolated(unsafe) static var im2colBudget: Int = {
        if let v = getenv("WINNOW_IM2COL"), let n = Int(String(cString: v)) { return n }
        return 2 << 20
    }()

    /// Images per im2col chunk: enough columns for an efficient GEMM, bounded scratch memory.
    static func imagesPerChunk(_ geo: Conv2DGeometry) -> Int {
        let perImage = geo.patchSize * geo.outHeight * geo.outWidth
        return Swift.max(1, Swift.min(geo.batch, im2colBudget / Swift.max(perImage, 1)))
    }

    /// Fills cols[(c, kh, kw), (image, oh, ow)] for channels [c0, c0 + C/g) of images [n0, n0 + nb).
    static func im2col<T: FloatElement>(_ px: UnsafePointer<T>, _ cols: UnsafeMutablePointer<T>, _ geo: Conv2DGeometry,
                                         n0: Int, nb: Int, c0: Int, parallel: Bool = true) {
        let kh = geo.kernelHeight, kw = geo.kernelWidth, oh = geo.outHeight, ow = geo.outWidth
        let h = geo.height, w = geo.width, sh = geo.strideHeight, sw = geo.strideWidth
        let dh = geo.dilationHeight, dw = geo.dilationWidth, pt = geo.padTop, pl = geo.padLeft
        let ohw = oh * ow, rowLength = nb * ohw
        let rows = geo.patchSize * nb
        func work(_ range: Range<Int>) {
            for item in range {
                let row = item / nb, image = item % nb
                let c = row / (kh * kw), ky = (row / kw) % kh, kx = row % kw
                let plane = px + ((n0 + image) * geo.channels + c0 + c) * h * w
                let dst = cols + row * rowLength + image * ohw
                // Output columns whose input column is inside the image: ow in [lo, hi).
                let shift = kx * dw - pl
                var lo = 0, hi = ow
                if shift < 0 { lo = Swift.min(ow, (-shift + sw - 1) / sw) }
                let lastValid = w - 1 - shift
                hi = lastValid < 0 ? 0 : Swift.min(ow, lastValid / sw + 1)
                if hi < lo { hi = lo }
                for y in 0..<oh {
                    let iy = y * sh - pt + ky * dh
                    let d = dst + y * ow
                    if iy < 0 || iy >= h {
                        d.update(repeating: 0, count: ow)
                        continue
                    }
                    let src = plane + iy * w + shift
                    if lo > 0 { d.update(repeating: 0, count: lo) }
                    if sw == 1 {
                        (d + lo).update(from: src + lo, count: hi - lo)
                    } else {
                        for x in lo..<hi { d[x] = src[x * sw] }
                    }
                    if hi < ow { (d + hi).update(repeating: 0, count: ow - hi) }
                }
            }
        }
        if parallel {
            Parallel.forRange(rows, grain: Swift.max(1, 4096 / Swift.max(ohw, 1))) { work($0) }
        } else {
            work(0..<rows)
        }
    }

    /// Adds cols back into the input gradient (the transpose of im2col), parallel over planes.
    static func col2im<T: FloatElement>(_ cols: UnsafePointer<T>, _ pdx: UnsafeMutablePointer<T>, _ geo: Conv2DGeometry,
                                         n0: Int, nb: Int, c0: Int, parallel: Bool = true) {
        let kh = geo.kernelHeight, kw = geo.kernelWidth, oh = geo.outHeight, ow = geo.outWidth
        let h = geo.height, w = geo.width, sh = geo.strideHeight, sw = geo.strideWidth
        let dh = geo.dilationHeight, dw = geo.dilationWidth, pt = geo.padTop, pl = geo.padLeft
        let ohw = oh * ow, rowLength = nb * ohw, cg = geo.groupChannels
        func work(_ range: Range<Int>) {
            for item in range {
                let image = item / cg, c = item % cg
                let plane = pdx + ((n0 + image) * geo.channels + c0 + c) * h * w
                for ky in 0..<kh {
                    for kx in 0..<kw {
                        let row = (c * kh + ky) * kw + kx
                        let src = cols + row * rowLength + image * ohw
                        let shift = kx * dw - pl
                        var lo = 0
                        if shift < 0 { lo = Swift.min(ow, (-shift + sw - 1) / sw) }
                        let lastValid = w - 1 - shift
                        var hi = lastValid < 0 ? 0 : Swift.min(ow, lastValid / sw + 1)
                        if hi < lo { hi = lo }
                        for y in 0..<oh {
                            let iy = y * sh - pt + ky * dh
                            if iy < 0 || iy >= h { continue }
                            let d = plane + iy * w + shift
                            let s = src + y * ow
                            if sw == 1 {
                                for x in lo..<hi { d[x] += s[x] }
                            } else {
                                for x in lo..<hi { d[x * sw] += s[x] }
                            }
                        }
                    }
                }
            }
        }
        if parallel {
            Parallel.forRange(nb * cg, grain: 1) { work($0) }
        } else {
            work(0..<(nb * cg))
        }
    }

    /// Images per thread-local chunk: enough GEMM columns, im2col buffer resident in L2.
    static func threadChunkImages(_ geo: Conv2DGeometry) -> Int {
        let ohw = geo.outHeight * geo.outWidth
        let byColumns = (512 + ohw - 1) / Swift.max(ohw, 1)
        let byCache = (256 << 10) / Swift.max(geo.patchSize * ohw, 1)
        return Swift.max(1, Swift.min(geo.batch, Swift.max(1, Swift.min(byColumns, Swift.max(byCache, 1)))))
    }

    /// True when there are enough image chunks to spread over threads (single-threaded BLAS
    /// inside a parallel loop); otherwise one large GEMM uses BLAS's threads. The choice depends
    /// on the shape only, not the thread count, so results are the same for any thread count.
    static func useThreadChunks(_ geo: Conv2DGeometry) -> Bool {
        if let forced = convPathOverride { return forced }
        let chunks = (geo.batch + threadChunkImages(geo) - 1) / threadChunkImages(geo)
        return chunks >= 4
    }

    /// Weight-gradient partial sums of the chunked backward: a fixed count (not the thread
    /// count), added in a fixed order.
    static let weightGradientSlots = 8

    /// Tests force one path or the other (nil: choose by shape).
    nonisolated(unsafe) static var convPathOverride: Bool? = nil

    static func convForward<T: FloatElement>(_ x: Tensor, _ w: Tensor, _ b: Tensor?, _ geo: Conv2DGeometry, _: T.Type) -> Tensor {
        if useThreadChunks(geo) { return convForwardChunked(x, w, b, geo, T.self) }
        var out = Tensor(uninitialized: [geo.batch, geo.outChannels, geo.outHeight, geo.outWidth], dtype: T.dtype)
        let px = UnsafePointer(x.storage.pointer(as: T.self) + x.offset)
        let pw = UnsafePointer(w.storage.pointer(as: T.self) + w.offset)
        let po = out.storage.pointer(as: T.self)
        let pb = b.map { UnsafePointer($0.storage.pointer(as: T.self) + $0.offset) }
        let ohw = geo.outHeight * geo.outWidth, ocg = geo.groupOutChannels, k = geo.patchSize
        let chunk = imagesPerChunk(geo)
        let cols = UnsafeMutablePointer<T>.allocate(capacity: k * chunk * ohw)
        let tmp = UnsafeMutablePointer<T>.allocate(capacity: ocg * chunk * ohw)
        defer { cols.deallocate(); tmp.deallocate() }
        var n0 = 0
        while n0 < geo.batch {
            let nb = Swift.min(chunk, geo.batch - n0)
            for g in 0..<geo.groups {
                im2col(px, cols, geo, n0: n0, nb: nb, c0: g * geo.groupChannels)
                T.gemm(transA: false, transB: false, m: ocg, n: nb * ohw, k: k, alpha: 1,
                       a: pw + g * ocg * k, lda: k, b: cols, ldb: nb * ohw, beta: 0, c: tmp, ldc: nb * ohw)
                // tmp[oc, (image, p)] → out[n0 + image, g·OC/g + oc, p], adding the bias.
                Parallel.forRange(nb * ocg, grain: Swift.max(1, 4096 / Swift.max(ohw, 1))) { range in
                    for item in range {
                        let image = item / ocg, oc = item % ocg
                        let channel = g * ocg + oc
                        let src = tmp + oc * nb * ohw + image * ohw
                        let dst = po + ((n0 + image) * geo.outChannels + channel) * ohw
                        if let pb {
                            let bias = pb[channel]
                            for p in 0..<ohw { dst[p] = src[p] + bias }
                        } else {
                            dst.update(from: src, count: ohw)
                        }
                    }
                }
            }
            n0 += nb
        }
        _ = out.count
        return out
    }

    static func convBackward<T: FloatElement>(_ g: Tensor, _ x: Tensor, _ w: Tensor, _ geo: Conv2DGeometry,
                                              _ needInputGradient: Bool, _: T.Type) -> (Tensor?, Tensor) {
        if useThreadChunks(geo) { return convBackwardChunked(g, x, w, geo, needInputGradient, T.self) }
        var dw = Tensor(zeros: w.shape, dtype: T.dtype)
        var dx = needInputGradient ? Tensor(zeros: x.shape, dtype: T.dtype) : nil
        let px = UnsafePointer(x.storage.pointer(as: T.self) + x.offset)
        let pw = UnsafePointer(w.storage.pointer(as: T.self) + w.offset)
        let pg = UnsafePointer(g.storage.pointer(as: T.self) + g.offset)
        let pdw = dw.storage.pointer(as: T.self)
        let pdx = dx?.storage.pointer(as: T.self)
        let ohw = geo.outHeight * geo.outWidth, ocg = geo.groupOutChannels, k = geo.patchSize
        let chunk = imagesPerChunk(geo)
        let cols = UnsafeMutablePointer<T>.allocate(capacity: k * chunk * ohw)
        let tmp = UnsafeMutablePointer<T>.allocate(capacity: ocg * chunk * ohw)
        defer { cols.deallocate(); tmp.deallocate() }
        var n0 = 0
        while n0 < geo.batch {
            let nb = Swift.min(chunk, geo.batch - n0)
            for grp in 0..<geo.groups {
                // Gather this group's output gradient into tmp[oc, (image, p)].
                Parallel.forRange(nb * ocg, grain: Swift.max(1, 4096 / Swift.max(ohw, 1))) { range in
                    for item in range {
                        let image = item / ocg, oc = item % ocg
                        let src = pg + ((n0 + image) * geo.outChannels + grp * ocg + oc) * ohw
                        (tmp + oc * nb * ohw + image * ohw).update(from: src, count: ohw)
                    }
                }
                im2col(px, cols, geo, n0: n0, nb: nb, c0: grp * geo.groupChannels)
                // dW_g += tmp · colsᵀ
                T.gemm(transA: false, transB: true, m: ocg, n: k, k: nb * ohw, alpha: 1,
                       a: tmp, lda: nb * ohw, b: cols, ldb: nb * ohw, beta: 1, c: pdw + grp * ocg * k, ldc: k)
                if let pdx {
                    // dCols = W_gᵀ · tmp, then scattered back onto the input planes.
                    T.gemm(transA: true, transB: false, m: k, n: nb * ohw, k: ocg, alpha: 1,
                           a: pw + grp * ocg * k, lda: k, b: tmp, ldb: nb * ohw, beta: 0, c: cols, ldc: nb * ohw)
                    col2im(cols, pdx, geo, n0: n0, nb: nb, c0: grp * geo.groupChannels)
                }
            }
            n0 += nb
        }
        _ = dw.count
        _ = dx?.count
        return (dx, dw)
    }
}

extension Tensor {
    /// Forward with each thread owning whole image chunks: its im2col buffer stays in cache, the
    /// GEMMs run single-threaded inside the loop, and single-image chunks write straight into
    /// the output.
    static func convForwardChunked<T: FloatElement>(_ x: Tensor, _ w: Tensor, _ b: Tensor?, _ geo: Conv2DGeometry, _: T.Type) -> Tensor {
        var out = Tensor(uninitialized: [geo.batch, geo.outChannels, geo.outHeight, geo.outWidth], dtype: T.dtype)
        let px = UnsafePointer(x.storage.pointer(as: T.self) + x.offset)
        let pw = UnsafePointer(w.storage.pointer(as: T.self) + w.offset)
        let po = out.storage.pointer(as: T.self)
        let pb = b.map { UnsafePointer($0.storage.pointer(as: T.self) + $0.offset) }
        let ohw = geo.outHeight * geo.outWidth, ocg = geo.groupOutChannels, k = geo.patchSize
        let perChunk = threadChunkImages(geo)
        let chunks = (geo.batch + perChunk - 1) / perChunk
        Parallel.withSingleThreadedBLAS {
            Parallel.forRange(chunks, grain: 1) { range in
                let cols = UnsafeMutablePointer<T>.allocate(capacity: k * perChunk * ohw)
                let tmp = UnsafeMutablePointer<T>.allocate(capacity: ocg * perChunk * ohw)
                defer { cols.deallocate(); tmp.deallocate() }
                for chunk in range {
                    let n0 = chunk * perChunk, nb = Swift.min(perChunk, geo.batch - n0)
                    for g in 0..<geo.groups {
                        im2col(px, cols, geo, n0: n0, nb: nb, c0: g * geo.groupChannels, parallel: false)
                        if nb == 1 {
                            let dst = po + (n0 * geo.outChannels + g * ocg) * ohw
                            T.gemm(transA: false, transB: false, m: ocg, n: ohw, k: k, alpha: 1,
                                   a: pw + g * ocg * k, lda: k, b: cols, ldb: ohw, beta: 0, c: dst, ldc: ohw)
                            if let pb {
                                for oc in 0..<ocg {
                                    let bias = pb[g * ocg + oc], row = dst + oc * ohw
                                    for p in 0..<ohw { row[p] += bias }
                                }
                            }
                            continue
                        }
                        T.gemm(transA: false, transB: false, m: ocg, n: nb * ohw, k: k, alpha: 1,
                               a: pw + g * ocg * k, lda: k, b: cols, ldb: nb * ohw, beta: 0, c: tmp, ldc: nb * ohw)
                        for image in 0..<nb {
                            for oc in 0..<ocg {
                                let channel = g * ocg + oc
                                let src = tmp + oc * nb * ohw + image * ohw
                                let dst = po + ((n0 + image) * geo.outChannels + channel) * ohw
                                let bias = pb.map { $0[channel] } ?? 0
                                for p in 0..<ohw { dst[p] = src[p] + bias }
                            }
                        }
                    }
                }
            }
        }
        _ = out.count
        return out
    }

    /// Backward with thread-owned image chunks. Chunks are grouped into a fixed number of slots,
    /// each summing its weight gradient in its own buffer; the buffers are added in slot order,
    /// so the result does not depend on the thread count.
    static func convBackwardChunked<T: FloatElement>(_ g: Tensor, _ x: Tensor, _ w: Tensor, _ geo: Conv2DGeometry,
                                                     _ needInputGradient: Bool, _: T.Type) -> (Tensor?, Tensor) {
        var dw = Tensor(zeros: w.shape, dtype: T.dtype)
        var dx = needInputGradient ? Tensor(zeros: x.shape, dtype: T.dtype) : nil
        let px = UnsafePointer(x.storage.pointer(as: T.self) + x.offset)
        let pw = UnsafePointer(w.storage.pointer(as: T.self) + w.offset)
        let pg = UnsafePointer(g.storage.pointer(as: T.self) + g.offset)
        let pdw = dw.storage.pointer(as: T.self)
        let pdx = dx?.storage.pointer(as: T.self)
        let ohw = geo.outHeight * geo.outWidth, ocg = geo.groupOutChannels, k = geo.patchSize
        let perChunk = threadChunkImages(geo)
        let chunks = (geo.batch + perChunk - 1) / perChunk
        let slots = Swift.min(weightGradientSlots, chunks)
        let weightCount = w.count
        let partials = UnsafeMutablePointer<T>.allocate(capacity: slots * weightCount)
        partials.update(repeating: 0, count: slots * weightCount)
        defer { partials.deallocate() }
        Parallel.withSingleThreadedBLAS {
            Parallel.forRange(slots, grain: 1) { slotRange in
                let cols = UnsafeMutablePointer<T>.allocate(capacity: k * perChunk * ohw)
                let tmp = UnsafeMutablePointer<T>.allocate(capacity: ocg * perChunk * ohw)
                defer { cols.deallocate(); tmp.deallocate() }
                for slot in slotRange {
                    let partial = partials + slot * weightCount
                    for chunk in (slot * chunks / slots)..<((slot + 1) * chunks / slots) {
                        let n0 = chunk * perChunk, nb = Swift.min(perChunk, geo.batch - n0)
                        for grp in 0..<geo.groups {
                            let grad: UnsafePointer<T>
                            if nb == 1 {
                                grad = pg + (n0 * geo.outChannels + grp * ocg) * ohw
                            } else {
                                for image in 0..<nb {
                                    for oc in 0..<ocg {
                                        let src = pg + ((n0 + image) * geo.outChannels + grp * ocg + oc) * ohw
                                        (tmp + oc * nb * ohw + image * ohw).update(from: src, count: ohw)
                                    }
                                }
                                grad = UnsafePointer(tmp)
                            }
                            im2col(px, cols, geo, n0: n0, nb: nb, c0: grp * geo.groupChannels, parallel: false)
                            T.gemm(transA: false, transB: true, m: ocg, n: k, k: nb * ohw, alpha: 1,
                                   a: grad, lda: nb * ohw, b: cols, ldb: nb * ohw, beta: 1, c: partial + grp * ocg * k, ldc: k)
                            if let pdx {
                                T.gemm(transA: true, transB: false, m: k, n: nb * ohw, k: ocg, alpha: 1,
                                       a: pw + grp * ocg * k, lda: k, b: grad, ldb: nb * ohw, beta: 0, c: cols, ldc: nb * ohw)
                                col2im(cols, pdx, geo, n0: n0, nb: nb, c0: grp * geo.groupChannels, parallel: false)
                            }
                        }
                    }
                }
            }
        }
        for slot in 0..<slots {
            let partial = partials + slot * weightCount
            for i in 0..<weightCount { pdw[i] += partial[i] }
        }
        _ = dw.count
        _ = dx?.count
        return (dx, dw)
    }
}
