import Foundation
import ModelGraph
import TensorCore

/// Builds an ONNX-shaped `Graph` (IR 8, opset 17) node by node. Learnable values and
/// BatchNormalization statistics become initializers (`Parameter`s); fixed values (shapes,
/// axes, frequencies) become `Constant` nodes, which import folds into non-trainable constants.
/// Random initial values come from Philox streams named by (seed, "init:" + parameter name), so
/// a parameter's values do not depend on the order the model is built in.
public final class GraphBuilder {
    public let seed: UInt64
    private var nodes: [Node] = []
    private var initializers: [Parameter] = []
    private var inputs: [ValueInfo] = []
    private var outputs: [ValueInfo] = []
    private var usedNames = Set<String>()

    public init(seed: UInt64) {
        self.seed = seed
    }

    /// Declares a graph input and returns its value name.
    @discardableResult
    public func input(_ name: String, dtype: DType, shape: [ModelGraph.Dimension]) -> String {
        inputs.append(ValueInfo(name: name, dtype: dtype, shape: shape))
        usedNames.insert(name)
        return name
    }

    /// Declares `value` a graph output.
    public func output(_ value: String, dtype: DType, shape: [ModelGraph.Dimension]) {
        outputs.append(ValueInfo(name: value, dtype: dtype, shape: shape))
    }

    /// A name not used yet for a value: `base`, or `base_1`, `base_2`, …
    func uniqueName(_ base: String) -> String {
        var name = base, index = 0
        while usedNames.contains(name) {
            index += 1
            name = "\(base)_\(index)"
        }
        usedNames.insert(name)
        return name
    }

    /// Appends a node named `name` and returns its output value names (named after the node;
    /// `outputNames` overrides them, e.g. for graph outputs).
    @discardableResult
    public func node(_ opType: String, _ name: String, inputs: [String], outputCount: Int = 1,
                     outputNames: [String]? = nil, attributes: [String: AttributeValue] = [:]) -> [String] {
        let nodeName = uniqueName(name)
        let outs = outputNames.map { $0.map { usedNames.insert($0); return $0 } }
            ?? (outputCount == 1 ? [nodeName] : (0..<outputCount).map { uniqueName("\(nodeName):\($0)") })
        nodes.append(Node(name: nodeName, opType: opType, inputs: inputs, outputs: outs, attributes: attributes))
        return outs
    }

    /// One-output node; returns its output value name.
    public func apply(_ opType: String, _ name: String, _ inputs: [String], output: String? = nil,
                      attributes: [String: AttributeValue] = [:]) -> String {
        node(opType, name, inputs: inputs, outputNames: output.map { [$0] }, attributes: attributes)[0]
    }

    /// A `Constant` node holding `tensor`.
    public func constant(_ name: String, _ tensor: Tensor) -> String {
        apply("Constant", name, [], attributes: ["value": .tensor(tensor)])
    }

    /// An int64 vector constant (shapes, axes, sizes).
    public func constant(_ name: String, int64 values: [Int]) -> String {
        // Shapes of vectors always match their value count.
        constant(name, (try? Tensor(shape: [values.count], scalars: values.map { Int64($0) })) ?? Tensor(zeros: [0], dtype: .int64))
    }

    /// An initializer with values uniform in [−bound, bound), as PyTorch's `kaiming_uniform_(a=√5)`
    /// (bound 1/√fan_in) and its bias initialisation draw them.
    public func uniformParameter(_ name: String, shape: [Int], bound: Double) throws -> String {
        _ = try Shape.checkedCount(shape, dtype: .float32, op: "initializer \(name)")
        var stream = RandomStream(seed: seed, purpose: "init:\(name)")
        let value = try Tensor.uniform(shape, low: -bound, high: bound, dtype: .float32, stream: &stream)
        return addParameter(Parameter(name: name, value: value))
    }

    /// An initializer filled with `value` (BatchNormalization scale 1, bias 0, statistics).
    public func filledParameter(_ name: String, shape: [Int], value: Double, trainable: Bool = true) -> String {
        addParameter(Parameter(name: name, value: Tensor(repeating: value, shape: shape, dtype: .float32), requiresGrad: trainable))
    }

    private func addParameter(_ parameter: Parameter) -> String {
        usedNames.insert(parameter.name)
        initializers.append(parameter)
        return parameter.name
    }

    /// The graph built so far.
    public func build(name: String) -> Graph {
        Graph(name: name, irVersion: 8, opsetImports: ["": 17], producerName: "winnow zoo",
              inputs: inputs, outputs: outputs, nodes: nodes, initializers: initializers)
    }
}
