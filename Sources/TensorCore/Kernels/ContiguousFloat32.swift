/// Float32 loops for the elementwise operations training runs most (ReLU and its gradient,
/// same-shape add, subtract and multiply) on contiguous tensors. The generic strided maps
/// (StridedLoop.swift) call their element function through a closure the compiler does not
/// inline into the parallel loop; these loops are written out with 16-lane vectors. Results
/// are identical to the generic maps (same single operation per element); the tests compare
/// them with those maps on strided views of the same values.
enum ContiguousFloat32 {
    typealias Lanes = SIMD16<Float>

    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> Lanes { UnsafeRawPointer(p).loadUnaligned(as: Lanes.self) }
    @inline(__always) static func store(_ v: Lanes, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: Lanes.self) }

    /// True when `tensors` are float32, contiguous and of one shape.
    static func applies(_ tensors: Tensor...) -> Bool {
        guard let first = tensors.first else { return false }
        return tensors.allSatisfy { $0.dtype == .float32 && $0.isContiguous && $0.shape == first.shape }
    }

    /// out = max(x, 0), NaN → 0 (as `x > 0 ? x : 0`).
    static func relu(_ x: Tensor) -> Tensor {
        map1(x) { src, dst, n in
            let zero = Lanes(repeating: 0)
            var i = 0
            while i + 16 <= n {
                let v = load(src + i)
                store(v.replacing(with: zero, where: .!(v .> zero)), dst + i)
                i += 16
            }
            while i < n { dst[i] = src[i] > 0 ? src[i] : 0; i += 1 }
        }
    }

    /// out = x > 0 ? g : 0.
    static func reluGradient(_ g: Tensor, _ x: Tensor) -> Tensor {
        map2(g, x) { pg, px, dst, n in
            let zero = Lanes(repeating: 0)
            var i = 0
            while i + 16 <= n {
                store(load(pg + i).replacing(with: zero, where: .!(load(px + i) .> zero)), dst + i)
                i += 16
            }
            while i < n { dst[i] = px[i] > 0 ? pg[i] : 0; i += 1 }
        }
    }

    /// out = a op b for add, subtract, multiply; nil for other operations.
    static func binary(_ op: BinaryOp, _ a: Tensor, _ b: Tensor) -> Tensor? {
        switch op {
        case .add: return map2(a, b) { pa, pb, dst, n in
            var i = 0
            while i + 16 <= n { store(load(pa + i) + load(pb + i), dst + i); i += 16 }
            while i < n { dst[i] = pa[i] + pb[i]; i += 1 }
        }
        case .subtract: return map2(a, b) { pa, pb, dst, n in
            var i = 0
            while i + 16 <= n { store(load(pa + i) - load(pb + i), dst + i); i += 16 }
            while i < n { dst[i] = pa[i] - pb[i]; i += 1 }
        }
        case .multiply: return map2(a, b) { pa, pb, dst, n in
            var i = 0
            while i + 16 <= n { store(load(pa + i) * load(pb + i), dst + i); i += 16 }
            while i < n { dst[i] = pa[i] * pb[i]; i += 1 }
        }
        default: return nil
        }
    }

    /// Runs `body` on parallel chunks (each a multiple of 16 floats but the last).
    private static func map1(_ x: Tensor, _ body: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void) -> Tensor {
        var out = Tensor(uninitialized: x.shape, dtype: .float32)
        let n = out.count
        guard n > 0 else { return out }
        let po = out.storage.pointer(as: Float.self)
        let pa = UnsafePointer(x.storage.pointer(as: Float.self) + x.offset)
        Parallel.forRange((n + 15) / 16, grain: elementwiseGrain / 16) { r in
            let lo = r.lowerBound * 16, hi = Swift.min(n, r.upperBound * 16)
            body(pa + lo, po + lo, hi - lo)
        }
        _ = out.count
        return out
    }

    private static func map2(_ a: Tensor, _ b: Tensor, _ body: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void) -> Tensor {
        var out = Tensor(uninitialized: a.shape, dtype: .float32)
        let n = out.count
        guard n > 0 else { return out }
        let po = out.storage.pointer(as: Float.self)
        let pa = UnsafePointer(a.storage.pointer(as: Float.self) + a.offset)
        let pb = UnsafePointer(b.storage.pointer(as: Float.self) + b.offset)
        Parallel.forRange((n + 15) / 16, grain: elementwiseGrain / 16) { r in
            let lo = r.lowerBound * 16, hi = Swift.min(n, r.upperBound * 16)
            body(pa + lo, pb + lo, po + lo, hi - lo)
        }
        _ = out.count
        return out
    }
}
