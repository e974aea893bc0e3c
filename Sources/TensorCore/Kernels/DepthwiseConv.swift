/// Direct depthwise convolution (groups = C = OC): one small plane per (image, channel), so
/// im2col's copy would dominate. Each plane is first copied into a zero-padded scratch plane
/// (it fits in L1), after which every kernel tap is a branch-free, vectorisable pass over a row.
extension Tensor {
    /// Copies plane `src` (H×W) into `dst` ((H+pt+pb)×(W+pl+pr)) with zero borders.
    @inline(__always)
    static func padPlane<T: FloatElement>(_ src: UnsafePointer<T>, _ dst: UnsafeMutablePointer<T>, _ geo: Conv2DGeometry) {
        let pw = geo.width + geo.padLeft + geo.padRight
        let ph = geo.height + geo.padTop + geo.padBottom
        dst.update(repeating: 0, count: ph * pw)
        for y in 0..<geo.height {
            (dst + (y + geo.padTop) * pw + geo.padLeft).update(from: src + y * geo.width, count: geo.width)
        }
    }

    static func depthwiseForward<T: FloatElement>(_ x: Tensor, _ w: Tensor, _ b: Tensor?, _ geo: Conv2DGeometry, _: T.Type) -> Tensor {
        var out = Tensor(uninitialized: [geo.batch, geo.outChannels, geo.outHeight, geo.outWidth], dtype: T.dtype)
        let px = UnsafePointer(x.storage.pointer(as: T.self) + x.offset)
        let pw = UnsafePointer(w.storage.pointer(as: T.self) + w.offset)
        let po = out.storage.pointer(as: T.self)
        let pb = b.map { UnsafePointer($0.storage.pointer(as: T.self) + $0.offset) }
        let c = geo.channels, h = geo.height, wd = geo.width, oh = geo.outHeight, ow = geo.outWidth
        let kh = geo.kernelHeight, kw = geo.kernelWidth, sh = geo.strideHeight, sw = geo.strideWidth
        let dh = geo.dilationHeight, dw = geo.dilationWidth
        let paddedWidth = wd + geo.padLeft + geo.padRight
        let paddedCount = (h + geo.padTop + geo.padBottom) * paddedWidth
        let fast3x3 = kh == 3 && kw == 3 && sh == 1 && sw == 1 && dh == 1 && dw == 1
        Parallel.forRange(geo.batch * c, grain: 1) { range in
            let padded = UnsafeMutablePointer<T>.allocate(capacity: paddedCount)
            defer { padded.deallocate() }
            for plane in range {
                let channel = plane % c
                padPlane(px + plane * h * wd, padded, geo)
                let dst = po + plane * oh * ow
                let kernel = pw + channel * kh * kw
                let bias = pb.map { $0[channel] } ?? 0
                if fast3x3 {
                    let w0 = kernel[0], w1 = kernel[1], w2 = kernel[2], w3 = kernel[3], w4 = kernel[4]
                    let w5 = kernel[5], w6 = kernel[6], w7 = kernel[7], w8 = kernel[8]
                    for y in 0..<oh {
                        let r0 = padded + y * paddedWidth, r1 = r0 + paddedWidth, r2 = r1 + paddedWidth
                        let row = dst + y * ow
                        for xo in 0..<ow {
                            var s = bias + w0 * r0[xo] + w1 * r0[xo + 1] + w2 * r0[xo + 2]
                            s += w3 * r1[xo] + w4 * r1[xo + 1] + w5 * r1[xo + 2]
                            s += w6 * r2[xo] + w7 * r2[xo + 1] + w8 * r2[xo + 2]
                            row[xo] = s
                        }
                    }
                    continue
                }
                for y in 0..<oh {
                    let row = dst + y * ow
                    row.update(repeating: bias, count: ow)
                    for ky in 0..<kh {
                        let line = padded + (y * sh + ky * dh) * paddedWidth
                        for kx in 0..<kw {
                            let weight = kernel[ky * kw + kx]
                            let s = line + kx * dw
                            if sw == 1 {
                                for xo in 0..<ow { row[xo] += weight * s[xo] }
                            } else {
                                for xo in 0..<ow { row[xo] += weight * s[xo * sw] }
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
        var dx = needInputGradient ? Tensor(uninitialized: x.shape, dtype: T.dtype) : nil
        let px = UnsafePointer(x.storage.pointer(as: T.self) + x.offset)
        let pw = UnsafePointer(w.storage.pointer(as: T.self) + w.offset)
        let pg = UnsafePointer(g.storage.pointer(as: T.self) + g.offset)
        let pdw = dw.storage.pointer(as: T.self)
        let pdx = dx?.storage.pointer(as: T.self)
        let n = geo.batch, c = geo.channels, h = geo.height, wd = geo.width, oh = geo.outHeight, ow = geo.outWidth
        let kh = geo.kernelHeight, kw = geo.kernelWidth, sh = geo.strideHeight, sw = geo.strideWidth
        let dh = geo.dilationHeight, dwl = geo.dilationWidth
        let paddedWidth = wd + geo.padLeft + geo.padRight
        let paddedCount = (h + geo.padTop + geo.padBottom) * paddedWidth
        // Parallel over channels: each thread owns its channels' weight gradients and input planes,
        // and sums images in a fixed order, so results do not depend on the thread count.
        Parallel.forRange(c, grain: 1) { range in
            let padded = UnsafeMutablePointer<T>.allocate(capacity: paddedCount)
            let dpadded = UnsafeMutablePointer<T>.allocate(capacity: paddedCount)
            defer { padded.deallocate(); dpadded.deallocate() }
            for channel in range {
                let kernel = pw + channel * kh * kw
                let dkernel = pdw + channel * kh * kw
                for image in 0..<n {
                    let plane = image * c + channel
                    padPlane(px + plane * h * wd, padded, geo)
                    let grad = pg + plane * oh * ow
                    if pdx != nil { dpadded.update(repeating: 0, count: paddedCount) }
                    for ky in 0..<kh {
                        for kx in 0..<kw {
                            let weight = kernel[ky * kw + kx]
                            var acc: T = 0
                            for y in 0..<oh {
                                let offset = (y * sh + ky * dh) * paddedWidth + kx * dwl
                                let s = padded + offset
                                let gr = grad + y * ow
                                if sw == 1 {
                                    for xo in 0..<ow { acc += gr[xo] * s[xo] }
                                    if pdx != nil {
                                        let d = dpadded + offset
                                        for xo in 0..<ow { d[xo] += weight * gr[xo] }
                                    }
                                } else {
                                    for xo in 0..<ow { acc += gr[xo] * s[xo * sw] }
                                    if pdx != nil {
                                        let d = dpadded + offset
                                        for xo in 0..<ow { d[xo * sw] += weight * gr[xo] }
                                    }
                                }
                            }
                            dkernel[ky * kw + kx] += acc
                        }
                    }
                    if let pdx {
                        let dst = pdx + plane * h * wd
                        for y in 0..<h {
                            (dst + y * wd).update(from: dpadded + (y + geo.padTop) * paddedWidth + geo.padLeft, count: wd)
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
