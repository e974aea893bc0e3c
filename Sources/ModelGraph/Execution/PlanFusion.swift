import TensorCore

/// What one run of the graph showed about a value (the plan is specialised to these).
struct ValueRecord {
    var shape: [Int]
    var dtype: DType
}

/// Graph nodes that one fused plan step computes together.
struct FusedGroup {
    enum Kind {
        /// Conv [+ BatchNormalization] [+ Add] [+ activation], a constant zero Pad before it folded into its padding.
        case conv(ConvFusion)
        /// Reshape → InstanceNormalization → Reshape [→ Mul] [→ Add] [→ activation]: GroupNorm as exporters write it.
        case groupNorm(GroupNormFusion)
        case activation(FusedActivation)
        /// Softmax over contiguous rows.
        case softmax(rows: Int, length: Int)
        /// [Transpose →] MatMul [← Transpose] [→ Div or Mul by a constant scalar].
        case matmul(MatMulFusion)
    }

    var kind: Kind
    /// Covered node indices; the last one produces `output`.
    var nodes: [Int]
    /// Values the fused kernel reads.
    var inputs: [String]
    var output: String
    var label: String
}

struct ConvFusion {
    var weight: Parameter
    var bias: Parameter?
    var strides: [Int]
    /// [top, left, bottom, right], including a folded Pad.
    var pads: [Int]
    var dilations: [Int]
    var groups: Int
    var normalization: (scale: Parameter, bias: Parameter, mean: Parameter, variance: Parameter, epsilon: Double)?
    var activation: FusedActivation
    var inputShape: [Int]
    var outputShape: [Int]
    var addendShape: [Int]?
}

struct MatMulFusion {
    var transposeA, transposeB: Bool
    var alpha: Float
    var batch, m, n, k: Int
    /// Elements between batch items of each operand (0: the operand is shared).
    var aStride, bStride: Int
    var aShape, bShape, outputShape: [Int]
}

struct GroupNormFusion {
    var groups: Int
    var epsilon: Float
    /// Per channel: γ_group · γ_channel and β_group · γ_channel + β_channel.
    var scale: [Float]
    var shift: [Float]
    var activation: FusedActivation
    var shape: [Int]
    var parameters: [Parameter]
}

/// Finds the node patterns the plan runs as fused kernels. Works on one specialisation's value
/// records (shapes and dtypes seen in a run), so every match is checked against real shapes.
struct Fuser {
    let graph: Graph
    let operators: [any Operator]
    let records: [String: ValueRecord]
    let fed: Set<String>
    /// Values fixed by this specialisation's input shapes (shape arithmetic), with their values.
    let fixed: [String: Tensor]
    let graphOutputs: Set<String>
    var consumers: [String: [Int]] = [:]
    var producers: [String: Int] = [:]
    var covered = Set<Int>()
    var groups: [FusedGroup] = []

    init(graph: Graph, operators: [any Operator], records: [String: ValueRecord], fed: Set<String>, fixed: [String: Tensor] = [:]) {
        self.graph = graph
        self.operators = operators
        self.records = records
        self.fed = fed
        self.fixed = fixed
        graphOutputs = Set(graph.outputs.map(\.name))
        for (index, node) in graph.nodes.enumerated() {
            for input in Set(node.inputs) where !input.isEmpty { consumers[input, default: []].append(index) }
            for output in node.outputs where !output.isEmpty { producers[output] = index }
        }
    }

    /// Runs every matcher over `order` (topological); returns the groups found.
    mutating func fuse(order: [Int]) -> [FusedGroup] {
        for index in order where !covered.contains(index) && graph.nodes[index].opType == "Conv" {
            if let group = convGroup(index) { claim(group) }
        }
        for index in order where !covered.contains(index) && graph.nodes[index].opType == "InstanceNormalization" {
            if let group = groupNormGroup(index) { claim(group) }
        }
        for index in order where !covered.contains(index) && graph.nodes[index].opType == "MatMul" {
            if let group = matmulGroup(index) { claim(group) }
        }
        for index in order where !covered.contains(index) {
            let node = graph.nodes[index]
            if node.opType == "Softmax", let group = softmaxGroup(index) { claim(group); continue }
            guard let input = node.inputs.first, isFloat(input), node.inputs.count >= 1 else { continue }
            if let (activation, nodes, output) = activation(after: input, startingAt: index) {
                claim(FusedGroup(kind: .activation(activation), nodes: nodes, inputs: [input], output: output,
                                 label: nodes.map { graph.nodes[$0].opType }.joined(separator: "+")))
            }
        }
        return groups
    }

    mutating func claim(_ group: FusedGroup) {
        covered.formUnion(group.nodes)
        groups.append(group)
    }

    func constant(_ name: String) -> Parameter? {
        name.isEmpty || fed.contains(name) ? nil : graph.parameter(named: name)
    }

    func isFloat(_ name: String) -> Bool { records[name]?.dtype == .float32 }

    /// The value of a constant input: an initializer, or a value this specialisation fixed.
    func constantTensor(_ name: String) -> Tensor? {
        if let p = constant(name) { return p.value }
        return name.isEmpty ? nil : fixed[name]
    }

    /// The one node reading `value`, when exactly one uncovered node does and it is no graph output.
    func soleConsumer(_ value: String) -> Int? {
        guard !graphOutputs.contains(value), let readers = consumers[value], readers.count == 1,
              !covered.contains(readers[0]) else { return nil }
        return readers[0]
    }

    /// A constant scalar input (Clip bounds), as Double.
    func scalar(_ name: String) -> Double? {
        guard let t = constantTensor(name), t.count == 1 else { return nil }
        return try? t.item()
    }

    /// An activation applied to `value`: one node reading it (or the Sigmoid/Mul pair of SiLU).
    /// With `startingAt`, only a pattern whose first node is that node.
    func activation(after value: String, startingAt first: Int? = nil) -> (FusedActivation, [Int], String)? {
        guard !graphOutputs.contains(value), let readers = consumers[value], readers.allSatisfy({ !covered.contains($0) }) else { return nil }
        if readers.count == 2 {
            // SiLU: Sigmoid(v) and Mul(v, Sigmoid(v)), the sigmoid read by the Mul alone.
            let nodes = readers.map { graph.nodes[$0] }
            guard let s = nodes.firstIndex(where: { $0.opType == "Sigmoid" && $0.inputs == [value] }) else { return nil }
            let sigmoid = readers[s], mul = readers[1 - s]
            let sigmoidOut = graph.nodes[sigmoid].outputs[0]
            let m = graph.nodes[mul]
            guard m.opType == "Mul", Set(m.inputs) == [value, sigmoidOut], m.inputs.count == 2,
                  consumers[sigmoidOut] == [mul], !graphOutputs.contains(sigmoidOut),
                  let out = m.outputs.first, records[out]?.shape == records[value]?.shape, isFloat(out) else { return nil }
            if let first, first != sigmoid { return nil }
            return (.silu, [sigmoid, mul], out)
        }
        guard readers.count == 1 else { return nil }
        let index = readers[0]
        if let first, first != index { return nil }
        let node = graph.nodes[index]
        guard node.inputs.first == value, let out = node.outputs.first, node.outputs.count == 1,
              records[out]?.shape == records[value]?.shape, isFloat(out) else { return nil }
        let op = operators[index]
        switch node.opType {
        case "Relu" where node.inputs.count == 1:
            return (.relu, [index], out)
        case "Sigmoid" where node.inputs.count == 1:
            return (.sigmoid, [index], out)
        case "HardSwish" where node.inputs.count == 1:
            return (.hardSwish, [index], out)
        case "LeakyRelu":
            guard let op = op as? Ops.LeakyRelu else { return nil }
            return (.leakyRelu(alpha: Float(op.alpha)), [index], out)
        case "HardSigmoid":
            guard let op = op as? Ops.HardSigmoid else { return nil }
            return (.hardSigmoid(alpha: Float(op.alpha), beta: Float(op.beta)), [index], out)
        case "Clip":
            guard let op = op as? Ops.Clip else { return nil }
            var lo = op.attributeMin ?? -.infinity, hi = op.attributeMax ?? .infinity
            if op.version >= 11 {
                if node.inputs.count > 1, !node.inputs[1].isEmpty {
                    guard let v = scalar(node.inputs[1]) else { return nil }
                    lo = v
                }
                if node.inputs.count > 2, !node.inputs[2].isEmpty {
                    guard let v = scalar(node.inputs[2]) else { return nil }
                    hi = v
                }
            }
            return (.clip(min: Float(lo), max: Float(hi)), [index], out)
        default:
            return nil
        }
    }

    // MARK: Conv chains

    func convGroup(_ index: Int) -> FusedGroup? {
        let node = graph.nodes[index]
        guard let op = operators[index] as? Ops.Conv, node.inputs.count >= 2, node.outputs.count == 1,
              let convInput = node.inputs.first, let inputRecord = records[convInput], inputRecord.dtype == .float32,
              inputRecord.shape.count == 4, let weight = constant(node.inputs[1]), weight.value.dtype == .float32,
              weight.value.rank == 4, let outRecord = records[node.outputs[0]], outRecord.dtype == .float32 else { return nil }
        var bias: Parameter? = nil
        if node.inputs.count > 2, !node.inputs[2].isEmpty {
            guard let b = constant(node.inputs[2]), b.value.dtype == .float32 else { return nil }
            bias = b
        }
        let kernel = Array(weight.value.shape.suffix(2))
        if let k = op.kernelShape, k != kernel { return nil }
        let strides = op.strides ?? [1, 1], dilations = op.dilations ?? [1, 1]
        guard strides.count == 2, dilations.count == 2, op.explicitPads.map({ $0.count == 4 }) ?? true else { return nil }
        var input = convInput
        var inputShape = inputRecord.shape
        let (begin, end) = op.autoPad.pads(explicit: op.explicitPads, inputSpatial: Array(inputShape.suffix(2)), kernel: kernel,
                                           strides: strides, dilations: dilations)
        var pads = [begin[0], begin[1], end[0], end[1]]
        guard pads.allSatisfy({ $0 >= 0 }),
              PreparedConvolution.supports(weightShape: weight.value.shape, groups: op.group, inputChannels: inputShape[1]) else { return nil }
        var nodes = [index]
        var labels = ["Conv"]

        // A constant zero Pad of the spatial axes before the Conv becomes Conv padding.
        if op.autoPad == .notSet, let padIndex = producers[input], !covered.contains(padIndex), soleConsumer(input) == index,
           let extra = zeroSpatialPads(padIndex), let padInput = records[graph.nodes[padIndex].inputs[0]] {
            pads = zip(pads, extra).map { $0 + $1 }
            input = graph.nodes[padIndex].inputs[0]
            inputShape = padInput.shape
            nodes.insert(padIndex, at: 0)
            labels.insert("Pad", at: 0)
        }

        var value = node.outputs[0]
        let outputShape = outRecord.shape
        var normalization: ConvFusion.Kind.Normalization? = nil
        var addend: String? = nil
        var activation = FusedActivation.none
        // Forward along single consumers: BatchNormalization, then Add, then an activation.
        while true {
            if normalization == nil, addend == nil, let next = soleConsumer(value), graph.nodes[next].opType == "BatchNormalization",
               let bn = operators[next] as? Ops.BatchNormalization, !bn.nodeTraining {
                let n = graph.nodes[next]
                guard n.inputs.count == 5, n.inputs[0] == value, n.namedOutputCount == 1,
                      let s = constant(n.inputs[1]), let b = constant(n.inputs[2]), let m = constant(n.inputs[3]), let v = constant(n.inputs[4]),
                      [s, b, m, v].allSatisfy({ $0.value.count == outputShape[1] }),
                      let out = n.outputs.first, records[out]?.shape == outputShape, isFloat(out) else { break }
                normalization = (s, b, m, v, bn.epsilon)
                nodes.append(next)
                labels.append("BatchNormalization")
                value = out
                continue
            }
            if addend == nil, let next = soleConsumer(value), graph.nodes[next].opType == "Add" {
                let n = graph.nodes[next]
                guard n.inputs.count == 2, n.inputs.filter({ $0 == value }).count == 1,
                      let other = n.inputs.first(where: { $0 != value }), let otherRecord = records[other], otherRecord.dtype == .float32,
                      otherRecord.shape == outputShape
                        || (otherRecord.shape.count == 4 && (otherRecord.shape[0] == outputShape[0] || otherRecord.shape[0] == 1)
                            && otherRecord.shape[1] == outputShape[1] && otherRecord.shape[2] == 1 && otherRecord.shape[3] == 1),
                      let out = n.outputs.first, records[out]?.shape == outputShape, isFloat(out) else { break }
                addend = other
                nodes.append(next)
                labels.append("Add")
                value = out
                continue
            }
            if let (a, more, out) = self.activation(after: value) {
                activation = a
                nodes += more
                labels.append(a.description)
                value = out
            }
            break
        }
        let fusion = ConvFusion(weight: weight, bias: bias, strides: strides, pads: pads, dilations: dilations, groups: op.group,
                                normalization: normalization, activation: activation, inputShape: inputShape, outputShape: outputShape,
                                addendShape: addend.flatMap { records[$0]?.shape })
        return FusedGroup(kind: .conv(fusion), nodes: nodes, inputs: [input] + (addend.map { [$0] } ?? []), output: value,
                          label: labels.joined(separator: "+"))
    }

    /// [top, left, bottom, right] of a constant-mode, zero-valued Pad that pads only axes 2 and 3
    /// of a rank-4 value by non-negative amounts; nil for any other Pad.
    func zeroSpatialPads(_ index: Int) -> [Int]? {
        let node = graph.nodes[index]
        guard node.opType == "Pad", let op = operators[index] as? Ops.Pad, op.mode == .constant, node.outputs.count == 1,
              let x = node.inputs.first, records[x]?.shape.count == 4, isFloat(x) else { return nil }
        var pads: [Int]
        var value = op.attributeValue
        var axes: [Int]? = nil
        if op.version < 11 {
            guard let p = op.attributePads else { return nil }
            pads = p
        } else {
            guard node.inputs.count > 1, let p = constantTensor(node.inputs[1]) else { return nil }
            pads = p.doubles().map { Int($0) }
            if node.inputs.count > 2, !node.inputs[2].isEmpty {
                guard let c = constantTensor(node.inputs[2]), c.count <= 1 else { return nil }
                value = c.count == 1 ? (try? c.item()) ?? 1 : 0
            }
            if node.inputs.count > 3, !node.inputs[3].isEmpty {
                guard op.version >= 18, let a = constantTensor(node.inputs[3]) else { return nil }
                axes = a.doubles().map { Int($0) < 0 ? Int($0) + 4 : Int($0) }
            }
        }
        guard value == 0 else { return nil }
        let list = axes ?? [0, 1, 2, 3]
        guard pads.count == 2 * list.count, Set(list).count == list.count, list.allSatisfy({ (0..<4).contains($0) }) else { return nil }
        var begin = [0, 0, 0, 0], end = [0, 0, 0, 0]
        for (i, axis) in list.enumerated() {
            begin[axis] = pads[i]
            end[axis] = pads[i + list.count]
        }
        guard begin[0] == 0, begin[1] == 0, end[0] == 0, end[1] == 0, (begin + end).allSatisfy({ $0 >= 0 }) else { return nil }
        return [begin[2], begin[3], end[2], end[3]]
    }

    // MARK: GroupNorm as Reshape → InstanceNormalization → Reshape → Mul → Add

    func groupNormGroup(_ index: Int) -> FusedGroup? {
        let node = graph.nodes[index]
        guard let op = operators[index] as? Ops.InstanceNormalization, node.inputs.count == 3,
              let reshaped = node.inputs.first, let before = producers[reshaped], !covered.contains(before),
              graph.nodes[before].opType == "Reshape", soleConsumer(reshaped) == index,
              let x = graph.nodes[before].inputs.first, let xr = records[x], xr.dtype == .float32, xr.shape.count >= 3,
              let rr = records[reshaped], rr.shape.count == 3, rr.shape[0] == xr.shape[0],
              let groupScale = constant(node.inputs[1]), let groupBias = constant(node.inputs[2]),
              let normalized = node.outputs.first, let after = soleConsumer(normalized), graph.nodes[after].opType == "Reshape",
              graph.nodes[after].inputs.first == normalized, let back = graph.nodes[after].outputs.first,
              records[back]?.shape == xr.shape else { return nil }
        let channels = xr.shape[1], groups = rr.shape[1]
        let plane = TensorCore.Shape.count(Array(xr.shape.dropFirst(2)))
        guard groups >= 1, channels % groups == 0, rr.shape[2] == channels / groups * plane,
              groupScale.value.count == groups, groupBias.value.count == groups else { return nil }
        var nodes = [before, index, after]
        var labels = ["GroupNorm"]
        var parameters = [groupScale, groupBias]
        let gs = groupScale.value.doubles(), gb = groupBias.value.doubles()
        var scale = (0..<channels).map { gs[$0 / (channels / groups)] }
        var shift = (0..<channels).map { gb[$0 / (channels / groups)] }
        var value = back
        // Per-channel affine: a constant of C values laid out along axis 1 ([C, 1, ...] or [1, C, 1, ...]).
        func perChannel(_ name: String) -> Parameter? {
            guard let p = constant(name), p.value.count == channels, p.value.dtype == .float32 else { return nil }
            let dims = p.value.shape
            guard dims.count <= xr.shape.count else { return nil }
            let aligned = [Int](repeating: 1, count: xr.shape.count - dims.count) + dims
            return aligned[1] == channels ? p : nil
        }
        for opType in ["Mul", "Add"] {
            guard let next = soleConsumer(value), graph.nodes[next].opType == opType else { continue }
            let n = graph.nodes[next]
            guard n.inputs.count == 2, let other = n.inputs.first(where: { $0 != value }), n.inputs.contains(value),
                  let p = perChannel(other), let out = n.outputs.first, records[out]?.shape == xr.shape else { break }
            let v = p.value.doubles()
            if opType == "Mul" {
                for c in 0..<channels { scale[c] *= v[c]; shift[c] *= v[c] }
            } else {
                for c in 0..<channels { shift[c] += v[c] }
            }
            parameters.append(p)
            nodes.append(next)
            labels.append(opType)
            value = out
        }
        var activation = FusedActivation.none
        if let (a, more, out) = self.activation(after: value) {
            activation = a
            nodes += more
            labels.append(a.description)
            value = out
        }
        let fusion = GroupNormFusion(groups: groups, epsilon: Float(op.epsilon), scale: scale.map { Float($0) }, shift: shift.map { Float($0) },
                                     activation: activation, shape: xr.shape, parameters: parameters)
        return FusedGroup(kind: .groupNorm(fusion), nodes: nodes, inputs: [x], output: value, label: labels.joined(separator: "+"))
    }

    // MARK: MatMul

    func matmulGroup(_ index: Int) -> FusedGroup? {
        let node = graph.nodes[index]
        guard node.inputs.count == 2, node.outputs.count == 1, let out = node.outputs.first, let outRecord = records[out],
              outRecord.dtype == .float32, outRecord.shape.count >= 2, isFloat(node.inputs[0]), isFloat(node.inputs[1]),
              node.inputs[0] != node.inputs[1] else { return nil }
        var nodes = [index]
        var labels = ["MatMul"]
        /// The input behind a Transpose of the last two axes that only this MatMul reads.
        func untransposed(_ value: String) -> String? {
            guard let p = producers[value], !covered.contains(p), graph.nodes[p].opType == "Transpose",
                  soleConsumer(value) == index, let x = graph.nodes[p].inputs.first, let rank = records[x]?.shape.count, rank >= 2,
                  let perm = try? graph.nodes[p].ints("perm"), perm == Array(0..<(rank - 2)) + [rank - 1, rank - 2] else { return nil }
            return x
        }
        var a = node.inputs[0], b = node.inputs[1]
        var transposeA = false, transposeB = false
        if let x = untransposed(a) { a = x; transposeA = true; nodes.insert(producers[node.inputs[0]]!, at: 0); labels.insert("Transpose", at: 0) }
        if let x = untransposed(b) { b = x; transposeB = true; nodes.insert(producers[node.inputs[1]]!, at: 0); labels.insert("Transpose", at: 0) }
        guard let aShape = records[a]?.shape, let bShape = records[b]?.shape, aShape.count >= 2, bShape.count >= 2 else { return nil }
        let m = transposeA ? aShape[aShape.count - 1] : aShape[aShape.count - 2]
        let k = transposeA ? aShape[aShape.count - 2] : aShape[aShape.count - 1]
        let kb = transposeB ? bShape[bShape.count - 1] : bShape[bShape.count - 2]
        let n = transposeB ? bShape[bShape.count - 2] : bShape[bShape.count - 1]
        let aBatch = Array(aShape.dropLast(2)), bBatch = Array(bShape.dropLast(2))
        let batch = TensorCore.Shape.count(aBatch)
        guard k == kb, outRecord.shape == aBatch + [m, n],
              bBatch == aBatch || TensorCore.Shape.count(bBatch) == 1 else { return nil }
        var alpha: Float = 1
        var value = out
        // A following division or multiplication by a constant scalar becomes GEMM's alpha.
        if let next = soleConsumer(value), ["Div", "Mul"].contains(graph.nodes[next].opType) {
            let n2 = graph.nodes[next]
            if n2.inputs.count == 2, n2.inputs[0] == value || (n2.opType == "Mul" && n2.inputs[1] == value),
               let other = n2.inputs.first(where: { $0 != value }), let c = scalar(other), c != 0,
               let o = n2.outputs.first, records[o]?.shape == outRecord.shape, isFloat(o) {
                alpha = n2.opType == "Div" ? Float(1 / c) : Float(c)
                nodes.append(next)
                labels.append(n2.opType)
                value = o
            }
        }
        let fusion = MatMulFusion(transposeA: transposeA, transposeB: transposeB, alpha: alpha, batch: batch, m: m, n: n, k: k,
                                  aStride: m * k, bStride: TensorCore.Shape.count(bBatch) == 1 && batch > 1 ? 0 : k * n,
                                  aShape: aShape, bShape: bShape, outputShape: outRecord.shape)
        return FusedGroup(kind: .matmul(fusion), nodes: nodes, inputs: [a, b], output: value, label: labels.joined(separator: "+"))
    }

    // MARK: Softmax

    func softmaxGroup(_ index: Int) -> FusedGroup? {
        let node = graph.nodes[index]
        guard let op = operators[index] as? Ops.Softmax, let x = node.inputs.first, let xr = records[x], xr.dtype == .float32,
              !xr.shape.isEmpty, let out = node.outputs.first else { return nil }
        let rank = xr.shape.count
        let axis = op.body.axis < 0 ? op.body.axis + rank : op.body.axis
        guard (0..<rank).contains(axis), op.body.coerced || axis == rank - 1 else { return nil }
        let length = TensorCore.Shape.count(Array(xr.shape[axis...]))
        guard length > 0 else { return nil }
        return FusedGroup(kind: .softmax(rows: TensorCore.Shape.count(xr.shape) / length, length: length), nodes: [index], inputs: [x],
                          output: out, label: "Softmax")
    }
}

extension ConvFusion {
    enum Kind {
        typealias Normalization = (scale: Parameter, bias: Parameter, mean: Parameter, variance: Parameter, epsilon: Double)
    }
}
