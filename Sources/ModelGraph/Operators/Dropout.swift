import TensorCore

extension Ops {
    /// ONNX Dropout. In inference it is the identity (mask all true). When the executor runs in
    /// training mode and the ratio is above 0, each element is kept with probability 1 − ratio
    /// (drawn from the node's random stream) and scaled by 1/(1 − ratio).
    ///
    /// The executor's mode decides, not the opset-12+ `training_mode` input: exporters freeze
    /// that input to the mode the model was exported in, while Winnow trains and evaluates the
    /// same graph. Opsets 1/6 `is_test=1` turns dropping off for good.
    public struct Dropout: Operator {
        public static let opType = "Dropout"
        public static let versions = [1, 6, 7, 10, 12, 13, 22]
        let attributeRatio: Double
        let ratioFromInput: Bool
        let isTest: Bool
        /// Before opset 10 the mask has the data's type (1/0); from 10 it is Bool.
        let boolMask: Bool

        public init(node: Node, version: Int) throws {
            ratioFromInput = version >= 12
            attributeRatio = ratioFromInput ? 0.5 : try node.float("ratio", default: 0.5)
            isTest = version < 7 ? try node.int("is_test", default: 0) != 0 : false
            boolMask = version >= 10
            try Dropout.check(ratio: attributeRatio, node: node, attribute: "ratio")
        }

        static func check(ratio: Double, node: Node, attribute: String) throws {
            guard ratio >= 0 && ratio < 1 else {
                throw ModelGraphError.invalidAttribute(node: node.label, attribute: attribute,
                                                       detail: "ratio \(ratio) must lie in [0, 1)")
            }
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let x = try context.required(inputs, 0, "data")
            var ratio = attributeRatio
            if ratioFromInput, inputs.count > 1, let r = inputs[1] {
                ratio = try r.item()
                try Dropout.check(ratio: ratio, node: context.node, attribute: "input 1 (ratio)")
            }
            let wantsMask = context.node.outputs.count > 1 && !context.node.outputs[1].isEmpty
            guard context.training && !isTest && ratio > 0 else {
                let mask = wantsMask ? (boolMask ? Tensor(repeating: 1, shape: x.shape, dtype: .bool)
                                                 : Tensor(repeating: 1, shape: x.shape, dtype: x.dtype)) : nil
                return [x, mask]
            }
            guard x.dtype.isFloatingCompute else { throw TensorError.unsupportedDType(op: "Dropout (training)", dtype: x.dtype) }
            guard var stream = context.random else {
                throw ModelGraphError.invalidAttribute(node: context.node.label, attribute: "ratio",
                                                       detail: "dropping in training mode needs a random stream; pass `random:` to Executor.run")
            }
            let keep = try Tensor.bernoulli(x.shape, probability: 1 - ratio, stream: &stream)
            let scale = try keep.cast(to: x.dtype).multiplying(1 / (1 - ratio))
            let y = try x.multiplying(scale)
            return [y, wantsMask ? (boolMask ? keep : try keep.cast(to: x.dtype)) : nil]
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription { .elementwise }
    }
}
