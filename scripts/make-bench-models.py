#!/usr/bin/env python3
"""Builds the models `winnow bench infer` is measured on, with pip `onnx` (no torch).

    make-bench-models.py OUTDIR

Writes:
  OUTDIR/resnet20.onnx  CIFAR-style ResNet-20 (He et al. 2016, section 4.2): 3x32x32 input, a 3x3
                        conv stem with 16 channels, three stages of three basic blocks (16, 32, 64
                        channels, stride 2 at the start of stages 2 and 3, 1x1 conv + BN projection
                        shortcuts where the shape changes), global average pool, Flatten, Gemm to 10
                        classes. BatchNormalization unfolded (running statistics), as PyTorch's
                        dynamo exporter writes it. IR 8 / opset 17, batch dimension `N`.
  OUTDIR/unet32.onnx    the DDPM UNet `unet_matmul` of make-test-models.py (timestep embedding,
                        GroupNorm as InstanceNormalization + Reshape + Mul/Add, SiLU as
                        Sigmoid*Mul, MatMul + Softmax attention, Resize-nearest up with a Concat
                        skip), the same weights, with its image input and output declared at
                        4x32x32 instead of 16x16 (the graph computes its shapes from Shape nodes).

Every model is checked with the pip onnx checker and run once by onnxruntime. Seeded: the same
command writes the same bytes.
"""

import argparse
import importlib.util
import math
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper
import onnxruntime as ort

SEED = 20240913


def load_test_models():
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "make-test-models.py")
    spec = importlib.util.spec_from_file_location("make_test_models", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def resnet20(tm):
    rng = np.random.default_rng(SEED)
    b = tm.Builder(rng)
    eps = 1e-5

    def conv_bn(x, cin, cout, k, stride, scope):
        w = b.init(f"{scope}.conv.weight", b.he((cout, cin, k, k), cin * k * k))
        y = b.node("Conv", [x, w], [f"/{scope}/Conv_output_0"], f"/{scope}/Conv",
                   kernel_shape=[k, k], strides=[stride, stride], pads=[k // 2] * 4, dilations=[1, 1], group=1)
        gamma, beta, mean, var = tm.bn_params(rng, cout)
        names = [b.init(f"{scope}.bn.{p}", a) for p, a in
                 (("weight", gamma), ("bias", beta), ("running_mean", mean), ("running_var", var))]
        return b.node("BatchNormalization", [y] + names, [f"/{scope}/BatchNormalization_output_0"],
                      f"/{scope}/BatchNormalization", epsilon=eps, momentum=0.9)

    def relu(x, scope):
        return b.node("Relu", [x], [f"/{scope}/Relu_output_0"], f"/{scope}/Relu")

    def block(x, cin, cout, stride, scope):
        h = relu(conv_bn(x, cin, cout, 3, stride, f"{scope}.conv1"), f"{scope}.relu1")
        h = conv_bn(h, cout, cout, 3, 1, f"{scope}.conv2")
        skip = x if stride == 1 and cin == cout else conv_bn(x, cin, cout, 1, stride, f"{scope}.shortcut")
        s = b.node("Add", [h, skip], [f"/{scope}/Add_output_0"], f"/{scope}/Add")
        return relu(s, f"{scope}.relu2")

    h = relu(conv_bn("input", 3, 16, 3, 1, "stem"), "stem")
    channels = 16
    for stage, width in enumerate((16, 32, 64)):
        for i in range(3):
            stride = 2 if stage > 0 and i == 0 else 1
            h = block(h, channels, width, stride, f"layer{stage + 1}.{i}")
            channels = width
    h = b.node("GlobalAveragePool", [h], ["/pool/GlobalAveragePool_output_0"], "/pool/GlobalAveragePool")
    h = b.node("Flatten", [h], ["/Flatten_output_0"], "/Flatten", axis=1)
    fcw = b.init("fc.weight", b.he((10, 64), 64))
    fcb = b.init("fc.bias", b.uniform((10,), -0.1, 0.1))
    b.node("Gemm", [h, fcw, fcb], ["logits"], "/fc/Gemm", alpha=1.0, beta=1.0, transB=1)
    graph = helper.make_graph(b.nodes, "resnet20", [tm.batch_dim_input("input", TensorProto.FLOAT, [3, 32, 32])],
                              [tm.batch_dim_input("logits", TensorProto.FLOAT, [10])], b.initializers)
    model = tm.make_model(graph, 8, 17)
    feeds = {"input": np.random.default_rng(SEED + 1).standard_normal((2, 3, 32, 32)).astype(np.float32)}
    return model, feeds


def unet32(tm):
    model, _ = tm.unet(False)
    for value in list(model.graph.input) + list(model.graph.output):
        dims = value.type.tensor_type.shape.dim
        if len(dims) == 4:
            dims[2].dim_value = 32
            dims[3].dim_value = 32
    rng = np.random.default_rng(SEED + 2)
    feeds = {"x": rng.standard_normal((2, 4, 32, 32)).astype(np.float32), "t": rng.integers(0, 1000, 2).astype(np.int64)}
    return model, feeds


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("outdir")
    args = parser.parse_args()
    os.makedirs(args.outdir, exist_ok=True)
    tm = load_test_models()
    for name, (model, feeds) in (("resnet20", resnet20(tm)), ("unet32", unet32(tm))):
        path = os.path.join(args.outdir, f"{name}.onnx")
        onnx.save_model(model, path)
        onnx.checker.check_model(path, full_check=True)
        session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        outputs = session.run(None, feeds)
        assert all(np.all(np.isfinite(o)) for o in outputs), f"{name}: non-finite output"
        params = sum(int(np.prod(t.dims)) for t in model.graph.initializer)
        print(f"{path}: {len(model.graph.node)} nodes, {params} parameter values, outputs {[o.shape for o in outputs]}",
              file=sys.stderr)


if __name__ == "__main__":
    main()
