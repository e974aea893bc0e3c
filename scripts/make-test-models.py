#!/usr/bin/env python3
"""Builds Winnow's real-model parity fixtures with pip `onnx` (no torch) and their onnxruntime outputs.

    make-test-models.py OUTDIR [--effnet PATH]

Writes into OUTDIR one folder per model (the .onnx file, any external .data file, inputs and
onnxruntime outputs as .npy) and OUTDIR/manifest.json listing them:

    {"models": [{"name", "file", "description", "irVersion", "opset", "cases": [{"name",
                 "inputs": {NAME: FILE}, "outputs": {NAME: FILE}}]}]}

File paths are relative to OUTDIR, except an absolute `file` (the --effnet model, read in place).

The models imitate what PyTorch's two exporters write (DESIGN.md: ONNX files):
  resnet_legacy       IR 8 / opset 17, BatchNormalization folded into Conv, `onnx::Conv_123`
                      initializers, `Conv_4` node names, numbered values.
  resnet_legacy_bn    the same network with BatchNormalization unfolded (running statistics).
  resnet_dynamo       IR 10 / opset 18, `/layer1/conv/Conv` names, ReduceMean with `axes` as an
                      input, every initializer in one external `.data` file.
  unet_matmul         DDPM-style UNet, opset 17: sinusoidal timestep embedding, GroupNorm as
                      InstanceNormalization + Reshape + Mul/Add, SiLU as Sigmoid*Mul, strided Conv
                      down, Resize-nearest up with a Concat skip, attention via MatMul + Softmax
                      scaled by Div(sqrt(C)) computed from a Shape/Gather/Cast chain; `t` int64.
  unet_einsum         the same with Einsum attention, a Mul scale, Resize by `sizes` computed from
                      Shape, and `t` float32.
  grad_small          Conv, BatchNormalization (unfolded), Reshape, Gemm, Softmax: gradient checks.
  grad_small_f64      the same model in float64 (gradient checks in Float64); its outputs come
                      from pip onnx's reference evaluator (onnxruntime has no float64 Conv).
  unet_*_f64          the UNets in float64 (same weights and inputs), reference evaluator outputs.
Every model has a symbolic batch dimension `N`; cases run batch 1 and batch 3.

With --effnet PATH it also writes `effnet` cases (batch 2, inputs uniform in [-1, 1] at 64x64 and
224x224) for that file, read in place (not copied).

Everything is seeded: the same command writes the same bytes.
"""

import argparse
import json
import math
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from onnx.reference import ReferenceEvaluator
import onnxruntime as ort

SEED = 20240611


# ---------------------------------------------------------------------------------------------
# Small graph-building helper

class Builder:
    """Collects nodes and initializers; names follow one of the exporter styles."""

    def __init__(self, rng, dtype=np.float32):
        self.rng = rng
        self.dtype = dtype
        self.nodes = []
        self.initializers = []
        self.counter = 0

    def fresh(self, prefix="v"):
        self.counter += 1
        return f"{prefix}{self.counter}"

    def init(self, name, array):
        self.initializers.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def node(self, op, inputs, outputs, name, **attrs):
        self.nodes.append(helper.make_node(op, inputs, outputs, name=name, **attrs))
        return outputs[0] if len(outputs) == 1 else outputs

    def he(self, shape, fan_in):
        return (self.rng.standard_normal(shape) * math.sqrt(2.0 / fan_in)).astype(self.dtype)

    def uniform(self, shape, low, high):
        return self.rng.uniform(low, high, shape).astype(self.dtype)


def bn_params(rng, channels, dtype=np.float32):
    gamma = rng.uniform(0.5, 1.5, channels).astype(dtype)
    beta = rng.uniform(-0.2, 0.2, channels).astype(dtype)
    mean = rng.uniform(-0.3, 0.3, channels).astype(dtype)
    var = rng.uniform(0.5, 2.0, channels).astype(dtype)
    return gamma, beta, mean, var


def fold_bn(weight, gamma, beta, mean, var, eps):
    scale = gamma / np.sqrt(var.astype(np.float64) + eps)
    w = (weight.astype(np.float64) * scale[:, None, None, None]).astype(weight.dtype)
    b = (beta.astype(np.float64) - mean.astype(np.float64) * scale).astype(weight.dtype)
    return w, b


def make_model(graph, ir_version, opset):
    model = helper.make_model(graph, ir_version=ir_version, opset_imports=[helper.make_opsetid("", opset)],
                              producer_name="winnow-make-test-models", producer_version="1")
    return model


def batch_dim_input(name, elem_type, rest):
    return helper.make_tensor_value_info(name, elem_type, ["N"] + list(rest))


# ---------------------------------------------------------------------------------------------
# a. Legacy-exporter ResNet (IR 8, opset 17)

def resnet_legacy(fold):
    """conv stem, MaxPool, two basic blocks, one strided block with a 1x1 projection, GAP, Flatten, Gemm."""
    # Same weights whether folded or not, so the two files compute the same function.
    rng = np.random.default_rng(SEED + 1)
    names = np.random.default_rng(SEED + 2)
    b = Builder(rng)
    eps = 1e-5
    value_id = [100]
    node_id = [0]

    def value():
        value_id[0] += 1
        return f"input.{value_id[0]}" if names.integers(2) else f"onnx::Conv_{value_id[0]}"

    def node_name(op):
        node_id[0] += 1
        return f"{op}_{node_id[0]}"

    def conv_bn(x, cin, cout, k, stride, pad, torch_name):
        w = b.he((cout, cin, k, k), cin * k * k)
        gamma, beta, mean, var = bn_params(rng, cout)
        attrs = dict(kernel_shape=[k, k], strides=[stride, stride], pads=[pad] * 4, dilations=[1, 1], group=1)
        if fold:
            wf, bf = fold_bn(w, gamma, beta, mean, var, eps)
            value_id[0] += 1
            wn = b.init(f"onnx::Conv_{value_id[0]}", wf)
            value_id[0] += 1
            bn = b.init(f"onnx::Conv_{value_id[0]}", bf)
            return b.node("Conv", [x, wn, bn], [value()], node_name("Conv"), **attrs)
        wn = b.init(f"{torch_name}.conv.weight", w)
        y = b.node("Conv", [x, wn], [value()], node_name("Conv"), **attrs)
        names = [b.init(f"{torch_name}.bn.{p}", a) for p, a in
                 (("weight", gamma), ("bias", beta), ("running_mean", mean), ("running_var", var))]
        return b.node("BatchNormalization", [y] + names, [value()], node_name("BatchNormalization"),
                      epsilon=eps, momentum=0.9)

    def relu(x):
        return b.node("Relu", [x], [value()], node_name("Relu"))

    def basic_block(x, cin, cout, stride, torch_name):
        h = relu(conv_bn(x, cin, cout, 3, stride, 1, f"{torch_name}.0"))
        h = conv_bn(h, cout, cout, 3, 1, 1, f"{torch_name}.1")
        skip = x if stride == 1 and cin == cout else conv_bn(x, cin, cout, 1, stride, 0, f"{torch_name}.downsample")
        return relu(b.node("Add", [h, skip], [value()], node_name("Add")))

    h = relu(conv_bn("input", 3, 8, 3, 1, 1, "stem"))
    h = b.node("MaxPool", [h], [value()], node_name("MaxPool"), kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    h = basic_block(h, 8, 8, 1, "layer1.0")
    h = basic_block(h, 8, 8, 1, "layer1.1")
    h = basic_block(h, 8, 16, 2, "layer2.0")
    h = b.node("GlobalAveragePool", [h], [value()], node_name("GlobalAveragePool"))
    h = b.node("Flatten", [h], [value()], node_name("Flatten"), axis=1)
    fcw = b.init("fc.weight", b.he((10, 16), 16))
    fcb = b.init("fc.bias", b.uniform((10,), -0.1, 0.1))
    b.node("Gemm", [h, fcw, fcb], ["output"], node_name("Gemm"), alpha=1.0, beta=1.0, transB=1)

    graph = helper.make_graph(b.nodes, "torch_jit", [batch_dim_input("input", TensorProto.FLOAT, [3, 16, 16])],
                              [batch_dim_input("output", TensorProto.FLOAT, [10])], b.initializers)
    model = make_model(graph, 8, 17)
    inputs = np.random.default_rng(SEED + 8)
    feeds = lambda n: {"input": inputs.standard_normal((n, 3, 16, 16)).astype(np.float32)}
    return model, feeds


# ---------------------------------------------------------------------------------------------
# b. Dynamo-exporter ResNet-ish model (IR 10, opset 18, one external data file)

def resnet_dynamo():
    rng = np.random.default_rng(SEED + 3)
    b = Builder(rng)

    def conv(x, cin, cout, k, stride, pad, scope, bias=True):
        w = b.init(f"{scope.strip('/').replace('/', '.')}.weight", b.he((cout, cin, k, k), cin * k * k))
        inputs = [x, w]
        if bias:
            inputs.append(b.init(f"{scope.strip('/').replace('/', '.')}.bias", b.uniform((cout,), -0.1, 0.1)))
        return b.node("Conv", inputs, [f"{scope}/Conv_output_0"], f"{scope}/Conv",
                      kernel_shape=[k, k], strides=[stride, stride], pads=[pad] * 4, group=1)

    def relu(x, scope):
        return b.node("Relu", [x], [f"{scope}/Relu_output_0"], f"{scope}/Relu")

    def bn(x, c, scope):
        gamma, beta, mean, var = bn_params(rng, c)
        prefix = scope.strip('/').replace('/', '.')
        names = [b.init(f"{prefix}.{p}", a) for p, a in
                 (("weight", gamma), ("bias", beta), ("running_mean", mean), ("running_var", var))]
        return b.node("BatchNormalization", [x] + names, [f"{scope}/BatchNormalization_output_0"],
                      f"{scope}/BatchNormalization", epsilon=1e-5, momentum=0.9, training_mode=0)

    h = relu(bn(conv("x", 3, 8, 3, 1, 1, "/conv1", bias=False), 8, "/bn1"), "/relu")
    # Residual block.
    r = relu(conv(h, 8, 8, 3, 1, 1, "/layer1/conv1"), "/layer1/relu")
    r = conv(r, 8, 8, 3, 1, 1, "/layer1/conv2")
    h = b.node("Add", [r, h], ["/layer1/Add_output_0"], "/layer1/Add")
    h = relu(h, "/layer1/relu_1")
    # Strided block with projection.
    r = relu(conv(h, 8, 16, 3, 2, 1, "/layer2/conv1"), "/layer2/relu")
    r = conv(r, 16, 16, 3, 1, 1, "/layer2/conv2")
    s = conv(h, 8, 16, 1, 2, 0, "/layer2/downsample/0")
    h = b.node("Add", [r, s], ["/layer2/Add_output_0"], "/layer2/Add")
    h = relu(h, "/layer2/relu_1")
    # Global pooling as ReduceMean with axes as an input (opset 18), keepdims 0.
    # The axes come from a Constant node: onnxruntime's shape inference cannot read a constant
    # input that sits in external data, so exporters keep such values inline.
    axes = b.node("Constant", [], ["/Constant_output_0"], "/Constant",
                  value=numpy_helper.from_array(np.array([2, 3], dtype=np.int64), "axes"))
    h = b.node("ReduceMean", [h, axes], ["/ReduceMean_output_0"], "/ReduceMean", keepdims=0)
    fcw = b.init("fc.weight", b.he((10, 16), 16))
    fcb = b.init("fc.bias", b.uniform((10,), -0.1, 0.1))
    b.node("Gemm", [h, fcw, fcb], ["logits"], "/fc/Gemm", transB=1)

    graph = helper.make_graph(b.nodes, "main_graph", [batch_dim_input("x", TensorProto.FLOAT, [3, 16, 16])],
                              [batch_dim_input("logits", TensorProto.FLOAT, [10])], b.initializers)
    model = make_model(graph, 10, 18)
    feeds = lambda n: {"x": rng.standard_normal((n, 3, 16, 16)).astype(np.float32)}
    return model, feeds


# ---------------------------------------------------------------------------------------------
# c. DDPM-style UNet (opset 17)

def unet(einsum, dtype=np.float32):
    rng = np.random.default_rng(SEED + (5 if einsum else 4))
    b = Builder(rng, dtype)
    elem = TensorProto.FLOAT if dtype == np.float32 else TensorProto.DOUBLE
    in_channels, emb_dim, groups = 4, 16, 4
    consts = {}

    def const(name, array):
        # Exporters emit small constants both as initializers and as Constant nodes; use both.
        if name in consts:
            return consts[name]
        array = np.asarray(array)
        if len(consts) % 2 == 0:
            out = b.init(name, array)
        else:
            out = b.node("Constant", [], [name], f"{name}_Constant", value=numpy_helper.from_array(array, name))
        consts[name] = out
        return out

    def silu(x, scope):
        s = b.node("Sigmoid", [x], [f"{scope}/Sigmoid_output_0"], f"{scope}/Sigmoid")
        return b.node("Mul", [x, s], [f"{scope}/Mul_output_0"], f"{scope}/Mul")

    def conv(x, cin, cout, k, stride, scope, pad=None):
        pad = k // 2 if pad is None else pad
        prefix = scope.strip('/').replace('/', '.')
        w = b.init(f"{prefix}.weight", b.he((cout, cin, k, k), cin * k * k))
        bias = b.init(f"{prefix}.bias", b.uniform((cout,), -0.1, 0.1))
        return b.node("Conv", [x, w, bias], [f"{scope}/Conv_output_0"], f"{scope}/Conv",
                      kernel_shape=[k, k], strides=[stride, stride], pads=[pad] * 4)

    def group_norm(x, channels, scope, dynamic_shape):
        """torch.onnx's GroupNorm before opset 18: Reshape to (N, G, -1), InstanceNormalization
        with unit scale, Reshape back to Shape(x), then the affine Mul/Add."""
        if dynamic_shape:
            shape = b.node("Shape", [x], [f"{scope}/Shape_output_0"], f"{scope}/Shape")
            batch = b.node("Slice", [shape, const("/const_0_1d", np.array([0], np.int64)),
                                     const("/const_1_1d", np.array([1], np.int64))],
                           [f"{scope}/Slice_output_0"], f"{scope}/Slice")
            target = b.node("Concat", [batch, const("/const_groups_rest", np.array([groups, -1], np.int64))],
                            [f"{scope}/Concat_output_0"], f"{scope}/Concat", axis=0)
        else:
            target = const("/const_group_shape", np.array([0, groups, -1], np.int64))
        r = b.node("Reshape", [x, target], [f"{scope}/Reshape_output_0"], f"{scope}/Reshape")
        ones = const(f"/const_ones_{groups}", np.ones(groups, dtype))
        zeros = const(f"/const_zeros_{groups}", np.zeros(groups, dtype))
        n = b.node("InstanceNormalization", [r, ones, zeros], [f"{scope}/InstanceNormalization_output_0"],
                   f"{scope}/InstanceNormalization", epsilon=1e-5)
        full = b.node("Shape", [x], [f"{scope}/Shape_1_output_0"], f"{scope}/Shape_1")
        back = b.node("Reshape", [n, full], [f"{scope}/Reshape_1_output_0"], f"{scope}/Reshape_1")
        prefix = scope.strip('/').replace('/', '.')
        gamma = b.init(f"{prefix}.weight", b.uniform((channels, 1, 1), 0.7, 1.3))
        beta = b.init(f"{prefix}.bias", b.uniform((channels, 1, 1), -0.2, 0.2))
        m = b.node("Mul", [back, gamma], [f"{scope}/Mul_output_0"], f"{scope}/Mul")
        return b.node("Add", [m, beta], [f"{scope}/Add_output_0"], f"{scope}/Add")

    def res_block(x, temb, cin, cout, scope):
        h = silu(group_norm(x, cin, f"{scope}/norm1", dynamic_shape=(cin == 16)), f"{scope}/act1")
        h = conv(h, cin, cout, 3, 1, f"{scope}/conv1")
        prefix = scope.strip('/').replace('/', '.')
        tw = b.init(f"{prefix}.time_emb_proj.weight", b.he((cout, emb_dim), emb_dim))
        tb = b.init(f"{prefix}.time_emb_proj.bias", b.uniform((cout,), -0.1, 0.1))
        tp = b.node("Gemm", [silu(temb, f"{scope}/act_t"), tw, tb], [f"{scope}/time_emb_proj/Gemm_output_0"],
                    f"{scope}/time_emb_proj/Gemm", transB=1)
        tp = b.node("Unsqueeze", [tp, const("/const_axes_2_3", np.array([2, 3], np.int64))],
                    [f"{scope}/Unsqueeze_output_0"], f"{scope}/Unsqueeze")
        h = b.node("Add", [h, tp], [f"{scope}/Add_output_0"], f"{scope}/Add")
        h = silu(group_norm(h, cout, f"{scope}/norm2", dynamic_shape=False), f"{scope}/act2")
        h = conv(h, cout, cout, 3, 1, f"{scope}/conv2")
        skip = x if cin == cout else conv(x, cin, cout, 1, 1, f"{scope}/conv_shortcut")
        return b.node("Add", [skip, h], [f"{scope}/Add_1_output_0"], f"{scope}/Add_1")

    def attention(x, channels, scope):
        h = group_norm(x, channels, f"{scope}/group_norm", dynamic_shape=True)
        q = conv(h, channels, channels, 1, 1, f"{scope}/to_q")
        k = conv(h, channels, channels, 1, 1, f"{scope}/to_k")
        v = conv(h, channels, channels, 1, 1, f"{scope}/to_v")
        # (N, C, H, W) -> (N, C, H*W) with the shape computed from Shape/Gather/Unsqueeze/Mul/Concat.
        shape = b.node("Shape", [x], [f"{scope}/Shape_output_0"], f"{scope}/Shape")
        dims = []
        for i in range(4):
            g = b.node("Gather", [shape, const(f"/const_scalar_{i}", np.array(i, np.int64))],
                       [f"{scope}/Gather_{i}_output_0"], f"{scope}/Gather_{i}", axis=0)
            dims.append(g)
        hw = b.node("Mul", [dims[2], dims[3]], [f"{scope}/Mul_hw_output_0"], f"{scope}/Mul_hw")
        parts = [b.node("Unsqueeze", [d, const("/const_axes_0", np.array([0], np.int64))],
                        [f"{scope}/Unsqueeze_{j}_output_0"], f"{scope}/Unsqueeze_{j}")
                 for j, d in enumerate([dims[0], dims[1], hw])]
        flat_shape = b.node("Concat", parts, [f"{scope}/Concat_output_0"], f"{scope}/Concat", axis=0)
        qf, kf, vf = [b.node("Reshape", [t, flat_shape], [f"{scope}/Reshape_{n}_output_0"], f"{scope}/Reshape_{n}")
                      for n, t in (("q", q), ("k", k), ("v", v))]
        if einsum:
            scores = b.node("Einsum", [qf, kf], [f"{scope}/Einsum_output_0"], f"{scope}/Einsum", equation="bci,bcj->bij")
            scale = const("/const_attn_scale", np.array(1.0 / math.sqrt(channels), dtype))
            scores = b.node("Mul", [scores, scale], [f"{scope}/Mul_scale_output_0"], f"{scope}/Mul_scale")
            probs = b.node("Softmax", [scores], [f"{scope}/Softmax_output_0"], f"{scope}/Softmax", axis=-1)
            out = b.node("Einsum", [probs, vf], [f"{scope}/Einsum_1_output_0"], f"{scope}/Einsum_1", equation="bij,bcj->bci")
        else:
            qt = b.node("Transpose", [qf], [f"{scope}/Transpose_q_output_0"], f"{scope}/Transpose_q", perm=[0, 2, 1])
            vt = b.node("Transpose", [vf], [f"{scope}/Transpose_v_output_0"], f"{scope}/Transpose_v", perm=[0, 2, 1])
            scores = b.node("MatMul", [qt, kf], [f"{scope}/MatMul_output_0"], f"{scope}/MatMul")
            # sqrt(C) from the shape, as exporters write math.sqrt(q.shape[-1]).
            c = b.node("Cast", [dims[1]], [f"{scope}/Cast_output_0"], f"{scope}/Cast", to=elem)
            root = b.node("Sqrt", [c], [f"{scope}/Sqrt_output_0"], f"{scope}/Sqrt")
            scores = b.node("Div", [scores, root], [f"{scope}/Div_output_0"], f"{scope}/Div")
            probs = b.node("Softmax", [scores], [f"{scope}/Softmax_output_0"], f"{scope}/Softmax", axis=-1)
            o = b.node("MatMul", [probs, vt], [f"{scope}/MatMul_1_output_0"], f"{scope}/MatMul_1")
            out = b.node("Transpose", [o], [f"{scope}/Transpose_o_output_0"], f"{scope}/Transpose_o", perm=[0, 2, 1])
        back = b.node("Reshape", [out, shape], [f"{scope}/Reshape_out_output_0"], f"{scope}/Reshape_out")
        proj = conv(back, channels, channels, 1, 1, f"{scope}/to_out")
        return b.node("Add", [proj, x], [f"{scope}/Add_res_output_0"], f"{scope}/Add_res")

    # Timestep embedding: t expanded to the batch (Shape/Gather/Unsqueeze/Expand), Unsqueeze,
    # Cast to float, Mul by frequencies, Sin/Cos, Concat.
    xs = b.node("Shape", ["x"], ["/Shape_output_0"], "/Shape")
    n = b.node("Gather", [xs, const("/const_scalar_0", np.array(0, np.int64))], ["/Gather_output_0"], "/Gather", axis=0)
    n1 = b.node("Unsqueeze", [n, const("/const_axes_0", np.array([0], np.int64))], ["/Unsqueeze_output_0"], "/Unsqueeze")
    t = b.node("Expand", ["t", n1], ["/Expand_output_0"], "/Expand")
    t = b.node("Unsqueeze", [t, const("/const_axes_1", np.array([1], np.int64))], ["/Unsqueeze_1_output_0"], "/Unsqueeze_1")
    t = b.node("Cast", [t], ["/Cast_output_0"], "/Cast", to=elem)
    half = emb_dim // 2
    freqs = np.exp(-math.log(10000.0) * np.arange(half, dtype=np.float64) / half).astype(dtype)[None, :]
    arg = b.node("Mul", [t, const("/time_proj/freqs", freqs)], ["/time_proj/Mul_output_0"], "/time_proj/Mul")
    sin = b.node("Sin", [arg], ["/time_proj/Sin_output_0"], "/time_proj/Sin")
    cos = b.node("Cos", [arg], ["/time_proj/Cos_output_0"], "/time_proj/Cos")
    emb = b.node("Concat", [sin, cos], ["/time_proj/Concat_output_0"], "/time_proj/Concat", axis=-1)
    # Dimension slicing some exporters leave around (emb[:, :emb_dim]).
    emb = b.node("Slice", [emb, const("/const_0_1d", np.array([0], np.int64)),
                           const("/const_emb_dim", np.array([emb_dim], np.int64)),
                           const("/const_axes_1", np.array([1], np.int64))],
                 ["/time_proj/Slice_output_0"], "/time_proj/Slice")
    w1 = b.init("time_embedding.linear_1.weight", b.he((emb_dim, emb_dim), emb_dim))
    b1 = b.init("time_embedding.linear_1.bias", b.uniform((emb_dim,), -0.1, 0.1))
    emb = b.node("Gemm", [emb, w1, b1], ["/time_embedding/linear_1/Gemm_output_0"], "/time_embedding/linear_1/Gemm", transB=1)
    emb = silu(emb, "/time_embedding/act")
    w2 = b.init("time_embedding.linear_2.weight", b.he((emb_dim, emb_dim), emb_dim))
    b2 = b.init("time_embedding.linear_2.bias", b.uniform((emb_dim,), -0.1, 0.1))
    temb = b.node("Gemm", [emb, w2, b2], ["/time_embedding/linear_2/Gemm_output_0"], "/time_embedding/linear_2/Gemm", transB=1)

    h0 = conv("x", in_channels, 16, 3, 1, "/conv_in")
    h1 = res_block(h0, temb, 16, 16, "/down_blocks.0/resnets.0")
    h2 = conv(h1, 16, 32, 3, 2, "/down_blocks.0/downsamplers.0")
    h3 = res_block(h2, temb, 32, 32, "/mid_block/resnets.0")
    h4 = attention(h3, 32, "/mid_block/attentions.0")
    if einsum:
        # Resize by sizes computed from Shape: (N, C) ++ (H, W) * 2.
        s = b.node("Shape", [h4], ["/up/Shape_output_0"], "/up/Shape")
        nc = b.node("Slice", [s, const("/const_0_1d", np.array([0], np.int64)), const("/const_2_1d", np.array([2], np.int64))],
                    ["/up/Slice_output_0"], "/up/Slice")
        hw = b.node("Slice", [s, const("/const_2_1d", np.array([2], np.int64)), const("/const_4_1d", np.array([4], np.int64))],
                    ["/up/Slice_1_output_0"], "/up/Slice_1")
        hw2 = b.node("Mul", [hw, const("/const_two_i64", np.array([2], np.int64))], ["/up/Mul_output_0"], "/up/Mul")
        sizes = b.node("Concat", [nc, hw2], ["/up/Concat_output_0"], "/up/Concat", axis=0)
        up = b.node("Resize", [h4, "", "", sizes], ["/up/Resize_output_0"], "/up/Resize",
                    mode="nearest", coordinate_transformation_mode="asymmetric", nearest_mode="floor")
    else:
        scales = const("/const_scales", np.array([1, 1, 2, 2], np.float32))
        up = b.node("Resize", [h4, "", scales], ["/up/Resize_output_0"], "/up/Resize",
                    mode="nearest", coordinate_transformation_mode="asymmetric", nearest_mode="floor")
    up = conv(up, 32, 32, 3, 1, "/up_blocks.0/upsamplers.0")
    cat = b.node("Concat", [up, h1], ["/up_blocks.0/Concat_output_0"], "/up_blocks.0/Concat", axis=1)
    h5 = res_block(cat, temb, 48, 16, "/up_blocks.0/resnets.0")
    h = silu(group_norm(h5, 16, "/conv_norm_out", dynamic_shape=False), "/conv_act")
    conv_out = conv(h, 16, in_channels, 3, 1, "/conv_out")
    b.node("Identity", [conv_out], ["out_sample"], "/Identity")

    t_type = elem if einsum else TensorProto.INT64
    inputs = [batch_dim_input("x", elem, [in_channels, 16, 16]),
              helper.make_tensor_value_info("t", t_type, ["N"])]
    graph = helper.make_graph(b.nodes, "unet", inputs,
                              [batch_dim_input("out_sample", elem, [in_channels, 16, 16])], b.initializers)
    model = make_model(graph, 8, 17)

    def feeds(n):
        t = rng.integers(0, 1000, n)
        return {"x": rng.standard_normal((n, in_channels, 16, 16)).astype(dtype),
                "t": t.astype(dtype) if einsum else t.astype(np.int64)}
    return model, feeds


# ---------------------------------------------------------------------------------------------
# d. Small model for gradient checks

def grad_small(dtype):
    rng = np.random.default_rng(SEED + 6)
    b = Builder(rng, dtype)
    elem = TensorProto.FLOAT if dtype == np.float32 else TensorProto.DOUBLE
    w = b.init("conv.weight", b.he((3, 2, 3, 3), 18))
    cb = b.init("conv.bias", b.uniform((3,), -0.2, 0.2))
    h = b.node("Conv", ["x", w, cb], ["/conv/Conv_output_0"], "/conv/Conv", kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    gamma, beta, mean, var = bn_params(rng, 3, dtype)
    names = [b.init(f"bn.{p}", a) for p, a in
             (("weight", gamma), ("bias", beta), ("running_mean", mean), ("running_var", var))]
    h = b.node("BatchNormalization", [h] + names, ["/bn/BatchNormalization_output_0"], "/bn/BatchNormalization",
               epsilon=1e-5, momentum=0.9)
    shape = b.init("/Constant_shape", np.array([0, -1], np.int64))
    h = b.node("Reshape", [h, shape], ["/Reshape_output_0"], "/Reshape")
    fw = b.init("fc.weight", b.he((5, 3 * 5 * 5), 75) * 0.5)
    fb = b.init("fc.bias", b.uniform((5,), -0.2, 0.2))
    h = b.node("Gemm", [h, fw, fb], ["/fc/Gemm_output_0"], "/fc/Gemm", transB=1)
    b.node("Softmax", [h], ["probs"], "/Softmax", axis=1)
    graph = helper.make_graph(b.nodes, "grad_small", [batch_dim_input("x", elem, [2, 5, 5])],
                              [batch_dim_input("probs", elem, [5])], b.initializers)
    model = make_model(graph, 8, 17)
    feeds = lambda n: {"x": rng.standard_normal((n, 2, 5, 5)).astype(dtype)}
    return model, feeds


# ---------------------------------------------------------------------------------------------
# Writing

def save_npy(path, array):
    np.save(path, np.ascontiguousarray(array), allow_pickle=False)


def run_cases(model_path, outdir, subfolder, feeds, batches, tag="", reference=False):
    """Runs onnxruntime on each batch size and writes inputs/outputs into OUTDIR/subfolder;
    returns the cases, with file names relative to OUTDIR."""
    folder = os.path.join(outdir, subfolder)
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    options.intra_op_num_threads = 1
    if reference:
        # onnxruntime has no float64 Conv; pip onnx's reference evaluator is the oracle there.
        session = ReferenceEvaluator(model_path)
        output_names = session.output_names
    else:
        session = ort.InferenceSession(model_path, options, providers=["CPUExecutionProvider"])
        output_names = [meta.name for meta in session.get_outputs()]
    cases = []
    for batch in batches:
        case_name = f"{tag}b{batch}"
        inputs = feeds(batch)
        outputs = session.run(None, inputs)
        case = {"name": case_name, "inputs": {}, "outputs": {}}
        for name, array in inputs.items():
            file = f"{case_name}_in_{name}.npy"
            save_npy(os.path.join(folder, file), array)
            case["inputs"][name] = os.path.join(subfolder, file)
        for output_name, array in zip(output_names, outputs):
            assert np.all(np.isfinite(array)), f"{model_path}: non-finite output {output_name}"
            file = f"{case_name}_out_{output_name.replace('/', '_')}.npy"
            save_npy(os.path.join(folder, file), array)
            case["outputs"][output_name] = os.path.join(subfolder, file)
        cases.append(case)
    return cases


def write_model(outdir, name, description, model, feeds, external=False, reference=False):
    folder = os.path.join(outdir, name)
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"{name}.onnx")
    if external:
        data = f"{name}.data"
        if os.path.exists(os.path.join(folder, data)):
            os.remove(os.path.join(folder, data))
        onnx.save_model(model, path, save_as_external_data=True, all_tensors_to_one_file=True,
                        location=data, size_threshold=0)
    else:
        onnx.save_model(model, path)
    onnx.checker.check_model(path, full_check=True)
    cases = run_cases(path, outdir, name, feeds, [1, 3], reference=reference)
    return {"name": name, "file": os.path.join(name, f"{name}.onnx"), "description": description,
            "irVersion": model.ir_version, "opset": model.opset_import[0].version, "cases": cases}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("outdir")
    parser.add_argument("--effnet", help="path of effnet-lite0.onnx; adds its 64x64 and 224x224 cases")
    args = parser.parse_args()
    os.makedirs(args.outdir, exist_ok=True)

    specs = [
        ("resnet_legacy", "legacy export, IR 8 / opset 17, BatchNormalization folded into Conv", resnet_legacy(True), False),
        ("resnet_legacy_bn", "legacy export, IR 8 / opset 17, BatchNormalization unfolded", resnet_legacy(False), False),
        ("resnet_dynamo", "dynamo export, IR 10 / opset 18, one external data file", resnet_dynamo(), True),
        ("unet_matmul", "DDPM UNet, opset 17, MatMul attention, int64 timesteps", unet(False), False),
        ("unet_einsum", "DDPM UNet, opset 17, Einsum attention, float timesteps", unet(True), False),
        ("grad_small", "Conv/BatchNormalization/Reshape/Gemm/Softmax for gradient checks", grad_small(np.float32), False),
        ("grad_small_f64", "grad_small in float64", grad_small(np.float64), False),
        ("unet_matmul_f64", "unet_matmul in float64 (gradient checks)", unet(False, np.float64), False),
        ("unet_einsum_f64", "unet_einsum in float64 (gradient checks)", unet(True, np.float64), False),
    ]
    manifest = {"models": []}
    for name, description, (model, feeds), external in specs:
        reference = name.endswith("_f64")
        manifest["models"].append(write_model(args.outdir, name, description, model, feeds, external, reference))

    if args.effnet:
        folder = os.path.join(args.outdir, "effnet")
        os.makedirs(folder, exist_ok=True)
        rng = np.random.default_rng(SEED + 7)
        model = onnx.load(args.effnet, load_external_data=False)
        input_name = model.graph.input[0].name
        cases = []
        for size in (64, 224):
            feeds = lambda n, s=size: {input_name: rng.uniform(-1, 1, (n, 3, s, s)).astype(np.float32)}
            cases += run_cases(args.effnet, args.outdir, "effnet", feeds, [2], tag=f"s{size}_")
        manifest["models"].append({"name": "effnet", "file": os.path.abspath(args.effnet),
                                   "description": "effnet-lite0 from ../shared/models", "irVersion": model.ir_version,
                                   "opset": model.opset_import[0].version, "cases": cases})

    # The folded and unfolded legacy ResNets hold the same weights: onnxruntime must agree with itself.
    folded, unfolded = (np.load(os.path.join(args.outdir, m["cases"][1]["outputs"]["output"]))
                        for m in manifest["models"][:2])
    assert np.abs(folded - unfolded).max() <= 1e-4 * np.abs(unfolded).max(), "folding BatchNormalization changed the output"

    with open(os.path.join(args.outdir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
    print(f"wrote {len(manifest['models'])} models to {args.outdir}", file=sys.stderr)


if __name__ == "__main__":
    main()
