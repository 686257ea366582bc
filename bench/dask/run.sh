#!/bin/sh
# Sharded collections on Dask vs one node on scifact (BENCHMARKS.md, "Sharded collections on Dask").
#   bench/dask/run.sh [BUILD_DIR] [DATASET_DIR]      ROUNDS=2 by default
set -e
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$ROOT/build}
DATA=${2:-${GLASSBOX_DATA:-$ROOT/../shared}/datasets/scifact}
[ -f "$DATA/corpus.jsonl" ] || { echo "no scifact at $DATA (pass DATASET_DIR or set GLASSBOX_DATA)" >&2; exit 2; }
PYTHONPATH=$BUILD/python exec /usr/bin/python3 "$ROOT/bench/dask/bench.py" "$DATA"
