import Synchronization
import TensorCore

/// Inference plan compiled from a `Graph` (the graph itself is never changed, DESIGN.md).
///
/// The first call with given input shapes runs the graph node by node through the `Executor`,
/// recording every value's shape and dtype (and which values are views of others), and compiles
/// a specialisation for those shapes:
/// - values that only depend on the input shapes (Shape, then arithmetic on it) are fixed;
/// - Conv chains (a constant zero Pad folded into the padding, BatchNormalization folded into
///   the weights, a residual or per-channel Add and an activation applied as outputs are
///   written), GroupNorm written as Reshape/InstanceNormalization/Reshape/Mul/Add (plus its
///   activation), MatMul with its operands' Transposes and a constant scale folded in,
///   standalone activations (SiLU as Sigmoid·Mul included) and Softmax run as fused float32
///   kernels (TensorCore's `PreparedConvolution` and `FusedKernels`);
/// - every other node runs its operator.
/// Fused outputs live in one buffer planned by liveness (views of them kept alive as long as
/// they are read) and reused across calls; only unfused operators allocate their outputs, and
/// graph outputs are handed out as copies. Later calls with the same shapes reuse the
/// specialisation; new shapes, or a parameter whose value was replaced (training), compile a new
/// one. Fused results differ from the executor's only by float rounding (the tests hold them to
/// 1e-4 of the output's magnitude).
public final class ExecutionPlan: @unchecked Sendable {
    /// Compilation choices (tests compare fused against unfused).
    public struct Options: Sendable {
        /// Run matched patterns as fused kernels; when false, every node runs its operator.
        public var fuse: Bool
        public init(fuse: Bool = true) { self.fuse = fuse }
    }

    public let graph: Graph
    public let options: Options
    let executor: Executor
    private let state = Mutex<Specialization?>(nil)

    public init(graph: Graph, registry: OperatorRegistry = .builtIn, options: Options = Options()) throws {
        self.graph = graph
        self.options = options
        executor = try Executor(graph: graph, registry: registry)
    }

    /// Runs the graph on `feeds` and returns every graph output.
    public func run(_ feeds: [String: Tensor]) throws -> [String: Tensor] {
        try run(feeds, profiler: nil)
    }

    /// Runs with `profiler` called after each step with the step's index in `stepLabels`.
    public func run(_ feeds: [String: Tensor], profiler: ((Int) -> Void)?) throws -> [String: Tensor] {
        try noGrad {
            try state.withLock { specialization in
                let key = Specialization.key(feeds)
                if let current = specialization, current.key == key, current.parametersUnchanged() {
                    do {
                        // The plan's kernels own the threads (DESIGN.md: one owner of parallelism):
                        // BLAS calls inside it run single-threaded, so no BLAS worker is left
                        // spinning beside the kernels' workers.
                        return try Parallel.withSingleThreadedBLAS { try Parallel.inferencePass { try current.run(feeds, profiler: profiler) } }
                    } catch is PlanMismatch {
                        specialization = nil
                    }
                }
                let (outputs, compiled) = try compile(feeds, key: key)
                specialization = compiled
                return outputs
            }
        }
    }

    /// One label per step of the current specialisation (empty before the first run): the fused
    /// node types ("Conv+BatchNormalization+relu") or the single node's label.
    public var stepLabels: [String] { state.withLock { $0?.steps.map(\.label) ?? [] } }

    /// Graph node indices each step of the current specialisation covers.
    public var stepNodes: [[Int]] { state.withLock { $0?.steps.map(\.nodes) ?? [] } }

    /// Floats in the planned buffer of the current specialisation (0 before the first run).
    public var plannedFloats: Int { state.withLock { $0?.arena.capacity ?? 0 } }

    /// Runs the executor once, recording shapes and views, and compiles the specialisation.
    private func compile(_ feeds: [String: Tensor], key: [String]) throws -> ([String: Tensor], Specialization) {
        var records: [String: ValueRecord] = [:]
        var small: [String: Tensor] = [:]
        var aliases = AliasSets()
        for (name, value) in feeds { records[name] = ValueRecord(shape: value.shape, dtype: value.dtype) }
        var sinceRelease = 0
        let outputs = try executor.run(feeds, observer: { index, inputs, outputs in
            let node = self.graph.nodes[index]
            // The allocator keeps freed intermediates mapped; handing them back every few tens of
            // MB keeps this one-off run's footprint near its live values.
            sinceRelease += outputs.reduce(0) { $0 + ($1?.count ?? 0) }
            if sinceRelease > 4 << 20 { releaseFreedMemory(); sinceRelease = 0 }
            for (name, value) in zip(node.outputs, outputs) where !name.isEmpty {
                guard let value else { continue }
                records[name] = ValueRecord(shape: value.shape, dtype: value.dtype)
                if value.count <= Specialization.fixedLimit { small[name] = value.detached() }
                // A value sharing memory with an input of the node that made it is a view of it.
                for (inputName, input) in zip(node.inputs, inputs) where !inputName.isEmpty {
                    if let input, input.storageIdentity == value.storageIdentity { aliases.join(name, inputName) }
                }
            }
        })
        // The recording run freed its intermediates; hand that memory back before the planned
        // buffer is allocated, so the two do not add up in the process's footprint.
        releaseFreedMemory()
        let specialization = try Specialization(plan: self, feeds: feeds, key: key, records: records, small: small, aliases: aliases)
        return (outputs, specialization)
    }
}

/// A fused step found a value whose shape differs from the one it was compiled for.
struct PlanMismatch: Error {}

/// Values that share memory (views), as disjoint sets.
struct AliasSets {
    var parent: [String: String] = [:]

    mutating func root(_ v: String) -> String {
        var r = v
        while let p = parent[r], p != r { r = p }
        var c = v
        while let p = parent[c], p != r { parent[c] = r; c = p }
        return r
    }

    mutating func join(_ a: String, _ b: String) {
        let ra = root(a), rb = root(b)
        if ra != rb { parent[ra] = rb }
    }
}

/// One compiled step.
final class PlanStep {
    enum Operand {
        case value(Int)
        case parameter(Parameter)
        /// A value this specialisation fixed (shape arithmetic).
        case constant(Tensor)
        case absent
    }

    enum Work {
        case node(op: any Operator, node: Node, parameters: [Parameter?])
        case conv(PreparedConvolution, inputShape: [Int], addendShape: [Int]?)
        case groupNorm(GroupNormFusion)
        case activation(FusedActivation, shape: [Int])
        case softmax(rows: Int, length: Int, shape: [Int])
        case matmul(MatMulFusion)
    }

    let work: Work
    let operands: [Operand]
    /// Slots written (one per node output for operator steps; -1 for unnamed outputs).
    let outputs: [Int]
    let nodes: [Int]
    let label: String
    /// Slots whose last reader this step is.
    var releases: [Int] = []
    /// Fused steps: where the output lives in the planned buffer, and the view handed on.
    var offset = 0
    var view: Tensor? = nil
    var gathered: [Tensor?]

    init(work: Work, operands: [Operand], outputs: [Int], nodes: [Int], label: String) {
        self.work = work
        self.operands = operands
        self.outputs = outputs
        self.nodes = nodes
        self.label = label
        gathered = [Tensor?](repeating: nil, count: operands.count)
    }

    var isFused: Bool {
        if case .node = work { return false }
        return true
    }
}

/// The plan for one set of input shapes.
final class Specialization: @unchecked Sendable {
    let key: [String]
    let graph: Graph
    var steps: [PlanStep] = []
    var slots: [Tensor?]
    var slotOf: [String: Int] = [:]
    let inputSlots: [(String, Int)]
    let outputOperands: [(String, PlanStep.Operand)]
    let arena: TensorStorage
    let scratch: UnsafeMutableBufferPointer<Float>
    /// Parameters whose values were read at compile time, with the value seen then.
    let snapshots: [(Parameter, Tensor)]
    /// Every parameter's shape when compiled: fixed shape arithmetic may have read any of them
    /// (structured pruning replaces weights with smaller ones).
    let parameterShapes: [(Parameter, [Int])]

    /// Largest value (elements) the recording run keeps for shape arithmetic.
    static let fixedLimit = 4096

    /// Ops whose output shape depends on the values of their first input.
    static let shapeFromData: Set<String> = ["NonZero", "Unique", "Compress", "NonMaxSuppression", "StringSplit", "Loop", "If", "Scan"]
    /// Ops whose output shape depends on the values of their other inputs (shape, axes, sizes,
    /// counts, pads): static only when those are constant or fixed.
    static let shapeFromValues: Set<String> = [
        "Reshape", "Expand", "ConstantOfShape", "Range", "Tile", "Slice", "Pad", "Resize", "Upsample", "OneHot", "Split",
        "Squeeze", "Unsqueeze", "TopK", "CenterCropPad", "ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd",
        "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare", "RandomNormalLike", "RandomUniformLike",
        "Bernoulli", "Multinomial", "MaxUnpool", "Col2Im", "AffineGrid", "DFT", "STFT", "MelWeightMatrix", "BlackmanWindow", "HannWindow", "HammingWindow",
    ]

    /// Input names, dtypes and shapes, and the thread count (scratch memory is sized by it).
    static func key(_ feeds: [String: Tensor]) -> [String] {
        feeds.map { "\($0.key):\($0.value.dtype):\($0.value.shape)" }.sorted() + ["threads:\(Parallel.threads)"]
    }

    init(plan: ExecutionPlan, feeds: [String: Tensor], key: [String], records: [String: ValueRecord], small: [String: Tensor],
         aliases: AliasSets) throws {
        self.key = key
        let graph = plan.graph
        self.graph = graph
        let order = try graph.topologicalOrder()
        let fed = Set(feeds.keys)
        // Values that only depend on input shapes (Shape, then arithmetic on it) are fixed for
        // this specialisation: their nodes do not run, their recorded values are used.
        var fixed: [String: Tensor] = [:]
        // Values whose shape follows from the feed and parameter shapes alone (so a Shape of
        // them is fixed too): not the outputs of ops whose output shape depends on input values
        // (NonZero, Reshape by a computed shape, ...) unless those values are fixed themselves.
        var shapeStatic = Set(feeds.keys)
        if plan.options.fuse {
            for index in order {
                let node = graph.nodes[index]
                let hasSubgraph = node.attributes.values.contains(where: { if case .graph = $0 { return true }; return false })
                func isConstant(_ name: String) -> Bool {
                    name.isEmpty || fixed[name] != nil || (!fed.contains(name) && graph.parameter(named: name).map { !$0.requiresGrad } == true)
                }
                func hasStaticShape(_ name: String) -> Bool {
                    name.isEmpty || shapeStatic.contains(name) || (!fed.contains(name) && graph.parameter(named: name) != nil)
                }
                let staticOutputs: Bool
                if hasSubgraph || Self.shapeFromData.contains(node.opType) {
                    staticOutputs = false
                } else if Self.shapeFromValues.contains(node.opType) {
                    staticOutputs = hasStaticShape(node.inputs.first ?? "") && node.inputs.dropFirst().allSatisfy(isConstant)
                } else {
                    staticOutputs = node.inputs.allSatisfy(hasStaticShape)
                }
                if staticOutputs { for output in node.outputs where !output.isEmpty { shapeStatic.insert(output) } }
                guard !ConstantFolding.nondeterministic.contains(node.opType), !hasSubgraph else { continue }
                let fromShape = ["Shape", "Size"].contains(node.opType) && hasStaticShape(node.inputs.first ?? "")
                // Trainable parameters stay live (training may change them between calls).
                let constantInputs = node.inputs.allSatisfy(isConstant)
                guard fromShape || (constantInputs && !node.inputs.isEmpty),
                      node.outputs.allSatisfy({ $0.isEmpty || small[$0] != nil }) else { continue }
                for output in node.outputs where !output.isEmpty { fixed[output] = small[output] }
            }
        }
        var fuser = Fuser(graph: graph, operators: plan.executor.operators, records: records, fed: fed, fixed: fixed)
        let groups = plan.options.fuse ? fuser.fuse(order: order) : []

        // Slots for every value a step reads or writes.
        var slotOf: [String: Int] = [:]
        func slot(_ name: String) -> Int {
            if let s = slotOf[name] { return s }
            slotOf[name] = slotOf.count
            return slotOf.count - 1
        }
        func operand(_ name: String) -> PlanStep.Operand {
            if name.isEmpty { return .absent }
            if let value = fixed[name] { return .constant(value) }
            if !fed.contains(name), let p = graph.parameter(named: name) { return .parameter(p) }
            return .value(slot(name))
        }
        var inputSlots: [(String, Int)] = []
        for name in feeds.keys.sorted() { inputSlots.append((name, slot(name))) }

        // Steps in topological order; a fused group runs where its last node would.
        var groupEnding: [Int: FusedGroup] = [:]
        var covered = Set<Int>()
        for g in groups {
            groupEnding[g.nodes.last!] = g
            covered.formUnion(g.nodes)
        }
        var steps: [PlanStep] = []
        var snapshotNames = Set<String>()
        var snapshots: [(Parameter, Tensor)] = []
        for index in order {
            if let g = groupEnding[index] {
                for n in g.nodes {
                    for input in graph.nodes[n].inputs where !input.isEmpty && !fed.contains(input) && !snapshotNames.contains(input) {
                        if let p = graph.parameter(named: input) {
                            snapshotNames.insert(input)
                            snapshots.append((p, p.value))
                        }
                    }
                }
                let work: PlanStep.Work
                switch g.kind {
                case let .conv(c):
                    let n = c.normalization.map { FoldedNormalization(scale: $0.scale.value, bias: $0.bias.value, mean: $0.mean.value,
                                                                      variance: $0.variance.value, epsilon: $0.epsilon) }
                    let prepared = try PreparedConvolution(weight: c.weight.value, bias: c.bias?.value, strides: c.strides, pads: c.pads,
                                                           dilations: c.dilations, groups: c.groups, normalization: n, activation: c.activation)
                    // The kernel writes into the planned buffer sized by the recorded shape.
                    guard let recorded = records[g.output]?.shape, try prepared.outputShape(input: c.inputShape) == recorded else {
                        throw TensorError.shapeMismatch(op: "ExecutionPlan", detail: "fused \(g.label) would write \(try prepared.outputShape(input: c.inputShape)) where the graph computed \(records[g.output]?.shape ?? [])")
                    }
                    work = .conv(prepared, inputShape: c.inputShape, addendShape: c.addendShape)
                case let .groupNorm(fusion):
                    work = .groupNorm(fusion)
                case let .activation(a):
                    work = .activation(a, shape: records[g.output]!.shape)
                case let .softmax(rows, length):
                    work = .softmax(rows: rows, length: length, shape: records[g.output]!.shape)
                case let .matmul(fusion):
                    work = .matmul(fusion)
                }
                steps.append(PlanStep(work: work, operands: g.inputs.map(operand), outputs: [slot(g.output)], nodes: g.nodes, label: g.label))
                continue
            }
            if covered.contains(index) { continue }
            let node = graph.nodes[index]
            if node.outputs.allSatisfy({ $0.isEmpty || fixed[$0] != nil }) { continue }
            let parameters = node.inputs.map { $0.isEmpty || fed.contains($0) ? nil : graph.parameter(named: $0) }
            steps.append(PlanStep(work: .node(op: plan.executor.operators[index], node: node, parameters: parameters),
                                  operands: node.inputs.map(operand), outputs: node.outputs.map { $0.isEmpty ? -1 : slot($0) },
                                  nodes: [index], label: node.label))
        }

        // Dead steps (e.g. shape arithmetic only a fused Reshape read) are dropped.
        var needed = Set<Int>()
        var outputOperands: [(String, PlanStep.Operand)] = []
        for output in graph.outputs {
            let o = operand(output.name)
            outputOperands.append((output.name, o))
            if case let .value(s) = o { needed.insert(s) }
        }
        var live: [PlanStep] = []
        for step in steps.reversed() where step.outputs.contains(where: { needed.contains($0) }) {
            live.append(step)
            for o in step.operands { if case let .value(s) = o { needed.insert(s) } }
        }
        steps = live.reversed()

        // Last reader of every slot; values sharing memory live as long as the longest of them.
        let names = slotOf.sorted { $0.value < $1.value }.map(\.key)
        var lastUse = [Int](repeating: -1, count: slotOf.count)
        for (i, step) in steps.enumerated() {
            for o in step.operands { if case let .value(s) = o { lastUse[s] = i } }
        }
        let keep = Int.max
        for (_, o) in outputOperands { if case let .value(s) = o { lastUse[s] = keep } }
        var aliasSets = aliases
        var groupEnd: [String: Int] = [:]
        for (s, name) in names.enumerated() {
            let r = aliasSets.root(name)
            groupEnd[r] = Swift.max(groupEnd[r] ?? -1, lastUse[s])
        }
        for (i, step) in steps.enumerated() {
            step.releases = step.operands.compactMap { o -> Int? in
                if case let .value(s) = o, lastUse[s] == i, !inputSlots.contains(where: { $0.1 == s }) { return s }
                return nil
            }
            // Outputs nobody reads are dropped at once.
            step.releases += step.outputs.filter { $0 >= 0 && lastUse[$0] == -1 }
        }

        // Planned buffer: fused outputs placed by first fit over their live intervals.
        var placements: [(offset: Int, size: Int, end: Int)] = []
        var total = 0
        var scratchCount = 0
        for (i, step) in steps.enumerated() where step.isFused {
            let s = step.outputs[0]
            guard let shape = records[names[s]]?.shape else { throw ModelGraphError.invalidGraph("no shape recorded for '\(names[s])'") }
            let size = (TensorCore.Shape.count(shape) + 15) / 16 * 16
            let end = Swift.max(groupEnd[aliasSets.root(names[s])] ?? i, i)
            placements.removeAll { $0.end < i }
            placements.sort { $0.offset < $1.offset }
            var offset = 0
            for p in placements {
                if p.offset - offset >= size { break }
                offset = Swift.max(offset, p.offset + p.size)
            }
            placements.append((offset, size, end))
            total = Swift.max(total, offset + size)
            step.offset = offset
            if case let .conv(conv, inputShape, _) = step.work {
                scratchCount = Swift.max(scratchCount, try conv.scratchCount(input: inputShape))
            }
        }
        arena = TensorStorage(capacity: total, dtype: .float32, zeroed: true)
        scratch = .allocate(capacity: Swift.max(scratchCount, 1))
        scratch.initialize(repeating: 0)
        for step in steps where step.isFused {
            step.view = Tensor(sharing: arena, offset: step.offset, shape: records[names[step.outputs[0]]]!.shape)
        }
        self.steps = steps
        self.slotOf = slotOf
        self.inputSlots = inputSlots
        self.outputOperands = outputOperands
        self.snapshots = snapshots
        parameterShapes = graph.initializers.map { ($0, $0.value.shape) }
        slots = [Tensor?](repeating: nil, count: slotOf.count)
    }

    deinit { scratch.deallocate() }

    func parametersUnchanged() -> Bool {
        snapshots.allSatisfy { p, seen in
            let v = p.value
            return v.storageIdentity == seen.storageIdentity && v.offset == seen.offset && v.shape == seen.shape
        } && parameterShapes.allSatisfy { p, shape in p.value.shape == shape }
    }

    func run(_ feeds: [String: Tensor], profiler: ((Int) -> Void)?) throws -> [String: Tensor] {
        defer { for i in slots.indices { slots[i] = nil } }
        for (name, s) in inputSlots { slots[s] = feeds[name] }
        let base = arena.pointer(as: Float.self)
        for (index, step) in steps.enumerated() {
            for (i, o) in step.operands.enumerated() {
                switch o {
                case let .value(s): step.gathered[i] = slots[s]
                case let .parameter(p): step.gathered[i] = p.value
                case let .constant(t): step.gathered[i] = t
                case .absent: step.gathered[i] = nil
                }
            }
            defer { for i in step.gathered.indices { step.gathered[i] = nil } }
            switch step.work {
            case let .node(op, node, parameters):
                let context = OperatorContext(node: node, training: false, inputParameters: parameters)
                let outputs: [Tensor?]
                do {
                    outputs = try op.run(step.gathered, context: context)
                } catch let error as ModelGraphError {
                    throw error
                } catch {
                    throw ModelGraphError.operatorFailed(node: node.label, underlying: error)
                }
                for (s, value) in zip(step.outputs, outputs) where s >= 0 { slots[s] = value }
            case let .conv(conv, inputShape, addendShape):
                let x = try Self.float(step.gathered[0], inputShape)
                let addend = try addendShape.map { try Self.float(step.gathered[1], $0) }
                let output = step.view!.shape
                let layout = try addend.map { try FusedAddend.describing($0, output: output) }
                try withExtendedLifetime((x, addend)) {
                    try conv.run(input: x.floatBase, shape: inputShape, output: base + step.offset,
                                 addend: layout.map { FusedAddend(base: addend!.floatBase, imageStride: $0.imageStride, channelStride: $0.channelStride, perPixel: $0.perPixel) },
                                 scratch: scratch)
                }
                slots[step.outputs[0]] = step.view
            case let .groupNorm(g):
                let x = try Self.float(step.gathered[0], g.shape)
                let plane = TensorCore.Shape.count(Array(g.shape.dropFirst(2)))
                g.scale.withUnsafeBufferPointer { scale in
                    g.shift.withUnsafeBufferPointer { shift in
                        FusedKernels.groupNorm(source: x.floatBase, destination: base + step.offset, batch: g.shape[0], channels: g.shape[1],
                                               plane: plane, groups: g.groups, epsilon: g.epsilon, scale: scale.baseAddress,
                                               shift: shift.baseAddress, activation: g.activation)
                    }
                }
                withExtendedLifetime(x) {}
                slots[step.outputs[0]] = step.view
            case let .activation(a, shape):
                let x = try Self.float(step.gathered[0], shape)
                FusedKernels.activation(a, source: x.floatBase, destination: base + step.offset, count: x.count)
                withExtendedLifetime(x) {}
                slots[step.outputs[0]] = step.view
            case let .matmul(f):
                let a = try Self.float(step.gathered[0], f.aShape), b = try Self.float(step.gathered[1], f.bShape)
                FusedKernels.batchedGemm(a: a.floatBase, aBatchStride: f.aStride, b: b.floatBase, bBatchStride: f.bStride,
                                         c: base + step.offset, batch: f.batch, m: f.m, n: f.n, k: f.k,
                                         transposeA: f.transposeA, transposeB: f.transposeB, alpha: f.alpha)
                withExtendedLifetime((a, b)) {}
                slots[step.outputs[0]] = step.view
            case let .softmax(rows, length, shape):
                let x = try Self.float(step.gathered[0], shape)
                FusedKernels.softmaxRows(source: x.floatBase, destination: base + step.offset, rows: rows, length: length)
                withExtendedLifetime(x) {}
                slots[step.outputs[0]] = step.view
            }
            for s in step.releases { slots[s] = nil }
            profiler?(index)
        }
        var result: [String: Tensor] = [:]
        let arenaIdentity = ObjectIdentifier(arena)
        for (name, o) in outputOperands {
            let value: Tensor?
            switch o {
            case let .value(s): value = slots[s]
            case let .parameter(p): value = p.value
            case let .constant(t): value = t
            case .absent: value = nil
            }
            guard let value else { throw ModelGraphError.invalidGraph("graph output '\(name)' was not produced") }
            // Planned memory is overwritten by the next call: hand out a copy.
            result[name] = value.storageIdentity == arenaIdentity ? value.materialized() : value
        }
        return result
    }

    /// A contiguous float32 tensor of the planned shape, or PlanMismatch.
    static func float(_ value: Tensor?, _ shape: [Int]) throws -> Tensor {
        guard let value, value.dtype == .float32, value.shape == shape else { throw PlanMismatch() }
        return value.contiguous()
    }
}
