#!/usr/bin/env bash
# Leave-one-collection-out evaluation of pseudo-relevance feedback (RM3,
# SearchOptions::feedback; issue 12, point 3). For each shared set: one BM25
# index (default analyzer, embedder none: feedback changes only BM25), then
# `glassbox eval --per-query --json --mode bm25` without feedback ("base") and
# with every (docs, terms, weight) of the grid ("fb-D-T-W"). eval/feedback_loo.py
# then chooses, on all sets but one, the setting (or "off") with the best mean
# nDCG@10 and scores it on the held-out set.
#
#   eval/feedback-loo.sh BUILD_DIR [DATASET...]   # -> eval/out/rm3/*.json, markdown tables
#
# Grid: FEEDBACK_DOCS, FEEDBACK_TERMS, FEEDBACK_WEIGHTS (space-separated).
# Indexes are kept in eval/out/rm3/idx-* and reused. Every command runs under `nice`.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:?usage: eval/feedback-loo.sh BUILD_DIR [DATASET...]}" && pwd)
shift
DATA=${GLASSBOX_DATA:-$ROOT/../shared}
OUT="$ROOT/eval/out/rm3"
GB="$BUILD/glassbox"
mkdir -p "$OUT"
SETS=("$@")
[ ${#SETS[@]} -gt 0 ] || SETS=(faq-covid xquad-en cranfield scifact cmrc2018-dev drcd-test)
DOCS=${FEEDBACK_DOCS:-"5 10"}
TERMS=${FEEDBACK_TERMS:-"5 10 20"}
WEIGHTS=${FEEDBACK_WEIGHTS:-"0.2 0.4"}
PY=$(command -v /usr/bin/python3 || command -v python3)

for ds in "${SETS[@]}"; do
  dir="$DATA/datasets/$ds"
  [ -f "$dir/qrels/test.tsv" ] || { echo "feedback-loo: $dir has no qrels, skipped" >&2; continue; }
  idx="$OUT/idx-$ds"
  echo "== $ds" >&2
  run() {  # run NAME FLAGS...
    local name=$1
    shift
    [ -s "$OUT/$ds.$name.json" ] && return 0  # already measured
    nice "$GB" eval --dataset "$dir" --collection "$idx" --embedder none --mode bm25 --json --per-query "$@" \
      >"$OUT/$ds.$name.json.tmp"
    mv "$OUT/$ds.$name.json.tmp" "$OUT/$ds.$name.json"
    "$PY" -c 'import json,sys; j=json.load(open(sys.argv[1])); print("  %-16s nDCG@10 %.4f  %s" % (sys.argv[2], j["ndcg@10"], j["system"]))' \
      "$OUT/$ds.$name.json" "$name" >&2
  }
  run base
  for d in $DOCS; do
    for t in $TERMS; do
      for w in $WEIGHTS; do
        run "fb-$d-$t-$w" --feedback "docs=$d,terms=$t,weight=$w"
      done
    done
  done
done
"$PY" "$ROOT/eval/feedback_loo.py" "$OUT" "${SETS[@]}"
