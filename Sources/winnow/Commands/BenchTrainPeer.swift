import Foundation

/// PyTorch measured beside Winnow by `winnow bench train --peer torch`: a Python process running
/// the script below, which builds the zoo network in PyTorch from the same ONNX weights and times
/// the same step in rounds on request, so the two take turns under the same machine load.
final class BenchTrainPeer {
    /// The zoo classifiers the peer can build.
    static let models = ["resnet8", "resnet20", "lenet-300-100"]

    private(set) var version = ""
    private let peer: PythonPeerProcess

    /// Starts the peer (it builds the network from `weights`, runs its warm-up steps and says it
    /// is ready); errors name the Python and what to install.
    init(python: String, model: String, batch: Int, warmups: Int, threads: Int, weights: URL, folder: URL) throws {
        peer = try PythonPeerProcess(name: "the torch peer (\(python))", python: python, source: Self.source, scriptName: "torch_peer.py",
                                     arguments: ["--model", model, "--batch", String(batch), "--warmup", String(warmups),
                                                 "--threads", String(threads), "--onnx", weights.path, "--serve"],
                                     folder: folder, hint: "pass --python with a Python that imports torch (in a venv under /tmp)")
        let ready = try peer.readReply()
        guard ready["ready"] as? Bool == true else { throw peer.failure("sent \(ready) instead of its ready line") }
        version = ready["torch_version"] as? String ?? ""
    }

    /// Times `steps` steps in the peer; their durations in milliseconds.
    func run(steps: Int) throws -> [Double] {
        try peer.send("run \(steps)")
        let reply = try peer.readReply()
        guard let times = reply["times_ms"] as? [Double], times.count == steps else { throw peer.failure("sent \(reply) instead of \(steps) step times") }
        return times
    }

    /// Asks the peer to quit and waits for it.
    func stop() {
        try? peer.send("quit")  // a peer that already stopped needs no request
        peer.close()
    }

    /// The peer script (Python 3 with torch; numpy and onnx for --onnx).
    static let source = #"""
#!/usr/bin/env python3
"""The PyTorch peer of `winnow bench train`: times one training step of a zoo model in PyTorch.

(Written to a temporary file and run by `winnow bench train --peer torch`; its source lives in
Sources/winnow/Commands/BenchTrainPeer.swift.)

    torch_peer.py [--model resnet8] [--batch 128] [--steps 30] [--warmup 5]
                         [--threads 2] [--seed 0] [--channels C] [--size S] [--classes K]
                         [--onnx MODEL.onnx]

Builds in PyTorch the network `winnow zoo build` writes to Models/ (Sources/ModelZoo):

  resnet8, resnet20   CIFAR-style ResNets (He et al. 2016, section 4.2): a 3x3 conv with 16
                      filters + BN + ReLU, three stages of 1 (resnet8) or 3 (resnet20) basic
                      blocks of widths 16/32/64 (stride 2 at the start of stages 2 and 3), 1x1
                      conv + BN projection shortcuts where the shape changes, global average
                      pool and one Linear to the classes. Convolutions have no bias.
                      BatchNorm2d eps 1e-5, momentum 0.1 (the ONNX files say momentum 0.9:
                      ONNX weights the running statistic, PyTorch the new batch statistic).
  lenet-300-100       Flatten, Linear 300, ReLU, Linear 100, ReLU, Linear to the classes.

Module names are the ONNX initializer names (`layer2.0.downsample.0.weight`). Default inputs
are the zoo's: 1x28x28 for resnet8 and lenet-300-100, 3x32x32 for resnet20, 10 classes.
Weights take PyTorch's default initialisation (seeded), or with --onnx the initializers of
that file (names and shapes must match the model built here; needs the `onnx` package).

The step timed is the trainer's: model.train() (BatchNorm uses batch statistics and updates its
running statistics), zero_grad(set_to_none=True), forward, CrossEntropyLoss (mean), backward,
SGD(lr 0.1, momentum 0.9, Nesterov, weight decay 5e-4 on every parameter). Inputs are two fixed
standard-normal batches with uniform random labels (seeded), alternated step by step. After
--warmup untimed steps, each of --steps steps is timed on its own with time.perf_counter.
torch.set_num_threads(--threads) and torch.set_num_interop_threads(1) are set before any work.

Prints exactly one JSON object on stdout:
  model, batch, threads, steps, images_per_second (batch / median step seconds),
  step_ms_median, step_ms_min, step_ms_max, step_ms_q1, step_ms_q3 (nearest-rank quartiles,
  as `winnow bench`), torch_version, parameters (trainable parameter count).
On any error: a message on stderr and exit status 2.
"""

import argparse
import json
import math
import sys
import time

EXIT_ERROR = 2

# name: default (channels, size, classes), as Sources/ModelZoo/ZooCatalog.swift
MODELS = {
    "lenet-300-100": (1, 28, 10),
    "resnet8": (1, 28, 10),
    "resnet20": (3, 32, 10),
}


def fail(message):
    print(f"torch_peer.py: {message}", file=sys.stderr)
    sys.exit(EXIT_ERROR)


def parse_arguments(argv):
    parser = argparse.ArgumentParser(
        description="Time one training step (forward, backward, SGD update) of a Winnow zoo model in PyTorch.")
    parser.add_argument("--model", default="resnet8", choices=sorted(MODELS))
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--steps", type=int, default=30, help="timed steps (the median is over these)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed steps before the timed ones")
    parser.add_argument("--threads", type=int, default=2, help="torch.set_num_threads")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--channels", type=int, help="input channels (default: the model's)")
    parser.add_argument("--size", type=int, help="input height and width (default: the model's)")
    parser.add_argument("--classes", type=int, help="output classes (default: the model's)")
    parser.add_argument("--onnx", metavar="MODEL.onnx", help="start from this file's initializers")
    parser.add_argument("--serve", action="store_true",
                        help="after the warm-up print a ready line, then time N steps for each 'run N' line on stdin "
                             "and print their times (one JSON line each) until 'quit' or end of input")
    args = parser.parse_args(argv)
    channels, size, classes = MODELS[args.model]
    args.channels = channels if args.channels is None else args.channels
    args.size = size if args.size is None else args.size
    args.classes = classes if args.classes is None else args.classes
    for name, value, low in (("batch", args.batch, 1), ("steps", args.steps, 1), ("warmup", args.warmup, 0),
                             ("threads", args.threads, 1), ("seed", args.seed, 0), ("channels", args.channels, 1),
                             ("size", args.size, 1), ("classes", args.classes, 2)):
        if value < low:
            fail(f"--{name} must be at least {low}, got {value}")
    return args


def import_torch():
    try:
        import torch
        from torch import nn
    except Exception as error:  # ImportError, or a broken install raising something else
        fail(f"torch is not importable by {sys.executable} ({type(error).__name__}: {error}); "
             "install it in a venv under /tmp and pass --python")
    return torch, nn


def make_modules(nn):
    """A builder (name, channels, size, classes) -> nn.Module whose state_dict keys are the ONNX
    initializer names; the module classes are defined here, once torch is imported."""

    def conv_bn(cin, cout, kernel, stride):
        return (nn.Conv2d(cin, cout, kernel, stride=stride, padding=kernel // 2, bias=False),
                nn.BatchNorm2d(cout, eps=1e-5, momentum=0.1))

    class BasicBlock(nn.Module):
        """conv3x3(stride) → BN → ReLU → conv3x3 → BN, plus the shortcut, then ReLU."""

        def __init__(self, cin, cout, stride):
            super().__init__()
            self.conv1, self.bn1 = conv_bn(cin, cout, 3, stride)
            self.conv2, self.bn2 = conv_bn(cout, cout, 3, 1)
            self.relu = nn.ReLU()
            self.downsample = None
            if stride != 1 or cin != cout:
                self.downsample = nn.Sequential(*conv_bn(cin, cout, 1, stride))

        def forward(self, x):
            h = self.relu(self.bn1(self.conv1(x)))
            h = self.bn2(self.conv2(h))
            shortcut = x if self.downsample is None else self.downsample(x)
            return self.relu(h + shortcut)

    class CIFARResNet(nn.Module):
        """Depth 6n + 2: stem, three stages of n basic blocks (16/32/64), pool, fc."""

        def __init__(self, depth, channels, classes):
            super().__init__()
            blocks = (depth - 2) // 6
            self.conv1, self.bn1 = conv_bn(channels, 16, 3, 1)
            self.relu = nn.ReLU()
            width = 16
            for stage, stage_width in enumerate((16, 32, 64)):
                layers = []
                for block in range(blocks):
                    stride = 2 if stage > 0 and block == 0 else 1
                    layers.append(BasicBlock(width, stage_width, stride))
                    width = stage_width
                setattr(self, f"layer{stage + 1}", nn.Sequential(*layers))
            self.avgpool = nn.AdaptiveAvgPool2d(1)
            self.fc = nn.Linear(width, classes)

        def forward(self, x):
            h = self.relu(self.bn1(self.conv1(x)))
            h = self.layer3(self.layer2(self.layer1(h)))
            return self.fc(self.avgpool(h).flatten(1))

    class LeNet300100(nn.Module):
        """Flatten, fc1 300, ReLU, fc2 100, ReLU, fc3 classes."""

        def __init__(self, inputs, classes):
            super().__init__()
            self.fc1 = nn.Linear(inputs, 300)
            self.fc2 = nn.Linear(300, 100)
            self.fc3 = nn.Linear(100, classes)
            self.relu = nn.ReLU()

        def forward(self, x):
            h = self.relu(self.fc1(x.flatten(1)))
            return self.fc3(self.relu(self.fc2(h)))

    def build(name, channels, size, classes):
        if name == "lenet-300-100":
            return LeNet300100(channels * size * size, classes)
        depth = {"resnet8": 8, "resnet20": 20}[name]
        return CIFARResNet(depth, channels, classes)

    return build


def load_onnx_initializers(torch, model, path):
    """Copies the initializers of `path` into `model`; every state_dict entry must be there with its shape."""
    try:
        import onnx
        from onnx import numpy_helper
    except Exception as error:
        fail(f"--onnx needs the onnx package, not importable by {sys.executable} ({type(error).__name__}: {error})")
    try:
        graph = onnx.load(path).graph
    except Exception as error:
        fail(f"cannot read {path}: {error}")
    values = {init.name: numpy_helper.to_array(init) for init in graph.initializer}
    state = model.state_dict()
    for name, tensor in state.items():
        if name.endswith("num_batches_tracked"):
            continue
        if name not in values:
            fail(f"{path} has no initializer {name} (the model built here does not match the file)")
        if tuple(values[name].shape) != tuple(tensor.shape):
            fail(f"{path}: initializer {name} has shape {list(values[name].shape)}, the model here {list(tensor.shape)}")
        with torch.no_grad():
            tensor.copy_(torch.from_numpy(values[name].copy()))
    extra = sorted(set(values) - set(state))
    if extra:
        fail(f"{path} has initializers the model built here lacks: {', '.join(extra[:5])}")


def quartiles(values):
    """First and third quartiles by nearest rank, as `winnow bench` computes them."""
    ordered = sorted(values)

    def rank(q):
        return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]

    return rank(0.25), rank(0.75)


def median(values):
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 == 1 else (ordered[mid - 1] + ordered[mid]) / 2


def serve(torch, args, step, parameters):
    """Timed rounds on request, so the caller can alternate with its own rounds under the same load."""
    print(json.dumps({"ready": True, "torch_version": torch.__version__, "parameters": parameters}), flush=True)
    index = args.warmup
    for line in sys.stdin:
        words = line.split()
        if not words or words[0] == "quit":
            break
        if words[0] != "run" or len(words) != 2 or not words[1].isdigit():
            fail(f"unknown request {line.strip()!r}; send 'run N' or 'quit'")
        times = []
        loss = None
        for _ in range(int(words[1])):
            start = time.perf_counter()
            loss = step(index)
            times.append((time.perf_counter() - start) * 1000)
            index += 1
        if loss is not None and not math.isfinite(loss.item()):
            fail(f"the loss is not finite after {index} steps ({loss.item()})")
        print(json.dumps({"times_ms": times}), flush=True)
    return 0


def main(argv):
    args = parse_arguments(argv)
    torch, nn = import_torch()
    try:
        torch.set_num_threads(args.threads)
        torch.set_num_interop_threads(1)
    except RuntimeError as error:
        fail(f"cannot set torch's thread counts: {error}")

    torch.manual_seed(args.seed)
    model = make_modules(nn)(args.model, args.channels, args.size, args.classes)
    if args.onnx:
        load_onnx_initializers(torch, model, args.onnx)
    model.train()
    parameters = sum(p.numel() for p in model.parameters() if p.requires_grad)

    generator = torch.Generator().manual_seed(args.seed)
    shape = (args.batch, args.channels, args.size, args.size)
    batches = [(torch.randn(shape, generator=generator),
                torch.randint(0, args.classes, (args.batch,), generator=generator)) for _ in range(2)]

    loss_function = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=5e-4)

    def step(index):
        inputs, labels = batches[index % 2]
        optimizer.zero_grad(set_to_none=True)
        loss = loss_function(model(inputs), labels)
        loss.backward()
        optimizer.step()
        return loss

    for index in range(args.warmup):
        step(index)
    if args.serve:
        return serve(torch, args, step, parameters)
    times = []
    loss = None
    for index in range(args.warmup, args.warmup + args.steps):
        start = time.perf_counter()
        loss = step(index)
        times.append(time.perf_counter() - start)
    if not math.isfinite(loss.item()):
        fail(f"the loss is not finite after {args.warmup + args.steps} steps ({loss.item()})")

    ms = [t * 1000 for t in times]
    q1, q3 = quartiles(ms)
    result = {
        "model": args.model,
        "batch": args.batch,
        "threads": args.threads,
        "steps": args.steps,
        "images_per_second": args.batch / (median(ms) / 1000),
        "step_ms_median": median(ms),
        "step_ms_min": min(ms),
        "step_ms_max": max(ms),
        "step_ms_q1": q1,
        "step_ms_q3": q3,
        "torch_version": torch.__version__,
        "parameters": parameters,
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
"""#
}
