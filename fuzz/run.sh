#!/usr/bin/env bash
# Builds the libFuzzer targets with clang into BUILD_DIR/fuzz and runs each for
# SECONDS (default 10), starting from the seeds in fuzz/corpus/<target>/.
# Fails on any crash, sanitizer report or broken invariant; the input that
# failed is left in BUILD_DIR/fuzz/artifacts/. Inputs the fuzzer finds are kept
# in BUILD_DIR/fuzz/corpus/<target>/ (never in the source tree).
#
#   fuzz/run.sh build 30
set -euo pipefail

BUILD_DIR=${1:?usage: fuzz/run.sh BUILD_DIR [SECONDS]}
SECONDS_PER_TARGET=${2:-10}
SRC=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$BUILD_DIR"
OUT=$(cd "$BUILD_DIR" && pwd)/fuzz

CXX_BIN=${FUZZ_CXX:-clang++}
if ! command -v "$CXX_BIN" >/dev/null 2>&1; then
  echo "fuzz: $CXX_BIN is not installed; skipping the fuzz targets (scripts/setup.sh installs clang)"
  exit 0
fi

cmake -S "$SRC" -B "$OUT" -DCMAKE_CXX_COMPILER="$CXX_BIN" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$OUT" -j "${FUZZ_JOBS:-2}" >/dev/null

mkdir -p "$OUT/artifacts"
failed=()
for target in fuzz_csv fuzz_json fuzz_markdown fuzz_query fuzz_html fuzz_mail fuzz_ooxml fuzz_tables fuzz_nl2sql; do
  bin="$OUT/$target"
  if [ ! -x "$bin" ]; then
    echo "fuzz: $target not built (its sources are missing); skipped"
    continue
  fi
  work="$OUT/corpus/$target"
  mkdir -p "$work"
  seeds=()
  [ -d "$SRC/corpus/$target" ] && seeds=("$SRC/corpus/$target")
  log="$OUT/$target.log"
  echo "fuzz: $target for ${SECONDS_PER_TARGET}s"
  if ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
     "$bin" -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
            -print_final_stats=1 -artifact_prefix="$OUT/artifacts/$target-" \
            "$work" "${seeds[@]}" >"$log" 2>&1; then
    grep -E "^stat::number_of_executed_units|^stat::new_units_added" "$log" | tr '\n' ' ' | sed 's/^/  /'
    echo
  else
    echo "fuzz: $target FAILED; log $log, input in $OUT/artifacts/"
    grep -E "ERROR|invariant violated|runtime error|SUMMARY|Test unit written" "$log" | head -20 || true
    failed+=("$target")
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: failures in ${failed[*]}"
  exit 1
fi
echo "fuzz: all targets passed"
