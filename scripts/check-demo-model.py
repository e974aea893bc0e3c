#!/usr/bin/env python3
"""Checks a model trained by `winnow train --data fashion-mnist` in onnxruntime.

Usage: check-demo-model.py RUN_DIR [--expected ACCURACY] [--tolerance 0.002]

Loads RUN_DIR/model.onnx, evaluates it on Debian's Fashion-MNIST test split with Winnow's
preprocessing (bytes * float32(1/255), then (x - mean) * (1/std) in float32, where mean and the
population std are the training split's, over all pixels of the [0,1]-scaled images, accumulated
in float64 and rounded to float32: Datasets/Loading/Normalization.swift and DataLoader.swift),
prints `onnxruntime test accuracy: 0.NNNN`, and exits 1 when it differs from Winnow's test
accuracy (the last `test/accuracy` in RUN_DIR/metrics.jsonl, or --expected) by more than the
tolerance.
"""
import argparse
import gzip
import json
import sys
from pathlib import Path

import numpy as np
import onnxruntime as ort

DATA = Path("/usr/share/datasets/fashion-mnist")


def idx(name, offset):
    with gzip.open(DATA / name) as f:
        return np.frombuffer(f.read()[offset:], np.uint8)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path)
    parser.add_argument("--expected", type=float)
    parser.add_argument("--tolerance", type=float, default=0.002)
    args = parser.parse_args()

    model = args.run / "model.onnx"
    if not model.exists():
        sys.exit(f"check-demo-model: {model} does not exist; run winnow train first")
    expected = args.expected
    if expected is None:
        metrics = args.run / "metrics.jsonl"
        records = [json.loads(line) for line in metrics.read_text().splitlines() if line.strip()] if metrics.exists() else []
        accuracies = [r["value"] for r in records if r.get("name") == "test/accuracy"]
        if not accuracies:
            sys.exit(f"check-demo-model: no test/accuracy in {metrics}; pass --expected")
        expected = accuracies[-1]

    scale = np.float32(1) / np.float32(255)
    # Exact moments from the byte histogram (Winnow sums the same values in float64).
    counts = np.bincount(idx("train-images-idx3-ubyte.gz", 16), minlength=256).astype(np.float64)
    values = np.arange(256, dtype=np.float64) * (1.0 / 255)
    mean = (counts * values).sum() / counts.sum()
    std = np.sqrt(max(0.0, (counts * values * values).sum() / counts.sum() - mean * mean))
    mean32, inverse32 = np.float32(mean), np.float32(1) / np.float32(std)
    images = idx("t10k-images-idx3-ubyte.gz", 16).reshape(-1, 1, 28, 28).astype(np.float32) * scale
    images = (images - mean32) * inverse32
    labels = idx("t10k-labels-idx1-ubyte.gz", 8).astype(np.int64)

    session = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    predictions = np.concatenate([session.run(None, {name: images[i:i + 1000]})[0].argmax(axis=1)
                                  for i in range(0, len(images), 1000)])
    accuracy = float((predictions == labels).mean())
    difference = abs(accuracy - expected)
    if difference > args.tolerance:
        print(f"onnxruntime test accuracy: {accuracy:.4f}")
        print(f"check-demo-model: onnxruntime's {accuracy:.4f} differs from Winnow's {expected:.4f} by "
              f"{difference:.4f} (> {args.tolerance}); the exported model does not compute what Winnow trained",
              file=sys.stderr)
        return 1
    print(f"onnxruntime test accuracy: {accuracy:.4f} ({model} in onnxruntime {ort.__version__}; "
          f"agrees with Winnow's within {args.tolerance})")
    # The quick start ends with Winnow's result, now confirmed on the exported file.
    print(f"test accuracy: {expected:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
