/// ONNX `auto_pad` / `pads` resolution shared by Conv and the pooling operators.
enum AutoPad: String, Sendable {
    case notSet = "NOTSET", sameUpper = "SAME_UPPER", sameLower = "SAME_LOWER", valid = "VALID"

    init(node: Node) throws {
        let raw = try node.string("auto_pad", default: "NOTSET")
        guard let value = AutoPad(rawValue: raw) else {
            throw ModelGraphError.invalidAttribute(node: node.label, attribute: "auto_pad", detail: "unknown value '\(raw)' (NOTSET, SAME_UPPER, SAME_LOWER, VALID)")
        }
        self = value
    }

    /// Begin and end pads for each spatial axis.
    func pads(explicit: [Int]?, inputSpatial: [Int], kernel: [Int], strides: [Int], dilations: [Int]) -> (begin: [Int], end: [Int]) {
        let rank = inputSpatial.count
        switch self {
        case .notSet:
            let p = explicit ?? [Int](repeating: 0, count: 2 * rank)
            return (Array(p[0..<rank]), Array(p[rank..<(2 * rank)]))
        case .valid:
            return ([Int](repeating: 0, count: rank), [Int](repeating: 0, count: rank))
        case .sameUpper, .sameLower:
            var begin: [Int] = [], end: [Int] = []
            for i in 0..<rank {
                let out = (inputSpatial[i] + strides[i] - 1) / strides[i]
                let total = max(0, (out - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - inputSpatial[i])
                let small = total / 2
                if self == .sameUpper { begin.append(small); end.append(total - small) } else { begin.append(total - small); end.append(small) }
            }
            return (begin, end)
        }
    }
}
