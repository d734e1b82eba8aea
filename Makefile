# AmbientMRI: `make demo` and `make test` do all set-up on a fresh Debian 12 machine.
SHELL := /bin/bash
SWIFT ?= swift
CONFIG ?= release
BIN := $(shell $(SWIFT) build -c $(CONFIG) --show-bin-path 2>/dev/null)/ambient

# Debian packages the build and the test suite need (libraries, and BART / ISMRMRD tools
# that tests compare against).
DEPS := pkg-config libfftw3-dev libhdf5-dev liblapacke-dev libopenblas-dev libpng-dev zlib1g-dev \
        libtorch-dev bart ismrmrd-tools
# Extra packages for benchmarks, fixtures and the public corpus (peers and data).
BENCH_DEPS := python3-torch python3-numpy python3-pip mricron-data dataset-fashion-mnist hyperfine

.PHONY: deps bench-deps build test demo bench corpus eval clean
deps:
	@bash scripts/apt-install.sh $(DEPS)

bench-deps: deps
	@bash scripts/apt-install.sh $(BENCH_DEPS)
	@bash scripts/pip-bench.sh

build: deps
	$(SWIFT) build -c $(CONFIG)

test: deps
	@bash scripts/pip-test.sh
	$(SWIFT) build --build-tests
	$(SWIFT) test

demo: build
	bash scripts/demo.sh "$(BIN)"

bench: bench-deps build
	bash bench/run.sh "$(BIN)"

corpus: bench-deps build
	bash scripts/corpus.sh "$(BIN)"

eval: build
	bash scripts/eval.sh "$(BIN)"

clean:
	rm -rf .build demo-out bench-out
