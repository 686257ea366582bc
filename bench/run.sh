#!/usr/bin/env bash
# Speed benchmark: Glassbox (when its driver exists) vs Lucene, Xapian and
# SQLite FTS5 on one synthetic corpus, one engine after another, same machine.
#
#   bench/run.sh BUILD_DIR [--docs N] [--reps R] [--warmup W] [--engines "glassbox lucene xapian fts5"]
#                [--reuse-index] [--no-fetch]
#
# Writes bench/out/corpus-N.jsonl (kept and reused), bench/out/<engine>.json,
# bench/out/results.json, and prints a markdown table with ratios vs Lucene.
# --reuse-index: query the indexes a previous run built (peers only).
# --no-fetch: time the top 10 without loading the hits' stored ids (peers
# only; results go to <engine>-nofetch.json).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:?usage: bench/run.sh BUILD_DIR [--docs N]}" && pwd)
shift
DOCS=1000000 REPS=5 WARMUP=2 ENGINES="glassbox lucene xapian fts5"
EXTRA=() SUFFIX=""
while [ $# -gt 0 ]; do
  case "$1" in
    --docs) DOCS=$2; shift 2 ;;
    --reps) REPS=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --engines) ENGINES=$2; shift 2 ;;
    --reuse-index) EXTRA+=(--reuse-index); shift ;;
    --no-fetch) EXTRA+=(--no-fetch); SUFFIX="-nofetch"; shift ;;
    *) echo "bench/run.sh: unknown flag $1" >&2; exit 2 ;;
  esac
done
DATA=${GLASSBOX_DATA:-$ROOT/../shared}
QUERIES="$DATA/benchmarks/aol-queries.jsonl"
OUT="$ROOT/bench/out"
mkdir -p "$OUT"

tool() {
  for p in "$BUILD/$1" "$BUILD/bench/$1"; do [ -x "$p" ] && { echo "$p"; return; }; done
  echo ""
}

CORPUS="$OUT/corpus-$DOCS.jsonl"
if [ ! -s "$CORPUS" ]; then
  GEN=$(tool gen_corpus)
  [ -n "$GEN" ] || { echo "bench/run.sh: gen_corpus not built in $BUILD" >&2; exit 1; }
  echo "generating $DOCS documents -> $CORPUS" >&2
  nice "$GEN" --docs "$DOCS" --out "$CORPUS.tmp" --queries "$QUERIES"
  mv "$CORPUS.tmp" "$CORPUS"
fi

COMMON=(--corpus "$CORPUS" --queries "$QUERIES" --k 10 --warmup "$WARMUP" --reps "$REPS" ${EXTRA[@]+"${EXTRA[@]}"})
files=()
for e in $ENGINES; do
  json="$OUT/$e$SUFFIX.json"
  rm -f "$json"
  echo "== $e" >&2
  case "$e" in
    lucene)
      if command -v javac >/dev/null; then
        nice "$ROOT/bench/peers/lucene.sh" "$BUILD" speed "${COMMON[@]}" --index "$OUT/lucene-index" --json "$json"
      else
        echo "javac not found: Lucene skipped" >&2
      fi ;;
    xapian)
      X=$(tool xapian_bench)
      if [ -n "$X" ]; then nice "$X" speed "${COMMON[@]}" --index "$OUT/xapian-index" --json "$json"
      else echo "xapian_bench not built: Xapian skipped" >&2; fi ;;
    fts5)
      F=$(tool fts5_bench)
      if [ -n "$F" ]; then nice "$F" speed "${COMMON[@]}" --index "$OUT/fts5.db" --json "$json"
      else echo "fts5_bench not built: FTS5 skipped" >&2; fi ;;
    glassbox)
      GB="$BUILD/glassbox"
      if [ ${#EXTRA[@]} -gt 0 ]; then
        echo "glassbox: --reuse-index/--no-fetch apply to the peers only; skipped" >&2
      elif [ -x "$GB" ] && "$GB" bench --help >/dev/null 2>&1; then
        # The driver indexes the corpus (timed) when --corpus is given, then
        # runs the query set; it prints the same JSON shape as the peers.
        rm -rf "$OUT/glassbox-index"
        # Extra flags (e.g. --no-wal, --algorithm bmw) from $GLASSBOX_BENCH_FLAGS.
        # shellcheck disable=SC2086
        nice "$GB" bench --collection "$OUT/glassbox-index" --corpus "$CORPUS" --queries "$QUERIES" \
          --k 10 --warmup "$WARMUP" --repeat "$REPS" --json ${GLASSBOX_BENCH_FLAGS:-} >"$json" \
          || { echo "glassbox bench failed" >&2; rm -f "$json"; }
      else
        echo "glassbox driver not available yet" >&2
      fi ;;
    *) echo "unknown engine $e" >&2 ;;
  esac
  [ -s "$json" ] && files+=("$json")
done

[ ${#files[@]} -gt 0 ] || { echo "no engine produced results" >&2; exit 1; }
python3 "$ROOT/bench/report.py" "$OUT/results.json" "${files[@]}"
