import Foundation
import ModelGraph
import TensorCore
import XCTest

/// Operators added or extended for conformance stay differentiable: for a one-node graph whose
/// inputs are Float64 parameters, the executor's recorded gradients match central finite
/// differences of the same graph run in inference mode (an oracle that shares no gradient code).
final class ConformanceOpGradientTests: XCTestCase {
    /// A deterministic generator (SplitMix64) for test values, independent of the library's RNG.
    struct Values {
        var state: UInt64
        mutating func next() -> Double {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Double((z ^ (z >> 31)) >> 11) / Double(1 << 53)
        }
        /// `count` values in lo..<hi at least `margin` from every kink.
        mutating func tensor(_ shape: [Int], _ lo: Double = -2, _ hi: Double = 2, avoiding kinks: [Double] = [], margin: Double = 0.05) throws -> Tensor {
            var values: [Double] = []
            while values.count < shape.reduce(1, *) {
                let v = lo + (hi - lo) * next()
                if kinks.allSatisfy({ abs(v - $0) > margin }) { values.append(v) }
            }
            return try Tensor(shape: shape, scalars: values)
        }
    }

    /// Checks ∂(Σ y·w)/∂input for every differentiable input of one `opType` node.
    func check(_ opType: String, opset: Int = 17, attributes: [String: AttributeValue] = [:],
               inputs: [Tensor], constant: Set<Int> = [], tolerance: Double = 1e-6,
               file: StaticString = #filePath, line: UInt = #line) throws {
        let parameters = inputs.enumerated().map { index, value in
            Parameter(name: "in\(index)", value: value, requiresGrad: !constant.contains(index) && value.dtype == .float64)
        }
        let node = Node(name: "op", opType: opType, inputs: parameters.map(\.name), outputs: ["y"], attributes: attributes)
        let graph = Graph(opsetImports: ["": opset], outputs: [ValueInfo(name: "y")], nodes: [node], initializers: parameters)
        let executor = try Executor(graph: graph)

        let y = try XCTUnwrap(try executor.run([:], training: true)["y"], file: file, line: line)
        var weights = Values(state: 99)
        let w = try weights.tensor(y.shape, 0.5, 1.5)
        try (y * w).sum().backward()

        func loss() throws -> Double {
            let out = try XCTUnwrap(try executor.run([:])["y"])
            return zip(out.doubles(), w.doubles()).reduce(0) { $0 + $1.0 * $1.1 }
        }
        let epsilon = 1e-6
        for parameter in parameters where parameter.requiresGrad {
            let analytic = try XCTUnwrap(parameter.grad, "\(opType): no gradient reached \(parameter.name)", file: file, line: line).doubles()
            let base = parameter.value
            var values = base.doubles()
            for i in values.indices {
                let original = values[i]
                values[i] = original + epsilon
                parameter.value = try Tensor(shape: base.shape, scalars: values)
                let up = try loss()
                values[i] = original - epsilon
                parameter.value = try Tensor(shape: base.shape, scalars: values)
                let down = try loss()
                values[i] = original
                let numeric = (up - down) / (2 * epsilon)
                XCTAssertEqual(analytic[i], numeric, accuracy: tolerance * max(1, abs(numeric)),
                               "\(opType) ∂/∂\(parameter.name)[\(i)]", file: file, line: line)
            }
            parameter.value = base
        }
    }

    func testActivations() throws {
        var v = Values(state: 1)
        let x = try v.tensor([2, 3, 4], avoiding: [0])
        try check("Elu", attributes: ["alpha": .float(0.7)], inputs: [x])
        try check("Selu", inputs: [x])
        try check("Celu", opset: 12, attributes: ["alpha": .float(1.5)], inputs: [x])
        try check("Softsign", inputs: [x])
        try check("Softplus", inputs: [x])
        try check("ThresholdedRelu", attributes: ["alpha": .float(0.4)], inputs: [try v.tensor([3, 4], avoiding: [0.4])])
        try check("Shrink", opset: 9, attributes: ["lambd": .float(0.5), "bias": .float(0.2)],
                  inputs: [try v.tensor([3, 4], avoiding: [-0.5, 0.5])])
        try check("PRelu", opset: 16, inputs: [x, try v.tensor([4])])
        // Opset 6: a 1-D slope per channel of axis 1.
        try check("PRelu", opset: 6, inputs: [x, try v.tensor([3])])
    }

    func testTrigonometry() throws {
        var v = Values(state: 2)
        try check("Tan", inputs: [try v.tensor([5], -1.2, 1.2)])
        try check("Asin", inputs: [try v.tensor([5], -0.9, 0.9)])
        try check("Acos", inputs: [try v.tensor([5], -0.9, 0.9)])
        try check("Atan", inputs: [try v.tensor([5])])
        try check("Sinh", inputs: [try v.tensor([5])])
        try check("Cosh", inputs: [try v.tensor([5])])
        try check("Asinh", inputs: [try v.tensor([5])])
        try check("Acosh", inputs: [try v.tensor([5], 1.2, 3)])
        try check("Atanh", inputs: [try v.tensor([5], -0.9, 0.9)])
    }

    func testVariadicAndModulo() throws {
        var v = Values(state: 3)
        let a = try v.tensor([2, 3]), b = try v.tensor([3]), c = try v.tensor([2, 1])
        try check("Max", inputs: [a, b, c])
        try check("Min", inputs: [a, b, c])
        try check("Sum", inputs: [a, b, c])
        try check("Mean", inputs: [a, b, c])
        // Divisors away from 0 and quotients away from integers (where the remainder jumps).
        let divisor = try Tensor(shape: [3], scalars: [0.7, -1.3, 1.9])
        let dividend = try Tensor(shape: [2, 3], scalars: [1.5, 2.1, -0.4, -2.9, 0.2, 3.1])
        try check("Mod", attributes: ["fmod": .int(1)], inputs: [dividend, divisor])
        try check("Mod", attributes: ["fmod": .int(0)], inputs: [dividend, divisor])
    }

    func testConv3d() throws {
        var v = Values(state: 4)
        let x = try v.tensor([1, 4, 4, 3, 3]), w = try v.tensor([2, 2, 2, 2, 2]), bias = try v.tensor([2])
        try check("Conv", attributes: ["strides": .ints([2, 1, 1]), "pads": .ints([1, 0, 1, 0, 1, 1]),
                                       "dilations": .ints([1, 1, 2]), "group": .int(2)],
                  inputs: [x, w, bias])
    }

    func testComposedReductions() throws {
        var v = Values(state: 5)
        let x = try v.tensor([2, 3, 4], avoiding: [0])
        for keep in [0, 1] {
            let attributes: [String: AttributeValue] = ["axes": .ints([0, 2]), "keepdims": .int(keep)]
            try check("ReduceL1", attributes: attributes, inputs: [x])
            try check("ReduceL2", attributes: attributes, inputs: [x])
            try check("ReduceSumSquare", attributes: attributes, inputs: [x])
            try check("ReduceLogSumExp", attributes: attributes, inputs: [x])
            try check("ReduceProd", attributes: attributes, inputs: [x])
            try check("ReduceLogSum", attributes: attributes, inputs: [try v.tensor([2, 3, 4], 0.5, 2)])
        }
        // Opset 18: axes as an input; an odd count of factors exercises the product tree's carry.
        try check("ReduceProd", opset: 18, inputs: [try v.tensor([3, 5]), try Tensor(shape: [1], scalars: [Int64(1)])])
        try check("ReduceLogSumExp", opset: 18, inputs: [x, try Tensor(shape: [0], scalars: [Int64]())])
    }

    func testIndexingAndLayout() throws {
        var v = Values(state: 6)
        let x = try v.tensor([3, 4])
        // Repeated indices accumulate their gradients.
        let indices = try Tensor(shape: [2, 4], scalars: [Int64(0), 2, 1, -1, 2, 2, 0, 1])
        try check("GatherElements", attributes: ["axis": .int(0)], inputs: [x, indices])
        try check("Trilu", opset: 14, attributes: ["upper": .int(0)], inputs: [x, try Tensor(shape: [], scalars: [Int64(1)])])
        for (exclusive, reverse) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
            try check("CumSum", opset: 14, attributes: ["exclusive": .int(exclusive), "reverse": .int(reverse)],
                      inputs: [try v.tensor([2, 3, 2]), try Tensor(shape: [], scalars: [Int64(1)])])
        }
        let image = try v.tensor([1, 8, 2, 3])
        try check("DepthToSpace", opset: 13, attributes: ["blocksize": .int(2), "mode": .string("CRD")], inputs: [image])
        try check("DepthToSpace", opset: 13, attributes: ["blocksize": .int(2)], inputs: [image])
        try check("SpaceToDepth", opset: 13, attributes: ["blocksize": .int(2)], inputs: [try v.tensor([1, 2, 4, 6])])
    }

    func testLosses() throws {
        var v = Values(state: 7)
        let scores = try v.tensor([3, 4, 2])
        let labels = try Tensor(shape: [3, 2], scalars: [Int64(0), 3, 2, 1, 1, 0])
        let weight = try v.tensor([4], 0.5, 1.5)
        for reduction in ["none", "sum", "mean"] {
            let attributes: [String: AttributeValue] = ["reduction": .string(reduction), "ignore_index": .int(1)]
            try check("SoftmaxCrossEntropyLoss", opset: 13, attributes: attributes, inputs: [scores, labels, weight])
            try check("NegativeLogLikelihoodLoss", opset: 13, attributes: attributes, inputs: [scores, labels, weight])
            try check("NegativeLogLikelihoodLoss", opset: 13, attributes: ["reduction": .string(reduction)], inputs: [scores, labels])
        }
    }

    func testSelectionAndNormalization() throws {
        var v = Values(state: 8)
        let x = try v.tensor([3, 4])
        try check("Compress", opset: 11, attributes: ["axis": .int(1)],
                  inputs: [x, try Tensor(shape: [3], scalars: [true, false, true])])
        try check("TopK", opset: 11, attributes: ["axis": .int(1), "largest": .int(0)],
                  inputs: [x, try Tensor(shape: [1], scalars: [Int64(2)])])
        try check("GatherND", opset: 12, attributes: ["batch_dims": .int(1)],
                  inputs: [try v.tensor([2, 3, 2]), try Tensor(shape: [2, 2, 1], scalars: [Int64(2), 0, 1, 1])])
        try check("ReverseSequence", opset: 10, attributes: ["batch_axis": .int(0), "time_axis": .int(1)],
                  inputs: [x, try Tensor(shape: [3], scalars: [Int64(4), 2, 0])])
        try check("LRN", opset: 13, attributes: ["size": .int(3), "alpha": .float(0.5), "beta": .float(0.75), "bias": .float(1)],
                  inputs: [try v.tensor([1, 4, 2, 2])])
        try check("MeanVarianceNormalization", opset: 13, inputs: [try v.tensor([2, 3, 2, 2])])
    }

    func testScatters() throws {
        var v = Values(state: 9)
        let data = try v.tensor([3, 4])
        let indices = try Tensor(shape: [2, 2], scalars: [Int64(1), -1, 0, 2])
        let updates = try v.tensor([2, 2])
        for reduction in ["none", "add"] {
            try check("ScatterElements", opset: 18, attributes: ["axis": .int(1), "reduction": .string(reduction)],
                      inputs: [data, indices, updates])
            try check("ScatterND", opset: 18, attributes: ["reduction": .string(reduction)],
                      inputs: [data, try Tensor(shape: [2, 1], scalars: [Int64(2), 0]), try v.tensor([2, 4])])
        }
        try check("Scatter", opset: 9, inputs: [data, indices, updates])
        try check("MaxUnpool", opset: 11, attributes: ["kernel_shape": .ints([2, 2]), "strides": .ints([2, 2])],
                  inputs: [try v.tensor([1, 1, 2, 2]), try Tensor(shape: [1, 1, 2, 2], scalars: [Int64(0), 3, 9, 14]),
                           try Tensor(shape: [4], scalars: [Int64(1), 1, 5, 5])])
    }

    func testRecurrentLayers() throws {
        var v = Values(state: 10)
        let x = try v.tensor([3, 2, 2]), lengths = try Tensor(shape: [2], scalars: [Int32(3), 2])
        let h = 2
        try check("LSTM", opset: 14, attributes: ["hidden_size": .int(h), "direction": .string("bidirectional")],
                  inputs: [x, try v.tensor([2, 4 * h, 2], -0.5, 0.5), try v.tensor([2, 4 * h, h], -0.5, 0.5), try v.tensor([2, 8 * h], -0.3, 0.3),
                           lengths, try v.tensor([2, 2, h]), try v.tensor([2, 2, h]), try v.tensor([2, 3 * h], -0.3, 0.3)])
        try check("GRU", opset: 14, attributes: ["hidden_size": .int(h), "linear_before_reset": .int(1), "direction": .string("reverse")],
                  inputs: [x, try v.tensor([1, 3 * h, 2], -0.5, 0.5), try v.tensor([1, 3 * h, h], -0.5, 0.5), try v.tensor([1, 6 * h], -0.3, 0.3)])
        try check("RNN", opset: 14, attributes: ["hidden_size": .int(h)],
                  inputs: [x, try v.tensor([1, h, 2], -0.5, 0.5), try v.tensor([1, h, h], -0.5, 0.5)])
    }

    func testGridSample() throws {
        var v = Values(state: 11)
        let x = try v.tensor([1, 2, 3, 4])
        for (mode, padding, align) in [("bilinear", "zeros", 0), ("bilinear", "border", 1), ("bicubic", "reflection", 0), ("bicubic", "zeros", 1)] {
            // Reaches past the borders so that clamping and reflection are exercised.
            let grid = try v.tensor([1, 2, 3, 2], -1.3, 1.3)
            try check("GridSample", opset: 16,
                      attributes: ["mode": .string(mode), "padding_mode": .string(padding), "align_corners": .int(align)],
                      inputs: [x, grid], tolerance: 1e-5)
        }
    }

    func testSpectralTransforms() throws {
        var v = Values(state: 12)
        try check("DFT", opset: 17, attributes: ["axis": .int(1)], inputs: [try v.tensor([2, 5, 1])])
        try check("DFT", opset: 17, attributes: ["axis": .int(1), "inverse": .int(1)],
                  inputs: [try v.tensor([1, 4, 3, 2]), try Tensor(shape: [], scalars: [Int64(6)])])
        try check("DFT", opset: 17, attributes: ["axis": .int(2), "onesided": .int(1)], inputs: [try v.tensor([1, 3, 6, 2])])
        try check("STFT", opset: 17, inputs: [try v.tensor([1, 12, 1]), try Tensor(shape: [], scalars: [Int64(3)]), try v.tensor([4])])
    }

    func testDeterminantAndRoiAlign() throws {
        var v = Values(state: 13)
        try check("Det", opset: 11, inputs: [try v.tensor([2, 3, 3])])
        // A singular matrix (row 3 = row 1 + row 2): the gradient is the cofactor matrix.
        try check("Det", opset: 11, inputs: [try Tensor(shape: [3, 3], scalars: [1.0, 2, 3, 0.5, -1, 2, 1.5, 1, 5])])
        let rois = try Tensor(shape: [2, 4], scalars: [0.3, 0.2, 2.6, 2.9, 1.1, 0.4, 3.2, 1.7])
        for mode in ["avg", "max"] {
            try check("RoiAlign", opset: 16, attributes: ["mode": .string(mode), "output_height": .int(2), "output_width": .int(2), "sampling_ratio": .int(2)],
                      inputs: [try v.tensor([2, 2, 4, 5]), rois, try Tensor(shape: [2], scalars: [Int64(1), 0])], constant: [1])
        }
    }
}
