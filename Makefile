# Two commands on a fresh Debian 12 machine: `make demo` (the quick start: train resnet8 one epoch)
# and `make test`. `make bench` prints `winnow bench core --json`.
# Optimisation settings live in Package.swift, so `swift build -c release` alone gives the real binary.

WINNOW := .build/release/winnow

.PHONY: deps build demo test bench clean

deps:
	@bash scripts/install-deps

build: deps
	swift build -c release

# The quick start: one epoch of resnet8 on Fashion-MNIST with the accuracy recipe, then the
# trained model checked in onnxruntime against Winnow's test accuracy.
demo: build
	@rm -rf runs/demo
	$(WINNOW) train Models/resnet8.onnx --data fashion-mnist --epochs 1 --batch 128 --optimizer sgd --momentum 0.9 \
		--nesterov --weight-decay 5e-4 --lr 0.1 --schedule onecycle --warmup 0.15 --augment crop:2,hflip --seed 0 \
		--out runs/demo
	@python3 scripts/check-demo-model.py runs/demo

test:
	@bash scripts/run-tests

bench: build
	$(WINNOW) bench core --json

clean:
	rm -rf .build
