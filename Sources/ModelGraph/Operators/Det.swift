import TensorCore

extension Ops {
    /// ONNX Det: the determinant of each square matrix in the last two axes (…, M, M) → (…),
    /// by LU decomposition with partial pivoting in Float64. Recorded: ∂det/∂A = det·A⁻ᵀ (the
    /// transposed adjugate, computed from cofactors when A is singular).
    public struct Det: Operator {
        public static let opType = "Det"
        public static let versions = [11, 22]

        public init(node: Node, version: Int) throws {}

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let a = try context.required(inputs, 0, "X")
            guard a.rank >= 2, a.shape[a.rank - 1] == a.shape[a.rank - 2], a.dtype.isFloatingPoint else {
                throw context.invalid("X", "needs floating-point square matrices (…, M, M), got \(a.dtype) \(a.shape)")
            }
            let m = a.shape[a.rank - 1], batchShape = Array(a.shape.dropLast(2))
            let count = batchShape.reduce(1, *)
            let values = a.doubles()
            let matrices = (0..<count).map { Array(values[($0 * m * m)..<(($0 + 1) * m * m)]) }
            let determinants = matrices.map { Self.determinant($0, size: m) }
            let compute: DType = a.dtype == .float16 ? .float32 : a.dtype
            let out = try Tensor(shape: batchShape, scalars: determinants).cast(to: compute)
            let result = out.recorded("Det", inputs: [a]) { g in
                let seeds = g.doubles()
                var gradient = [Double](repeating: 0, count: count * m * m)
                for (k, matrix) in matrices.enumerated() {
                    let adjugateT = Self.cofactors(matrix, size: m, determinant: determinants[k])
                    for i in 0..<(m * m) { gradient[k * m * m + i] = seeds[k] * adjugateT[i] }
                }
                return [try Tensor(shape: a.shape, scalars: gradient).cast(to: g.dtype)]
            }
            return [a.dtype == .float16 ? try result.cast(to: .float16) : result]
        }

        /// det of a row-major size×size matrix (1 for size 0).
        static func determinant(_ matrix: [Double], size: Int) -> Double {
            var lu = matrix
            var det = 1.0
            for column in 0..<size {
                var pivot = column
                for row in column..<size where abs(lu[row * size + column]) > abs(lu[pivot * size + column]) { pivot = row }
                if lu[pivot * size + column] == 0 { return 0 }
                if pivot != column {
                    for j in 0..<size { lu.swapAt(pivot * size + j, column * size + j) }
                    det = -det
                }
                let p = lu[column * size + column]
                det *= p
                for row in (column + 1)..<max(size, column + 1) {
                    let factor = lu[row * size + column] / p
                    if factor == 0 { continue }
                    for j in column..<size { lu[row * size + j] -= factor * lu[column * size + j] }
                }
            }
            return det
        }

        /// The cofactor matrix C (= adjugateᵀ, so ∂det/∂A = C): det·A⁻ᵀ when A is comfortably
        /// invertible, otherwise each cofactor from its minor.
        static func cofactors(_ matrix: [Double], size: Int, determinant det: Double) -> [Double] {
            if size == 1 { return [1] }
            if let inverse = inverse(matrix, size: size), abs(det) > 1e-12 {
                var out = [Double](repeating: 0, count: size * size)
                for i in 0..<size { for j in 0..<size { out[i * size + j] = det * inverse[j * size + i] } }
                return out
            }
            var out = [Double](repeating: 0, count: size * size)
            for i in 0..<size {
                for j in 0..<size {
                    var minor: [Double] = []
                    minor.reserveCapacity((size - 1) * (size - 1))
                    for r in 0..<size where r != i { for c in 0..<size where c != j { minor.append(matrix[r * size + c]) } }
                    out[i * size + j] = ((i + j) % 2 == 0 ? 1 : -1) * determinant(minor, size: size - 1)
                }
            }
            return out
        }

        /// Gauss–Jordan inverse with partial pivoting; nil when singular.
        static func inverse(_ matrix: [Double], size: Int) -> [Double]? {
            var a = matrix
            var inv = [Double](repeating: 0, count: size * size)
            for i in 0..<size { inv[i * size + i] = 1 }
            for column in 0..<size {
                var pivot = column
                for row in column..<size where abs(a[row * size + column]) > abs(a[pivot * size + column]) { pivot = row }
                let p = a[pivot * size + column]
                if p == 0 { return nil }
                if pivot != column {
                    for j in 0..<size { a.swapAt(pivot * size + j, column * size + j); inv.swapAt(pivot * size + j, column * size + j) }
                }
                for j in 0..<size { a[column * size + j] /= p; inv[column * size + j] /= p }
                for row in 0..<size where row != column {
                    let factor = a[row * size + column]
                    if factor == 0 { continue }
                    for j in 0..<size { a[row * size + j] -= factor * a[column * size + j]; inv[row * size + j] -= factor * inv[column * size + j] }
                }
            }
            return inv
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription { .opaque("Det reduces whole matrices") }
    }
}
