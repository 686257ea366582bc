# The two set-up commands: `make run` and `make test`. Both install missing
# Debian packages (scripts/setup.sh), configure and build (Release).
BUILD ?= build
JOBS ?= $(shell nproc)
GLASSBOX_DATA ?= $(abspath ../shared)

.PHONY: all setup configure build run test bench eval fuzz clean

all: build

setup:
	@./scripts/setup.sh

configure: setup
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DGLASSBOX_DATA=$(GLASSBOX_DATA) > /dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	@./scripts/run-example.sh $(BUILD)

test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

bench: build
	@./bench/run.sh $(BUILD)

eval: build
	@./eval/run-peers.sh $(BUILD)

clean:
	rm -rf $(BUILD)
