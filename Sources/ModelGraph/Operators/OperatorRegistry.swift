/// The operator implementations, keyed by (domain, op type, since-version). One explicit list:
/// adding an operator is one file in Operators/ plus one line here.
public struct OperatorRegistry: Sendable {
    struct Key: Hashable { let domain: String; let opType: String; let version: Int }

    private var table: [Key: any Operator.Type] = [:]
    private var byType: [String: [any Operator.Type]] = [:]

    /// Every built-in operator.
    public static let builtIn = OperatorRegistry(types: [
        Ops.Add.self, Ops.Sub.self, Ops.Mul.self, Ops.Div.self,
        Ops.Relu.self, Ops.Clip.self,
        Ops.Conv.self, Ops.Gemm.self,
        Ops.Constant.self, Ops.Identity.self,
        Ops.Pow.self, Ops.Sqrt.self, Ops.Reciprocal.self, Ops.Exp.self, Ops.Log.self, Ops.Neg.self, Ops.Abs.self,
        Ops.Erf.self, Ops.Sigmoid.self, Ops.Tanh.self, Ops.Sin.self, Ops.Cos.self, Ops.Floor.self, Ops.Ceil.self,
        Ops.LeakyRelu.self, Ops.HardSigmoid.self, Ops.HardSwish.self,
        Ops.Where.self, Ops.Equal.self, Ops.Less.self, Ops.Greater.self, Ops.LessOrEqual.self, Ops.GreaterOrEqual.self,
        Ops.Not.self, Ops.And.self, Ops.Or.self,
        Ops.Cast.self, Ops.CastLike.self, Ops.Shape.self, Ops.Size.self, Ops.Reshape.self, Ops.Flatten.self,
        Ops.Squeeze.self, Ops.Unsqueeze.self, Ops.Expand.self, Ops.ConstantOfShape.self, Ops.Range.self, Ops.Tile.self,
        Ops.Dropout.self, Ops.MatMul.self, Ops.Einsum.self,
        Ops.ReduceMean.self, Ops.ReduceSum.self, Ops.ReduceMax.self, Ops.ReduceMin.self, Ops.ArgMax.self, Ops.ArgMin.self,
        Ops.ConvTranspose.self,
        Ops.MaxPool.self, Ops.AveragePool.self, Ops.GlobalAveragePool.self, Ops.GlobalMaxPool.self,
        Ops.BatchNormalization.self, Ops.InstanceNormalization.self, Ops.LayerNormalization.self, Ops.GroupNormalization.self,
        Ops.Softmax.self, Ops.LogSoftmax.self,
        Ops.Concat.self, Ops.Split.self, Ops.Slice.self, Ops.Pad.self, Ops.Transpose.self, Ops.Gather.self,
        Ops.Resize.self, Ops.Upsample.self,
        Ops.Tan.self, Ops.Asin.self, Ops.Acos.self, Ops.Atan.self, Ops.Sinh.self, Ops.Cosh.self, Ops.Asinh.self, Ops.Acosh.self, Ops.Atanh.self,
        Ops.Sign.self, Ops.Round.self, Ops.Softplus.self, Ops.Softsign.self, Ops.Elu.self, Ops.Selu.self, Ops.Celu.self,
        Ops.ThresholdedRelu.self, Ops.Shrink.self, Ops.PRelu.self, Ops.IsNaN.self, Ops.IsInf.self, Ops.Xor.self,
        Ops.Max.self, Ops.Min.self, Ops.Sum.self, Ops.Mean.self, Ops.Mod.self,
        Ops.ReduceL1.self, Ops.ReduceL2.self, Ops.ReduceLogSum.self, Ops.ReduceLogSumExp.self, Ops.ReduceProd.self, Ops.ReduceSumSquare.self,
        Ops.GatherElements.self, Ops.Trilu.self, Ops.CumSum.self, Ops.Hardmax.self, Ops.EyeLike.self, Ops.OneHot.self,
        Ops.DepthToSpace.self, Ops.SpaceToDepth.self, Ops.NegativeLogLikelihoodLoss.self, Ops.SoftmaxCrossEntropyLoss.self,
        Ops.HannWindow.self, Ops.HammingWindow.self, Ops.BlackmanWindow.self,
        Ops.QuantizeLinear.self, Ops.DequantizeLinear.self, Ops.DynamicQuantizeLinear.self,
        Ops.Compress.self, Ops.NonZero.self, Ops.TopK.self, Ops.GatherND.self, Ops.LRN.self, Ops.MeanVarianceNormalization.self,
        Ops.ReverseSequence.self, Ops.ScatterElements.self, Ops.Scatter.self, Ops.ScatterND.self, Ops.MaxUnpool.self,
        Ops.MatMulInteger.self, Ops.ConvInteger.self, Ops.QLinearConv.self, Ops.QLinearMatMul.self,
        Ops.NonMaxSuppression.self, Ops.Unique.self, Ops.RNN.self, Ops.GRU.self, Ops.LSTM.self, Ops.GridSample.self,
        Ops.Adagrad.self, Ops.Adam.self, Ops.Momentum.self, Ops.DFT.self, Ops.STFT.self, Ops.MelWeightMatrix.self,
        Ops.Det.self, Ops.RoiAlign.self,
    ])

    public init(types: [any Operator.Type]) {
        for type in types {
            for version in type.versions {
                table[Key(domain: Self.canonical(type.domain), opType: type.opType, version: version)] = type
            }
            byType[type.opType, default: []].append(type)
        }
    }

    static func canonical(_ domain: String) -> String { domain == "ai.onnx" ? "" : domain }

    /// Every registered op type with its implemented versions, sorted by name.
    public var operators: [(opType: String, domain: String, versions: [Int])] {
        var list: [(opType: String, domain: String, versions: [Int])] = []
        for types in byType.values {
            for type in types { list.append((type.opType, type.domain, type.versions.sorted())) }
        }
        return list.sorted { $0.opType < $1.opType }
    }

    /// True when some implementation of `opType` exists, whatever the version.
    public func isRegistered(_ opType: String, domain: String = "") -> Bool {
        byType[opType]?.contains { Self.canonical($0.domain) == Self.canonical(domain) } ?? false
    }

    /// The schema version a node resolves to at `opset`: from ONNX's history for the default
    /// domain, from the implementation's own versions for other domains.
    public func schemaVersion(opType: String, domain: String, opset: Int) -> Int {
        if Self.canonical(domain) == "", let v = OpsetHistory.sinceVersion(of: opType, opset: opset) { return v }
        var best: Int?
        for type in byType[opType] ?? [] where Self.canonical(type.domain) == Self.canonical(domain) {
            for v in type.versions where v <= opset && v > (best ?? Int.min) { best = v }
        }
        return best ?? opset
    }

    /// The implementation for `node` in a model importing `opset` for its domain.
    public func implementation(for node: Node, opset: Int) -> (type: any Operator.Type, version: Int)? {
        let version = schemaVersion(opType: node.opType, domain: node.domain, opset: opset)
        guard let type = table[Key(domain: Self.canonical(node.domain), opType: node.opType, version: version)] else { return nil }
        return (type, version)
    }

    /// Instantiates an operator for every node of `graph`, in node order. Missing op/version
    /// pairs are all reported together before anything runs.
    public func instantiate(_ graph: Graph) throws -> [any Operator] {
        var missing: [String: (opType: String, domain: String, version: Int, nodes: [String])] = [:]
        var resolved: [(any Operator.Type, Int)?] = []
        for node in graph.nodes {
            let opset = graph.opset(for: node.domain) ?? 1
            if let found = implementation(for: node, opset: opset) {
                resolved.append(found)
            } else {
                let version = schemaVersion(opType: node.opType, domain: node.domain, opset: opset)
                let key = "\(node.domain)|\(node.opType)|\(version)"
                missing[key, default: (node.opType, node.domain, version, [])].nodes.append(node.name.isEmpty ? node.label : node.name)
                resolved.append(nil)
            }
        }
        if !missing.isEmpty {
            throw ModelGraphError.unsupportedOperators(missing.values.sorted { ($0.opType, $0.version) < ($1.opType, $1.version) })
        }
        var operators: [any Operator] = []
        for (node, entry) in zip(graph.nodes, resolved) {
            guard let (type, version) = entry else { continue }
            operators.append(try type.init(node: node, version: version))
        }
        return operators
    }
}
