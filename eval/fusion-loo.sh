#!/usr/bin/env bash
# Leave-one-collection-out evaluation of hybrid fusion settings (issue 12,
# point 2). For each shared set: one index (default collection options: the
# auto-stop analyzer and the built-in static embedder), then every candidate
# fusion run on that same index with `glassbox eval --per-query --json`:
#   bm25                BM25 only
#   calibrated          --mode hybrid with the collection's calibrated fusion
#                       (pseudo-query calibration, src/engine/calibration.cc;
#                       the index is built with --calibrate-fusion where the
#                       build has that option, i.e. where it is not the default)
#   minmax-W            --mode hybrid --fusion minmax --weights 1-W,W
# eval/fusion_loo.py then picks, on all sets but one, the method/weight with
# the best mean nDCG@10 and scores it on the held-out set.
#
#   eval/fusion-loo.sh BUILD_DIR [DATASET...]   # -> eval/out/fusion/*.json, a markdown table
#
# Indexes are kept in eval/out/fusion/idx-* and reused (delete them after a
# change to indexing). CPU: every command runs under `nice`.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:?usage: eval/fusion-loo.sh BUILD_DIR [DATASET...]}" && pwd)
shift
DATA=${GLASSBOX_DATA:-$ROOT/../shared}
OUT="$ROOT/eval/out/fusion"
GB="$BUILD/glassbox"
mkdir -p "$OUT"
SETS=("$@")
[ ${#SETS[@]} -gt 0 ] || SETS=(scifact cranfield xquad-en faq-covid cmrc2018-dev drcd-test)
WEIGHTS=${FUSION_WEIGHTS:-"0.05 0.1 0.15 0.2 0.25 0.3"}
PY=$(command -v /usr/bin/python3 || command -v python3)

for ds in "${SETS[@]}"; do
  dir="$DATA/datasets/$ds"
  [ -f "$dir/qrels/test.tsv" ] || { echo "fusion-loo: $dir has no qrels, skipped" >&2; continue; }
  idx="$OUT/idx-$ds"
  echo "== $ds" >&2
  run() {  # run NAME FLAGS...
    local name=$1
    shift
    nice "$GB" eval --dataset "$dir" --collection "$idx" --json --per-query "$@" >"$OUT/$ds.$name.json"
    "$PY" -c 'import json,sys; j=json.load(open(sys.argv[1])); print("  %-14s nDCG@10 %.4f  %s" % (sys.argv[2], j["ndcg@10"], j["system"]))' \
      "$OUT/$ds.$name.json" "$name" >&2
  }
  # The first call builds the index (and calibrates it, on closing); the rest reuse it.
  cal=""
  "$GB" eval --help | grep -q -- --calibrate-fusion && cal=--calibrate-fusion
  run bm25 --mode bm25 $cal ${GLASSBOX_EVAL_FLAGS:-}
  run calibrated --mode hybrid
  for w in $WEIGHTS; do
    b=$(awk -v w="$w" 'BEGIN { printf "%g", 1 - w }')
    run "minmax-$w" --mode hybrid --fusion minmax --weights "$b,$w"
  done
done
"$PY" "$ROOT/eval/fusion_loo.py" "$OUT" "${SETS[@]}"
