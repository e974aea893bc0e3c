import TensorCore

/// Compares a computed tensor with a test's expected one: dtype and shape must match; floating
/// values within `absolute + relative·|expected|` (NaN equals NaN, infinities must agree);
/// integers and booleans exactly.
public struct ConformanceTolerance: Sendable {
    public var relative: Double
    public var absolute: Double

    public init(relative: Double = 1e-3, absolute: Double = 1e-5) {
        self.relative = relative
        self.absolute = absolute
    }

    /// nil when `actual` matches `expected`, else a short description of the first difference.
    public func mismatch(actual: Tensor, expected: Tensor) -> String? {
        if actual.dtype != expected.dtype { return "dtype \(actual.dtype), expected \(expected.dtype)" }
        if actual.shape != expected.shape { return "shape \(actual.shape), expected \(expected.shape)" }
        switch expected.dtype {
        case .float32, .float64, .float16:
            let a = actual.doubles(), e = expected.doubles()
            for i in 0..<e.count where !close(a[i], e[i]) {
                return "element \(index(i, shape: expected.shape)) is \(a[i]), expected \(e[i])\(summary(a, e))"
            }
        case .int64:
            return exact(actual, expected, Int64.self)
        case .int32:
            return exact(actual, expected, Int32.self)
        case .int8:
            return exact(actual, expected, Int8.self)
        case .uint8:
            return exact(actual, expected, UInt8.self)
        case .bool:
            return exact(actual, expected, Bool.self)
        }
        return nil
    }

    func close(_ a: Double, _ e: Double) -> Bool {
        if a.isNaN || e.isNaN { return a.isNaN && e.isNaN }
        if a.isInfinite || e.isInfinite { return a == e }
        return abs(a - e) <= absolute + relative * abs(e)
    }

    func exact<T: TensorElement & Equatable>(_ actual: Tensor, _ expected: Tensor, _: T.Type) -> String? {
        let a = actual.withElements(T.self) { Array($0) }
        let e = expected.withElements(T.self) { Array($0) }
        var mismatches = 0
        var first: Int?
        for i in 0..<e.count where a[i] != e[i] {
            mismatches += 1
            if first == nil { first = i }
        }
        guard let first else { return nil }
        return "element \(index(first, shape: expected.shape)) is \(a[first]), expected \(e[first]) (\(mismatches) of \(e.count) differ)"
    }

    func summary(_ a: [Double], _ e: [Double]) -> String {
        var mismatches = 0
        var worst = 0.0
        for i in 0..<e.count where !close(a[i], e[i]) {
            mismatches += 1
            let d = abs(a[i] - e[i])
            if d.isFinite { worst = max(worst, d) }
        }
        return " (\(mismatches) of \(e.count) differ, max abs diff \(worst))"
    }

    /// The multi-index of flat position `flat` in row-major `shape`.
    func index(_ flat: Int, shape: [Int]) -> [Int] {
        var rest = flat
        var out = [Int](repeating: 0, count: shape.count)
        for axis in stride(from: shape.count - 1, through: 0, by: -1) where shape[axis] > 0 {
            out[axis] = rest % shape[axis]
            rest /= shape[axis]
        }
        return out
    }
}
