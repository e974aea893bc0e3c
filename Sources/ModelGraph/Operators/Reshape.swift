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
            .opaque("Reshape: how axes regroup depends on the input shape and the shape tensor, which are not known here")
        }

        public func channels(_ query: ChannelQuery) -> ChannelDescription {
            guard let input = query.shape(0), !input.isEmpty, let requested = attributeShape ?? query.integers(1) else {
                return channels(inputRanks: query.inputRanks)
            }
            guard let resolved = try? Reshape.resolve(requested, input: input, allowZero: allowZero, node: Node(name: "", opType: "Reshape", inputs: [], outputs: [])),
                  let output = Reshape.inferred(resolved, count: TensorCore.Shape.count(input)) else {
                return .opaque("Reshape: the shape \(requested) does not fit the input \(input)")
            }
            return Reshape.describe(input: input, output: output)
        }

        /// `shape` with its -1 filled in, or nil when it cannot hold `count` elements.
        static func inferred(_ shape: [Int], count: Int) -> [Int]? {
            let known = shape.filter { $0 != -1 }.reduce(1, *)
            guard let hole = shape.firstIndex(of: -1) else { return known == count ? shape : nil }
            guard known > 0, count % known == 0 else { return nil }
            var out = shape
            out[hole] = count / known
            return out
        }

        /// How the channel axis 1 of `input` lands in `output`, found from the products of the
        /// axes before it (the batch) and the sizes around it.
        static func describe(input: [Int], output: [Int]) -> ChannelDescription {
            guard input.count >= 2 else { return .opaque("Reshape: the input has no channel axis") }
            let channels = input[1]
            let batch = input[0]
            let spatial = input.dropFirst(2).reduce(1, *)
            // The output axis that starts right after the batch elements.
            var prefix = 1, axis = 0
            repeat { prefix *= output[axis]; axis += 1 } while axis < output.count && prefix < batch
            guard prefix == batch, axis < output.count, channels > 1 else {
                return .opaque("Reshape \(input) → \(output) merges the channel axis with the batch axis")
            }
            let batchMap: [ChannelDescription.Mapping] = axis == 1 ? [.passthrough(input: 0, inputAxis: 0, output: 0, outputAxis: 0)] : []
            let size = output[axis]
            let rest = output[(axis + 1)...].reduce(1, *)
            if size == channels && rest == spatial {
                return ChannelDescription(mappings: batchMap + [.passthrough(input: 0, inputAxis: 1, output: 0, outputAxis: axis)])
            }
            if size % channels == 0 && size / channels > 1 && spatial % (size / channels) == 0 && rest == spatial / (size / channels) {
                return ChannelDescription(mappings: batchMap + [.expanded(input: 0, inputAxis: 1, output: 0, outputAxis: axis, factor: size / channels)],
                                          rewrites: ["shape"])
            }
            if size > 1 && size < channels && channels % size == 0 && rest == (channels / size) * spatial {
                // (N, C, H, W) → (N, G, C/G·H·W): GroupNorm exported as InstanceNormalization.
                return ChannelDescription(mappings: batchMap + [.regrouped(input: 0, inputAxis: 1, output: 0, outputAxis: axis, groups: size)],
                                          rewrites: ["shape"])
            }
            if size > channels && size % channels == 0 && (size / channels) * rest == spatial {
                // (N, G, C/G·H·W) → (N, C, H, W): the way back; the input's axis 1 holds the groups.
                return ChannelDescription(mappings: batchMap + [.regrouped(input: 0, inputAxis: 1, output: 0, outputAxis: axis, groups: channels)],
                                          rewrites: ["shape"])
            }
            return .opaque("Reshape \(input) → \(output) mixes the channel axis with other axes")
        }
    }
}
