import TensorCore

extension Ops {
    /// ONNX Einsum over any number of operands: explicit ("bij,bjk->bik") and implicit ("i,i")
    /// output, ellipsis broadcasting, repeated letters within a term (diagonals). Operands are
    /// contracted left to right; each pair becomes one batched GEMM after letters needed nowhere
    /// else are summed out, so attention-style equations run as a single BLAS call per batch.
    /// Built from transpose/reshape/matmul/sum, so gradients flow.
    public struct Einsum: Operator {
        public static let opType = "Einsum"
        public static let versions = [12, 28]
        let equation: EinsumEquation

        public init(node: Node, version: Int) throws {
            guard let text = try node.string("equation") else {
                throw ModelGraphError.invalidAttribute(node: node.label, attribute: "equation", detail: "the required attribute is missing")
            }
            do {
                equation = try EinsumEquation(text)
            } catch let error as EinsumEquation.ParseError {
                throw ModelGraphError.invalidAttribute(node: node.label, attribute: "equation", detail: "'\(text)': \(error.detail)")
            }
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            guard inputs.count == equation.terms.count else {
                throw ModelGraphError.invalidAttribute(node: context.node.label, attribute: "equation",
                                                       detail: "has \(equation.terms.count) input terms but the node has \(inputs.count) inputs")
            }
            var operands: [Tensor] = []
            for index in inputs.indices { operands.append(try context.required(inputs, index, "Inputs[\(index)]")) }
            let dtype = operands[0].dtype
            for t in operands where t.dtype != dtype { throw TensorError.dtypeMismatch(op: "Einsum", expected: dtype, got: t.dtype) }
            let compute: DType
            switch dtype {
            case .float32, .float64: compute = dtype
            case .float16: compute = .float32
            case .int64, .int32, .int8, .uint8: compute = .float64
            case .bool: throw TensorError.unsupportedDType(op: "Einsum", dtype: dtype)
            }
            do {
                let result = try equation.evaluate(operands.map { try $0.cast(to: compute) })
                return [try result.cast(to: dtype)]
            } catch let error as EinsumEquation.ParseError {
                throw ModelGraphError.invalidAttribute(node: context.node.label, attribute: "equation",
                                                       detail: "\(error.detail) (input shapes \(operands.map(\.shape)))")
            }
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription {
            .opaque("Einsum: channel flow depends on the equation and is not tracked")
        }

        public func cost(inputShapes: [[Int]?], outputShapes: [[Int]?]) -> NodeCost {
            let shapes = inputShapes.compactMap { $0 }
            guard shapes.count == inputShapes.count, let macs = try? equation.multiplyAccumulates(shapes) else { return NodeCost() }
            return NodeCost(macs: macs)
        }
    }
}

/// A parsed Einsum equation. Letters are labels by their ASCII code; the axes an ellipsis
/// stands for get labels 0..<k, right-aligned across operands (NumPy broadcasting).
struct EinsumEquation: Sendable {
    struct ParseError: Error { let detail: String }

    enum Symbol: Hashable, Sendable {
        case letter(Int)
        case ellipsis
    }

    let terms: [[Symbol]]
    /// Nil for the implicit form (no "->").
    let output: [Symbol]?

    init(_ text: String) throws {
        let compact = Array(text.filter { $0 != " " })
        var sides: [String] = [""]
        var i = 0
        while i < compact.count {
            if compact[i] == "-" {
                guard i + 1 < compact.count, compact[i + 1] == ">" else { throw ParseError(detail: "a '-' that is not part of '->'") }
                sides.append("")
                i += 2
            } else {
                sides[sides.count - 1].append(compact[i])
                i += 1
            }
        }
        guard sides.count <= 2 else { throw ParseError(detail: "more than one '->'") }
        terms = try sides[0].split(separator: ",", omittingEmptySubsequences: false).map { try EinsumEquation.parseTerm(Substring($0)) }
        output = sides.count == 2 ? try EinsumEquation.parseTerm(Substring(sides[1])) : nil
        if let output {
            let letters = output.compactMap { if case let .letter(c) = $0 { return c } else { return nil } }
            guard Set(letters).count == letters.count else { throw ParseError(detail: "a letter repeats in the output term") }
            let known = Set(terms.flatMap { $0 })
            for symbol in output where !known.contains(symbol) {
                throw ParseError(detail: symbol == .ellipsis ? "the output has '...' but no input term does"
                                                              : "output letter '\(EinsumEquation.name(symbol))' appears in no input term")
            }
        }
    }

    static func parseTerm(_ term: Substring) throws -> [Symbol] {
        var symbols: [Symbol] = []
        var chars = Array(term.unicodeScalars)[...]
        while let c = chars.first {
            if c == "." {
                guard chars.prefix(3).allSatisfy({ $0 == "." }), chars.count >= 3 else { throw ParseError(detail: "a '.' that is not part of '...'") }
                guard !symbols.contains(.ellipsis) else { throw ParseError(detail: "more than one '...' in the term '\(term)'") }
                symbols.append(.ellipsis)
                chars = chars.dropFirst(3)
            } else if (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") {
                symbols.append(.letter(Int(c.value)))
                chars = chars.dropFirst()
            } else {
                throw ParseError(detail: "unexpected character '\(c)' in the term '\(term)'")
            }
        }
        return symbols
    }

    static func name(_ symbol: Symbol) -> String {
        switch symbol {
        case let .letter(c): return String(UnicodeScalar(UInt8(c)))
        case .ellipsis: return "..."
        }
    }

    /// Each operand's axis labels and the output's, for operands of the given ranks.
    func bind(ranks: [Int]) throws -> (inputs: [[Int]], output: [Int]) {
        var ellipsisRanks: [Int?] = []
        for (term, rank) in zip(terms, ranks) {
            let letters = term.filter { $0 != .ellipsis }.count
            if term.contains(.ellipsis) {
                guard rank >= letters else { throw ParseError(detail: "term \(term.map(EinsumEquation.name).joined()) needs rank ≥ \(letters), got \(rank)") }
                ellipsisRanks.append(rank - letters)
            } else {
                guard rank == letters else { throw ParseError(detail: "term \(term.map(EinsumEquation.name).joined()) needs rank \(letters), got \(rank)") }
                ellipsisRanks.append(nil)
            }
        }
        let broadcastRank = ellipsisRanks.compactMap { $0 }.max() ?? 0
        func labels(_ term: [Symbol], ellipsis: Int) -> [Int] {
            term.flatMap { symbol -> [Int] in
                switch symbol {
                case let .letter(c): return [c]
                case .ellipsis: return Array((broadcastRank - ellipsis)..<broadcastRank)
                }
            }
        }
        let inputs = zip(terms, ellipsisRanks).map { labels($0.0, ellipsis: $0.1 ?? 0) }
        let output: [Int]
        if let explicit = self.output {
            output = labels(explicit, ellipsis: broadcastRank)
        } else {
            // Implicit form: the broadcast axes, then letters used exactly once, in ASCII order.
            var uses: [Int: Int] = [:]
            for term in terms { for case let .letter(c) in term { uses[c, default: 0] += 1 } }
            output = Array(0..<broadcastRank) + uses.filter { $0.value == 1 }.keys.sorted()
        }
        return (inputs, output)
    }

    /// The equation applied to floating tensors.
    func evaluate(_ tensors: [Tensor]) throws -> Tensor {
        let (labels, output) = try bind(ranks: tensors.map(\.rank))
        var operands: [(tensor: Tensor, labels: [Int])] = []
        for (t, l) in zip(tensors, labels) { operands.append(try EinsumEquation.diagonal(t, l)) }
        var sizes: [Int: Int] = [:]
        for (t, l) in operands {
            for (size, label) in zip(t.shape, l) {
                if let known = sizes[label], known != size {
                    guard known == 1 || size == 1 else {
                        throw ParseError(detail: "'\(label >= 65 ? EinsumEquation.name(.letter(label)) : "...")' has sizes \(known) and \(size)")
                    }
                    sizes[label] = max(known, size)
                } else {
                    sizes[label] = size
                }
            }
        }
        let outputSet = Set(output)
        func laterLabels(_ i: Int) -> Set<Int> { Set(operands[(i + 1)...].flatMap(\.labels)) }
        var current = try EinsumEquation.sumOut(operands[0], keeping: outputSet.union(laterLabels(0)))
        for i in operands.indices.dropFirst() {
            let later = laterLabels(i)
            let next = try EinsumEquation.sumOut(operands[i], keeping: outputSet.union(later).union(current.labels))
            current = try EinsumEquation.contract(current, next, keeping: outputSet.union(later), sizes: sizes)
        }
        current = try EinsumEquation.sumOut(current, keeping: outputSet)
        let permutation = try output.map { try EinsumEquation.axis(of: $0, in: current.labels) }
        var result = try current.tensor.transposed(permutation: permutation)
        // A label whose only remaining axis has size 1 while another operand had it larger.
        let target = output.map { sizes[$0] ?? 1 }
        if result.shape != target { result = try result.expanded(to: target) }
        return result
    }

    /// Takes the diagonal for every letter repeated within one operand: x·I summed over the
    /// second occurrence, which keeps the gradient without a dedicated kernel.
    static func diagonal(_ x: Tensor, _ labels: [Int]) throws -> (tensor: Tensor, labels: [Int]) {
        var t = x, l = labels
        while let q = l.indices.first(where: { i in l[..<i].contains(l[i]) }), let p = l.firstIndex(of: l[q]) {
            let n = t.shape[p]
            guard t.shape[q] == n else { throw ParseError(detail: "a repeated letter spans axes of sizes \(n) and \(t.shape[q])") }
            var eye = [Double](repeating: 0, count: n * n)
            for i in 0..<n { eye[i * n + i] = 1 }
            var eyeShape = [Int](repeating: 1, count: t.rank)
            eyeShape[p] = n
            eyeShape[q] = n
            let mask = try Tensor(shape: eyeShape, scalars: eye).cast(to: t.dtype)
            t = try t.multiplying(mask).sum(axes: [q])
            l.remove(at: q)
        }
        return (t, l)
    }

    /// Sums over the axes whose labels are not in `keeping`.
    static func sumOut(_ operand: (tensor: Tensor, labels: [Int]), keeping: Set<Int>) throws -> (tensor: Tensor, labels: [Int]) {
        let axes = operand.labels.indices.filter { !keeping.contains(operand.labels[$0]) }
        guard !axes.isEmpty else { return operand }
        return (try operand.tensor.sum(axes: axes), operand.labels.enumerated().filter { !axes.contains($0.offset) }.map(\.element))
    }

    /// One pairwise contraction as a batched GEMM: A → (batch…, M, K), B → (batch…, K, N).
    static func contract(_ a: (tensor: Tensor, labels: [Int]), _ b: (tensor: Tensor, labels: [Int]),
                         keeping: Set<Int>, sizes: [Int: Int]) throws -> (tensor: Tensor, labels: [Int]) {
        let shared = a.labels.filter { b.labels.contains($0) }
        let batch = shared.filter { keeping.contains($0) }
        let contracted = shared.filter { !keeping.contains($0) }
        let aOnly = a.labels.filter { !shared.contains($0) }
        let bOnly = b.labels.filter { !shared.contains($0) }
        func arrange(_ x: (tensor: Tensor, labels: [Int]), _ order: [Int], contractedFirst: Bool) throws -> Tensor {
            var t = try x.tensor.transposed(permutation: order.map { try axis(of: $0, in: x.labels) })
            // Contracted axes of size 1 on one side only are broadcast to the other's size.
            let full = zip(order, t.shape).map { contracted.contains($0) ? sizes[$0] ?? $1 : $1 }
            if full != t.shape { t = try t.expanded(to: full) }
            let batchShape = Array(t.shape.prefix(batch.count))
            let rest = Array(t.shape.dropFirst(batch.count))
            let own = TensorCore.Shape.count(contractedFirst ? Array(rest.dropFirst(contracted.count)) : Array(rest.dropLast(contracted.count)))
            let k = TensorCore.Shape.count(contracted.map { sizes[$0] ?? 1 })
            return try t.reshaped(batchShape + (contractedFirst ? [k, own] : [own, k]))
        }
        let left = try arrange(a, batch + aOnly + contracted, contractedFirst: false)
        let right = try arrange(b, batch + contracted + bOnly, contractedFirst: true)
        let product = try Tensor.gemm(left, right, transposeA: false, transposeB: false)
        let batchShape = Array(product.shape.prefix(batch.count))
        let aSizes = try aOnly.map { a.tensor.shape[try axis(of: $0, in: a.labels)] }
        let bSizes = try bOnly.map { b.tensor.shape[try axis(of: $0, in: b.labels)] }
        return (try product.reshaped(batchShape + aSizes + bSizes), batch + aOnly + bOnly)
    }

    static func axis(of label: Int, in labels: [Int]) throws -> Int {
        guard let axis = labels.firstIndex(of: label) else { throw ParseError(detail: "internal: label \(label) is missing from \(labels)") }
        return axis
    }

    /// Multiply-accumulates of the left-to-right pairwise contractions for the given shapes.
    func multiplyAccumulates(_ shapes: [[Int]]) throws -> Int {
        let (labels, output) = try bind(ranks: shapes.map(\.count))
        var sizes: [Int: Int] = [:]
        for (shape, l) in zip(shapes, labels) { for (size, label) in zip(shape, l) { sizes[label] = max(sizes[label] ?? 1, size) } }
        let outputSet = Set(output)
        var current = Set(labels[0])
        var macs = 0
        for i in labels.indices.dropFirst() {
            let later = Set(labels[(i + 1)...].flatMap { $0 })
            let keepA = outputSet.union(later).union(labels[i])
            let a = current.intersection(keepA)
            let b = Set(labels[i]).intersection(outputSet.union(later).union(a))
            macs += a.union(b).reduce(1) { $0 * (sizes[$1] ?? 1) }
            current = a.union(b).intersection(outputSet.union(later))
        }
        return macs
    }
}
