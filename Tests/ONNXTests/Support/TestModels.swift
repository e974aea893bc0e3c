import Foundation
import XCTest
import WinnowTestSupport

/// Small real models built by pip onnx at test time, in the two shapes PyTorch exports take:
/// `cnn.onnx` (legacy exporter: IR 8, opset 17, anonymous initializer names, BatchNormalization,
/// Constant / ConstantOfShape chains) and `dynamo.onnx` (dynamo exporter: IR 10, opset 18,
/// every tensor in `dynamo.onnx.data`, ReduceMean with `axes` as an input, path-like node names).
enum TestModels {
    static let builder = PythonOracle.prelude + #"""
    out = sys.argv[1]
    rng = np.random.default_rng(1234)
    def init(name, array):
        return numpy_helper.from_array(np.asarray(array), name=name)
    def f32(*shape, scale=0.5):
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    # Legacy style.
    inits = [
        init("onnx::Conv_101", f32(8, 3, 3, 3)), init("onnx::Conv_102", f32(8)),
        init("bn.weight", (1 + 0.1 * rng.standard_normal(8)).astype(np.float32)), init("bn.bias", f32(8, scale=0.1)),
        init("bn.running_mean", f32(8, scale=0.1)), init("bn.running_var", (1 + rng.random(8)).astype(np.float32)),
        init("onnx::Conv_103", f32(8, 8, 1, 1)),
        init("fc.weight", f32(4, 8)), init("fc.bias", f32(4)),
    ]
    nodes = [
        helper.make_node("Conv", ["input", "onnx::Conv_101", "onnx::Conv_102"], ["/conv1/Conv_output_0"], name="/conv1/Conv",
                         kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[1, 1]),
        helper.make_node("BatchNormalization", ["/conv1/Conv_output_0", "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var"],
                         ["bn_out"], name="bn", epsilon=1e-5, momentum=0.9),
        helper.make_node("Relu", ["bn_out"], ["relu_out"], name="relu"),
        helper.make_node("MaxPool", ["relu_out"], ["pool_out"], name="pool", kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Conv", ["pool_out", "onnx::Conv_103"], ["conv2_out"], name="conv2", kernel_shape=[1, 1]),
        helper.make_node("Add", ["conv2_out", "pool_out"], ["res_out"], name="residual"),
        helper.make_node("GlobalAveragePool", ["res_out"], ["gap_out"], name="gap"),
        helper.make_node("Constant", [], ["shape_const"], name="shape_const",
                         value=numpy_helper.from_array(np.array([-1, 8], dtype=np.int64))),
        helper.make_node("Reshape", ["gap_out", "shape_const"], ["flat"], name="reshape"),
        helper.make_node("Gemm", ["flat", "fc.weight", "fc.bias"], ["logits0"], name="fc", transB=1),
        helper.make_node("Constant", [], ["bias_shape"], name="bias_shape", value=numpy_helper.from_array(np.array([4], dtype=np.int64))),
        helper.make_node("ConstantOfShape", ["bias_shape"], ["bias_fill"], name="fill",
                         value=numpy_helper.from_array(np.array([0.25], dtype=np.float32))),
        helper.make_node("Add", ["logits0", "bias_fill"], ["logits"], name="shift"),
        helper.make_node("Softmax", ["logits"], ["probs"], name="softmax", axis=1),
    ]
    graph = helper.make_graph(nodes, "torch_jit", [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 3, 8, 8])],
                              [helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["N", 4])], inits,
                              value_info=[helper.make_tensor_value_info("flat", TensorProto.FLOAT, ["N", 8])])
    model = helper.make_model(graph, ir_version=8, opset_imports=[helper.make_opsetid("", 17)], producer_name="pytorch",
                              producer_version="2.1.0")
    onnx.checker.check_model(model, full_check=True)
    onnx.save_model(model, os.path.join(out, "cnn.onnx"))

    # Dynamo style.
    # `axes` comes from a Constant node: onnxruntime's shape inference cannot read it from an
    # external file.
    inits = [init("conv.weight", f32(6, 3, 3, 3)), init("conv.bias", f32(6)),
             init("head.weight", f32(6, 5)), init("head.bias", f32(5))]
    nodes = [
        helper.make_node("Constant", [], ["axes"], name="/pool/Constant",
                         value=numpy_helper.from_array(np.array([2, 3], dtype=np.int64))),
        helper.make_node("Conv", ["x", "conv.weight", "conv.bias"], ["conv"], name="/layer1/conv/Conv", pads=[1, 1, 1, 1]),
        helper.make_node("Sigmoid", ["conv"], ["sig"], name="/layer1/act/Sigmoid"),
        helper.make_node("Mul", ["conv", "sig"], ["silu"], name="/layer1/act/Mul"),
        helper.make_node("ReduceMean", ["silu", "axes"], ["pooled"], name="/pool/ReduceMean", keepdims=0),
        helper.make_node("MatMul", ["pooled", "head.weight"], ["mm"], name="/head/MatMul"),
        helper.make_node("Add", ["mm", "head.bias"], ["y"], name="/head/Add"),
    ]
    graph = helper.make_graph(nodes, "main_graph", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 3, 6, 6])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 5])], inits)
    model = helper.make_model(graph, ir_version=10, opset_imports=[helper.make_opsetid("", 18)], producer_name="pytorch",
                              producer_version="2.5.0")
    onnx.checker.check_model(model, full_check=True)
    onnx.save_model(model, os.path.join(out, "dynamo.onnx"), save_as_external_data=True, all_tensors_to_one_file=True,
                    location="dynamo.onnx.data", size_threshold=0)
    """#

    /// Builds both models into `directory`.
    static func build(in directory: URL) throws {
        try PythonOracle.run(builder, name: "models", in: directory, arguments: [directory.path])
    }

    /// onnxruntime's outputs on the original and on an exported model for the same seeded
    /// input, compared: `compare.py ORIGINAL EXPORTED INPUT_NAME N C H W`.
    static let compareScript = PythonOracle.prelude + #"""
    import onnxruntime as ort
    original, exported, name = sys.argv[1], sys.argv[2], sys.argv[3]
    shape = [int(v) for v in sys.argv[4:]]
    x = np.random.default_rng(77).standard_normal(shape).astype(np.float32)
    options = ort.SessionOptions(); options.intra_op_num_threads = 1; options.log_severity_level = 3
    def run(path):
        session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
        return session.run(None, {name: x})
    a, b = run(original), run(exported)
    assert len(a) == len(b)
    diffs = [float(np.max(np.abs(p - q))) for p, q in zip(a, b)]
    scales = [float(np.max(np.abs(p))) for p in a]
    print(json.dumps({"max_abs_diff": max(diffs), "scale": max(scales), "outputs": len(a)}))
    """#
}
