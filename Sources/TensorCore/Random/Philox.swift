/// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011):
/// a counter-based generator, so the value at any position is computed directly and results
/// do not depend on how work is split across threads.
public enum Philox {
    /// Ten rounds of Philox4x32 on `counter` with `key`.
    @inline(__always)
    public static func block(_ counter: (UInt32, UInt32, UInt32, UInt32), key: (UInt32, UInt32)) -> (UInt32, UInt32, UInt32, UInt32) {
        var (c0, c1, c2, c3) = counter
        var (k0, k1) = key
        for _ in 0..<10 {
            let p0 = UInt64(0xD251_1F53) &* UInt64(c0)
            let p1 = UInt64(0xCD9E_8D57) &* UInt64(c2)
            let hi0 = UInt32(truncatingIfNeeded: p0 >> 32), lo0 = UInt32(truncatingIfNeeded: p0)
            let hi1 = UInt32(truncatingIfNeeded: p1 >> 32), lo1 = UInt32(truncatingIfNeeded: p1)
            (c0, c1, c2, c3) = (hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0)
            k0 = k0 &+ 0x9E37_79B9
            k1 = k1 &+ 0xBB67_AE85
        }
        return (c0, c1, c2, c3)
    }
}

/// A named random stream (DESIGN.md): fixed by (seed, purpose, index), positioned by a block
/// counter. Copy it to fork, store `position` to snapshot, restore it to resume.
public struct RandomStream: Sendable, Equatable, Codable {
    /// The run's seed.
    public let seed: UInt64
    /// What the stream is for ("init", "dropout", "sampler", ...), hashed into the counter.
    public let purpose: String
    /// Which stream of that purpose (a layer, an epoch, a worker).
    public let index: UInt64
    /// Next unused Philox block; each block yields four 32-bit words.
    public var position: UInt64

    let key: (UInt32, UInt32)
    let stream: (UInt32, UInt32)

    public init(seed: UInt64, purpose: String = "", index: UInt64 = 0, position: UInt64 = 0) {
        self.seed = seed
        self.purpose = purpose
        self.index = index
        self.position = position
        key = (UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32))
        // FNV-1a of the purpose, mixed with the index (SplitMix64 finaliser).
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in purpose.utf8 { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        var z = h ^ (index &* 0x9E37_79B9_7F4A_7C15)
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        stream = (UInt32(truncatingIfNeeded: z), UInt32(truncatingIfNeeded: z >> 32))
    }

    public static func == (a: RandomStream, b: RandomStream) -> Bool {
        a.seed == b.seed && a.purpose == b.purpose && a.index == b.index && a.position == b.position
    }

    enum CodingKeys: String, CodingKey { case seed, purpose, index, position }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(seed: try c.decode(UInt64.self, forKey: .seed), purpose: try c.decode(String.self, forKey: .purpose),
                  index: try c.decode(UInt64.self, forKey: .index), position: try c.decode(UInt64.self, forKey: .position))
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(seed, forKey: .seed); try c.encode(purpose, forKey: .purpose)
        try c.encode(index, forKey: .index); try c.encode(position, forKey: .position)
    }

    /// The four words of block `block` (absolute, independent of `position`).
    @inline(__always)
    public func words(block: UInt64) -> (UInt32, UInt32, UInt32, UInt32) {
        Philox.block((UInt32(truncatingIfNeeded: block), UInt32(truncatingIfNeeded: block >> 32), stream.0, stream.1), key: key)
    }

    /// Next 64 random bits (uses one block).
    public mutating func nextUInt64() -> UInt64 {
        let w = words(block: position)
        position += 1
        return UInt64(w.0) | (UInt64(w.1) << 32)
    }

    /// Uniform integer in 0..<bound (Lemire's multiply-shift on 64 bits; bias below 2⁻⁴⁰ for
    /// bounds under 2²⁴).
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0, "nextInt(below:) needs a positive bound")
        return Int(UInt64(bound).multipliedFullWidth(by: nextUInt64()).high)
    }

    /// Uniform double in [0, 1).
    public mutating func nextDouble() -> Double { Double(nextUInt64() >> 11) * 0x1.0p-53 }

    /// A uniformly random permutation of 0..<n (Fisher-Yates, sequential).
    public mutating func permutation(_ n: Int) -> [Int] {
        var p = Array(0..<n)
        if n < 2 { return p }
        for i in stride(from: n - 1, to: 0, by: -1) {
            p.swapAt(i, nextInt(below: i + 1))
        }
        return p
    }
}

/// 32-bit word to uniform float in [0, 1) with 24 bits.
@inline(__always) func unitFloat(_ w: UInt32) -> Float { Float(w >> 8) * 0x1.0p-24 }
/// 32-bit word to uniform double in (0, 1] (safe for log in Box-Muller).
@inline(__always) func unitOpenDouble(_ w: UInt32) -> Double { (Double(w) + 1) * 0x1.0p-32 }

extension Tensor {
    /// Uniform values in [low, high). Element i uses block position + i/4, so the result is
    /// the same for every thread count; the stream advances by ⌈count/4⌉ blocks.
    public static func uniform(_ shape: [Int], low: Double = 0, high: Double = 1, dtype: DType = .float32,
                               stream: inout RandomStream) throws -> Tensor {
        guard dtype.isFloatingCompute else { throw TensorError.unsupportedDType(op: "uniform", dtype: dtype) }
        var out = Tensor(uninitialized: shape, dtype: dtype)
        let n = out.count, start = stream.position, rng = stream
        func fill<T: FloatElement>(_: T.Type) {
            let p = out.storage.pointer(as: T.self)
            let lo = T(low), span = T(high - low)
            // lo + span·u can round up to high (u = 1 − 2⁻²⁴, ties to even): keep [low, high).
            let top = span > 0 ? T(high).nextDown : T.infinity
            Parallel.forRange((n + 3) / 4, grain: 4096) { range in
                for block in range {
                    let w = rng.words(block: start + UInt64(block))
                    let base = block * 4
                    for lane in 0..<Swift.min(4, n - base) {
                        let word = lane == 0 ? w.0 : (lane == 1 ? w.1 : (lane == 2 ? w.2 : w.3))
                        let u: T = T.self == Float.self ? T(unitFloat(word)) : T(Double(word) * 0x1.0p-32)
                        p[base + lane] = Swift.min(lo + span * u, top)
                    }
                }
            }
        }
        if dtype == .float32 { fill(Float.self) } else { fill(Double.self) }
        stream.position += UInt64((n + 3) / 4)
        _ = out.count
        return out
    }

    /// Normal values (Box-Muller): element i uses block position + i/2, lanes by parity.
    public static func normal(_ shape: [Int], mean: Double = 0, standardDeviation: Double = 1, dtype: DType = .float32,
                              stream: inout RandomStream) throws -> Tensor {
        guard dtype.isFloatingCompute else { throw TensorError.unsupportedDType(op: "normal", dtype: dtype) }
        var out = Tensor(uninitialized: shape, dtype: dtype)
        let n = out.count, start = stream.position, rng = stream
        func fill<T: FloatElement>(_: T.Type) {
            let p = out.storage.pointer(as: T.self)
            Parallel.forRange((n + 1) / 2, grain: 2048) { range in
                for block in range {
                    let w = rng.words(block: start + UInt64(block))
                    for lane in 0..<Swift.min(2, n - block * 2) {
                        let u1 = unitOpenDouble(lane == 0 ? w.0 : w.2)
                        let u2 = Double(lane == 0 ? w.1 : w.3) * 0x1.0p-32
                        let z = Double.sqrt(-2 * Double.log(u1)) * Double.cos(2 * Double.pi * u2)
                        p[block * 2 + lane] = T(mean + standardDeviation * z)
                    }
                }
            }
        }
        if dtype == .float32 { fill(Float.self) } else { fill(Double.self) }
        stream.position += UInt64((n + 1) / 2)
        _ = out.count
        return out
    }

    /// Bool values, true with `probability`.
    public static func bernoulli(_ shape: [Int], probability: Double, stream: inout RandomStream) throws -> Tensor {
        guard probability >= 0 && probability <= 1 else {
            throw TensorError.invalidArgument(op: "bernoulli", detail: "probability \(probability) is outside [0, 1]")
        }
        let u = try uniform(shape, dtype: .float64, stream: &stream)
        return mapUnary(u, Double.self, Bool.self) { $0 < probability }
    }

    /// A random permutation of 0..<n as Int64.
    public static func permutation(_ n: Int, stream: inout RandomStream) -> Tensor {
        let p = stream.permutation(n).map { Int64($0) }
        var out = Tensor(uninitialized: [n], dtype: .int64)
        out.withMutableElements(Int64.self) { dst in for i in 0..<n { dst[i] = p[i] } }
        return out
    }
}
