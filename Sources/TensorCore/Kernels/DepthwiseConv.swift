/// Direct depthwise convolution (groups = C = OC): one small plane per (image, channel), so
/// im2col's copy would dominate; instead each kernel tap is one vectorisable pass over a row.
extension Tensor {
    /// Valid output-column range [lo, hi) for kernel column `kx` (input column inside the image).
    @inline(__always)
    static func validColumns(_ geo: Conv2DGeometry, _ kx: Int) -> (shift: Int, lo: Int, hi: Int) {
        let sw = geo.strideWidth, ow = geo.outWidth
        let shift = kx * geo.dilationWidth - geo.padLeft
        let lo = shift < 0 ? Swift.min(ow, (-shift + sw - 1) / sw) : 0
        let lastValid = geo.width - 1 - shift
        let hi = lastValid < 0 ? 0 : Swift.min(ow, lastValid / sw + 1)
        return (shift, lo, Swift.max(lo, hi))
    }

    static func depthwiseForward<T: FloatElement>(_ x: Tensor, _ w: Tensor, _ b: Tensor?, _ geo: Conv2DGeometry, _: T.Type) -> Tensor {
        var out = Tensor(uninitialized: [geo.batch, geo.outChannels, geo.outHeight, geo.outWidth], dtype: T.dtype)
        let px = UnsafePointer(x.storage.pointer(as: T.self) + x.offset)
        let pw = UnsafePointer(w.storage.pointer(as: T.self) + w.offset)
        let po = out.storage.pointer(as: T.self)
        let pb = b.map { UnsafePointer($0.storage.pointer(as: T.self) + $0.offset) }
        let c = geo.channels, h = geo.height, wd = geo.width, oh = geo.outHeight, ow = geo.outWidth
        let kh = geo.kernelHeight, kw = geo.kernelWidth, sh = geo.strideHeight, sw = geo.strideWidth
        let dh = geo.dilationHeight, pt = geo.padTop
        Parallel.forRange(geo.batch * c, grain: 1) { range in
            for plane in range {
                let channel = plane % c
                let src = px + plane * h * wd
                let dst = po + plane * oh * ow
                let kernel = pw + channel * kh * kw
                let bias = pb.map { $0[channel] } ?? 0
                for y in 0..<oh {
                    let row = dst + y * ow
                    row.update(repeating: bias, count: ow)
                    for ky in 0..<kh {
                        let iy = y * sh - pt + ky * dh
                        if iy < 0 || iy >= h { continue }
                        let line = src + iy * wd
                        for kx in 0..<kw {
                            let (shift, lo, hi) = validColumns(geo, kx)
                            let weight = kernel[ky * kw + kx]
                            let s = line + shift
                            if sw == 1 {
                                for xo in lo..<hi { row[xo] += weight * s[xo] }
                            } else {
                                for xo in lo..<hi { row[xo] += weight * s[xo * sw] }
                            }
                        }
                    }
                }
            }
        }
        _ = out.count
        return out
    }

    static func depthwiseBackward<T: FloatElement>(_ g: Tensor, _ x: Tensor, _ w: Tensor, _ geo: Conv2DGeometry,
                                                   _ needInputGradient: Bool, _: T.Type) -> (Tensor?, Tensor) {
        var dw = Tensor(zeros: w.shape, dtype: T.dtype)
        var dx = needInputGradient ? Tensor(zeros: x.shape, dtype: T.dtype) : nil
        let px = UnsafePointer(x.storage.pointer(as: T.self) + x.offset)
        let pw = UnsafePointer(w.storage.pointer(as: T.self) + w.offset)
        let pg = UnsafePointer(g.storage.pointer(as: T.self) + g.offset)
        let pdw = dw.storage.pointer(as: T.self)
        let pdx = dx?.storage.pointer(as: T.self)
        let n = geo.batch, c = geo.channels, h = geo.height, wd = geo.width, oh = geo.outHeight, ow = geo.outWidth
        let kh = geo.kernelHeight, kw = geo.kernelWidth, sh = geo.strideHeight, sw = geo.strideWidth
        let dh = geo.dilationHeight, pt = geo.padTop
        // Parallel over channels: each thread owns its channels' weight gradients and input planes.
        Parallel.forRange(c, grain: 1) { range in
            for channel in range {
                let kernel = pw + channel * kh * kw
                let dkernel = pdw + channel * kh * kw
                for image in 0..<n {
                    let plane = image * c + channel
                    let src = px + plane * h * wd
                    let grad = pg + plane * oh * ow
                    let dsrc = pdx.map { $0 + plane * h * wd }
                    for ky in 0..<kh {
                        for kx in 0..<kw {
                            let (shift, lo, hi) = validColumns(geo, kx)
                            let weight = kernel[ky * kw + kx]
                            var acc: T = 0
                            for y in 0..<oh {
                                let iy = y * sh - pt + ky * dh
                                if iy < 0 || iy >= h { continue }
                                let s = src + iy * wd + shift
                                let gr = grad + y * ow
                                if sw == 1 {
                                    for xo in lo..<hi { acc += gr[xo] * s[xo] }
                                    if let dsrc {
                                        let d = dsrc + iy * wd + shift
                                        for xo in lo..<hi { d[xo] += weight * gr[xo] }
                                    }
                                } else {
                                    for xo in lo..<hi { acc += gr[xo] * s[xo * sw] }
                                    if let dsrc {
                                        let d = dsrc + iy * wd + shift
                                        for xo in lo..<hi { d[xo * sw] += weight * gr[xo] }
                                    }
                                }
                            }
                            dkernel[ky * kw + kx] += acc
                        }
                    }
                }
            }
        }
        _ = dw.count
        _ = dx?.count
        return (dx, dw)
    }
}
