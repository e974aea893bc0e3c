import TensorCore

extension Ops {
    /// ONNX Reshape: the shape comes from an int64 input (an attribute in opset 1). A 0 copies
    /// the input's size on that axis unless `allowzero` (opset 14+) makes it a literal 0; one
    /// -1 is inferred. Free for contiguous inputs.
    public struct Reshape: Operator {
        public static let opType = "Reshape"
        public static let versions = [1, 5, 13, 14, 19, 21, 23, 24, 25]
        let attributeShape: [Int]?
        let allowZero: Bool

        public init(node: Node, version: Int) throws {
            if version < 5 {
                guard let shape = try node.ints("shape") else {
                    throw ModelGraphError.invalidAttribute(node: node.label, attribute: "shape", detail: "the required attribute is missing")
                }
                attributeShape = shape
            } else {
                attributeShape = nil
            }
            allowZero = version >= 14 ? try node.int("allowzero", default: 0) != 0 : false
        }

        public func run(_ inputs: [Tensor?], context: OperatorContext) throws -> [Tensor?] {
            let data = try context.required(inputs, 0, "data")
            let requested = try attributeShape ?? context.integers(inputs, 1, "shape")
            return [try data.reshaped(Reshape.resolve(requested, input: data.shape, allowZero: allowZero, node: context.node))]
        }

        /// The requested shape with 0 entries copied from the input (unless `allowZero`); a -1
        /// is left for `Tensor.reshaped` to infer.
        static func resolve(_ requested: [Int], input: [Int], allowZero: Bool, node: Node) throws -> [Int] {
            var shape = requested
            for (axis, size) in requested.enumerated() {
                if size < -1 {
                    throw ModelGraphError.invalidAttribute(node: node.label, attribute: "shape",
                                                           detail: "size \(size) at axis \(axis) of \(requested); sizes must be ≥ -1")
                }
                if size == 0 && !allowZero {
                    guard axis < input.count else {
                        throw ModelGraphError.invalidAttribute(node: node.label, attribute: "shape",
                                                               detail: "0 at axis \(axis) of \(requested) copies an input axis, but the input \(input) has rank \(input.count)")
                    }
                    shape[axis] = input[axis]
                }
            }
            if allowZero && shape.contains(0) && shape.contains(-1) {
                throw ModelGraphError.invalidAttribute(node: node.label, attribute: "shape",
                                                       detail: "\(requested) has both 0 and -1 with allowzero=1, so -1 cannot be inferred")
            }
            return shape
        }

        public func channels(inputRanks: [Int?]) -> ChannelDescription {
            .opaque("Reshape: how axes regroup depends on the values of the shape input, which ranks do not give")
        }
    }
}
