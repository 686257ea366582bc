#!/usr/bin/env bash
# Runs Glassbox (when `glassbox eval` is built) and the peer engines (Lucene,
# Xapian, SQLite FTS5) on the BEIR collections
# in $GLASSBOX_DATA/datasets, scores each run with score_run, writes
# eval/out/peers.json and eval/out/runs/*.run, and prints a markdown table.
#
#   eval/run-peers.sh BUILD_DIR
#   EVAL_SETS="cmrc2018-dev:zh drcd-test:zh" eval/run-peers.sh BUILD_DIR   # a subset
#
# BUILD_DIR holds score_run, xapian_bench, fts5_bench (directly, or under
# bench/ when built as part of the whole project). Lucene is compiled into
# BUILD_DIR/bench/lucene by bench/peers/lucene.sh.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:?usage: eval/run-peers.sh BUILD_DIR}" && pwd)
DATA=${GLASSBOX_DATA:-$ROOT/../shared}
OUT="$ROOT/eval/out"
mkdir -p "$OUT/runs"

tool() {  # tool NAME -> path of a built tool, or empty
  for p in "$BUILD/$1" "$BUILD/bench/$1"; do [ -x "$p" ] && { echo "$p"; return; }; done
  echo ""
}
SCORE=$(tool score_run)
[ -n "$SCORE" ] || { echo "run-peers: score_run not built in $BUILD" >&2; exit 1; }
XAPIAN=$(tool xapian_bench)
FTS5=$(tool fts5_bench)

# dataset:language (both Chinese sets: cmrc2018-dev Simplified, drcd-test
# Traditional). EVAL_SETS="cmrc2018-dev:zh drcd-test:zh" runs a subset.
DATASETS=${EVAL_SETS:-"scifact:en cranfield:en xquad-en:en faq-covid:en cmrc2018-dev:zh drcd-test:zh"}

results=()
table=()
record() {  # record ENGINE DATASET RUNFILE SECONDS
  local engine=$1 ds=$2 run=$3 secs=$4 m
  if ! m=$("$SCORE" "$run" "$DATA/datasets/$ds"); then
    echo "run-peers: scoring $run failed" >&2
    return
  fi
  results+=("{\"dataset\":\"$ds\",\"engine\":\"$engine\",\"seconds\":$secs,\"metrics\":$m}")
  local nd rc mr
  nd=$(sed -E 's/.*"ndcg@10":([0-9.eE+-]+).*/\1/' <<<"$m")
  rc=$(sed -E 's/.*"recall@100":([0-9.eE+-]+).*/\1/' <<<"$m")
  mr=$(sed -E 's/.*"mrr@10":([0-9.eE+-]+).*/\1/' <<<"$m")
  table+=("$(printf '| %s | %s | %.4f | %.4f | %.4f |' "$ds" "$engine" "$nd" "$rc" "$mr")")
}

timed() {  # timed CMD... ; sets SECS
  local t0 t1
  t0=$(date +%s.%N)
  "$@"
  t1=$(date +%s.%N)
  SECS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
}

for entry in $DATASETS; do
  ds=${entry%%:*}
  lang=${entry##*:}
  dir="$DATA/datasets/$ds"
  [ -d "$dir" ] || { echo "run-peers: $dir missing, skipped" >&2; continue; }
  echo "== $ds ($lang)" >&2
  GB="$BUILD/glassbox"
  if [ -x "$GB" ] && "$GB" eval --help >/dev/null 2>&1; then
    # Glassbox: one index per dataset (defaults: analyzer auto-stop, static
    # embedder), searched in each mode; every run is scored like the peers'.
    coll="$OUT/glassbox-$ds"
    rm -rf "$coll"
    for variant in "bm25:--mode bm25" "vector:--mode vector" "hybrid:--mode hybrid" \
                   "hybrid-rrf:--mode hybrid --fusion rrf --weights 1,1" \
                   "hybrid-0.9/0.1:--mode hybrid --fusion minmax --weights 0.9,0.1"; do
      vname=${variant%%:*}
      vflags=${variant#*:}
      run="$OUT/runs/glassbox-${vname//\//_}-$ds.run"
      # shellcheck disable=SC2086
      if timed nice "$GB" eval --dataset "$dir" --collection "$coll" --run-out "$run" --json $vflags ${GLASSBOX_EVAL_FLAGS:-} >/dev/null; then
        record "glassbox-$vname" "$ds" "$run" "$SECS"
      else
        echo "run-peers: glassbox eval ($vname) failed on $ds" >&2
      fi
    done
    "$GB" stats "$coll" --json > "$OUT/glassbox-$ds-stats.json" || true
    rm -rf "$coll"
  else
    echo "run-peers: glassbox eval not available yet" >&2
  fi
  if command -v javac >/dev/null; then
    an=$([ "$lang" = zh ] && echo smartcn || echo english)
    for kb in "1.2 0.75" "0.9 0.4"; do
      set -- $kb
      name="lucene-$an-k1=$1-b=$2"
      run="$OUT/runs/$name-$ds.run"
      if timed nice "$ROOT/bench/peers/lucene.sh" "$BUILD" beir --dataset "$dir" --lang "$lang" --k1 "$1" --b "$2" --run "$run"; then
        record "$name" "$ds" "$run" "$SECS"
      fi
    done
  else
    echo "run-peers: javac not found, Lucene skipped" >&2
  fi
  if [ -n "$XAPIAN" ]; then
    name="xapian-$([ "$lang" = zh ] && echo cjk-ngram || echo english)"
    run="$OUT/runs/$name-$ds.run"
    timed nice "$XAPIAN" beir --dataset "$dir" --lang "$lang" --run "$run" && record "$name" "$ds" "$run" "$SECS"
  else
    echo "run-peers: xapian_bench not built, Xapian skipped" >&2
  fi
  if [ -n "$FTS5" ]; then
    name="fts5-$([ "$lang" = zh ] && echo trigram || echo porter)"
    run="$OUT/runs/$name-$ds.run"
    timed nice "$FTS5" beir --dataset "$dir" --lang "$lang" --run "$run" && record "$name" "$ds" "$run" "$SECS"
  fi
done

{
  echo "{\"data\":\"$DATA\",\"results\":["
  for i in "${!results[@]}"; do
    [ "$i" -gt 0 ] && echo ","
    printf '%s' "${results[$i]}"
  done
  echo "]}"
} >"$OUT/peers.json"

echo "| dataset | engine | nDCG@10 | Recall@100 | MRR@10 |"
echo "| --- | --- | --- | --- | --- |"
printf '%s\n' "${table[@]}"
echo >&2 "wrote $OUT/peers.json"
