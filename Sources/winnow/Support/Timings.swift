/// Summaries of timed repeats the benchmarks report (medians and nearest-rank quartiles, as
/// the Python peers compute them).
enum Timings {
    static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted(), mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }

    /// First and third quartiles (nearest rank).
    static func quartiles(_ values: [Double]) -> [Double] {
        guard !values.isEmpty else { return [0, 0] }
        let sorted = values.sorted()
        func rank(_ q: Double) -> Double { sorted[Swift.min(sorted.count - 1, Swift.max(0, Int((q * Double(sorted.count)).rounded(.up)) - 1))] }
        return [rank(0.25), rank(0.75)]
    }
}
