# Two commands on a fresh Debian 12 machine: `make demo` (the main job) and `make test`.
# Optimisation settings live in Package.swift, so `swift build -c release` alone gives the real binary.

WINNOW := .build/release/winnow

.PHONY: deps build demo test bench clean

deps:
	@bash scripts/install-deps

build: deps
	swift build -c release

demo: build
	$(WINNOW) bench core

test:
	@bash scripts/run-tests

bench: build
	$(WINNOW) bench core --json

clean:
	rm -rf .build
