/// Per-band linear stretch to 8 bits between two percentiles of the band's valid pixels
/// (numpy's default `percentile`, linear interpolation between order statistics).
public struct PercentileStretch: Sendable, Equatable, Codable {
    /// Lower percentile in [0, 100]; maps to 0.
    public var low: Double
    /// Upper percentile in [0, 100]; maps to 255.
    public var high: Double

    public init(low: Double = 2, high: Double = 98) throws {
        guard low >= 0, high <= 100, low < high else {
            throw DatasetsError.invalidOption("percentiles must satisfy 0 <= low < high <= 100, got \(low), \(high)")
        }
        self.low = low
        self.high = high
    }

    /// numpy's virtual index for the linear method: (n − 1)·q, with q = p / 100.
    static func virtualIndex(_ p: Double, count n: Int) -> (below: Int, fraction: Double) {
        let q = p / 100
        let position = Swift.max(0, Swift.min(Double(n - 1) * q, Double(n - 1)))
        let below = position.rounded(.down)
        return (Int(below), position - below)
    }

    /// numpy's `_lerp`: a + (b − a)·t, computed from b's side when t ≥ 0.5.
    static func lerp(_ a: Double, _ b: Double, _ t: Double) -> Double {
        let d = b - a
        return t >= 0.5 ? b - d * (1 - t) : a + d * t
    }

    /// The value at percentile `p` of `sorted` (ascending, non-empty), as numpy computes it.
    static func percentile(sortedValues sorted: [Double], _ p: Double) -> Double {
        let (below, t) = virtualIndex(p, count: sorted.count)
        return lerp(sorted[below], sorted[Swift.min(below + 1, sorted.count - 1)], t)
    }

    /// The (low, high) values of the valid pixels of `values` (`valid[i] != 0`), or nil when
    /// no pixel is valid. Integer bands of at most 16 bits go through a histogram, others
    /// through a sort; both give the same numbers.
    public func bounds(of values: [Double], valid: [UInt8]?, integerBits: Int?) -> (Double, Double)? {
        if let bits = integerBits, bits <= 16 {
            return histogramBounds(values, valid: valid)
        }
        var kept: [Double] = []
        kept.reserveCapacity(values.count)
        for i in values.indices where (valid?[i] ?? 1) != 0 && !values[i].isNaN { kept.append(values[i]) }
        guard !kept.isEmpty else { return nil }
        kept.sort()
        return (Self.percentile(sortedValues: kept, low), Self.percentile(sortedValues: kept, high))
    }

    private func histogramBounds(_ values: [Double], valid: [UInt8]?) -> (Double, Double)? {
        // Covers Byte, Int8, UInt16 and Int16; a value outside falls back to the sort.
        let offset = 32768, binCount = 65536 + 32768
        var histogram = [Int](repeating: 0, count: binCount)
        var total = 0
        for i in values.indices where (valid?[i] ?? 1) != 0 {
            let v = values[i]
            guard v == v.rounded(), v >= -32768, v <= 65535 else {
                return bounds(of: values, valid: valid, integerBits: nil)
            }
            histogram[Int(v) + offset] += 1
            total += 1
        }
        guard total > 0 else { return nil }
        // The k-th smallest value (0-based), walking the cumulative histogram.
        func orderStatistic(_ k: Int, from start: inout (bin: Int, before: Int)) -> Double {
            var (bin, before) = start
            while before + histogram[bin] <= k { before += histogram[bin]; bin += 1 }
            start = (bin, before)
            return Double(bin - offset)
        }
        func value(_ p: Double) -> Double {
            let (below, t) = Self.virtualIndex(p, count: total)
            var cursor = (bin: 0, before: 0)
            let a = orderStatistic(below, from: &cursor)
            let b = orderStatistic(Swift.min(below + 1, total - 1), from: &cursor)
            return Self.lerp(a, b, t)
        }
        return (value(low), value(high))
    }

    /// Maps a value to 0...255: round((v − lo) / (hi − lo) · 255) (ties to even), clamped.
    /// A flat band (hi == lo) maps to 0 at or below lo and 255 above.
    @inline(__always)
    public static func map(_ v: Double, low lo: Double, high hi: Double) -> UInt8 {
        guard hi > lo else { return v > lo ? 255 : 0 }
        let scaled = ((v - lo) / (hi - lo) * 255).rounded(.toNearestOrEven)
        if !(scaled > 0) { return 0 }
        return scaled >= 255 ? 255 : UInt8(scaled)
    }
}
