#!/usr/bin/env bash
# HTTP load test: hybrid search through `glassbox serve` with wrk at 1, 8 and 64
# connections while an ingest adds documents through the same server.
#
#   bench/load/run.sh BUILD_DIR [--docs N] [--seconds S] [--reuse] [--root DIR]
#                     [--connections "1 8 64"]
#
# WRITER=0: no writer (searches alone); WRITER_RATE and WRITER=shell: see
# writer() below; SLOW_MS=N: the server logs requests of N ms or more to
# bench/out/load-server.log (serve --slow-ms); TIMED=1: after wrk's
# one-connection phase, the same phase with bench/load/latency.py, which times
# every request as it is (wrk's figures correct for coordinated omission).
# --root DIR: the server's data directory (default bench/out/load-data); with
# --reuse, DIR/load is any existing collection (e.g. a copy of bench/acl's);
# without --reuse DIR is emptied and the collection built there.
#
# Builds a collection "load" (static embedder) from the first N documents of
# the benchmark corpus (bench/out/corpus-1000000.jsonl; run bench/run.sh first
# or it is generated), starts the server, and for each connection count runs
# wrk for S seconds while a writer posts batches of new documents. Checks that
# every request succeeded and every acknowledged document is searchable, and
# writes bench/out/load.json.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${1:?usage: bench/load/run.sh BUILD_DIR [--docs N] [--seconds S]}" && pwd)
shift
DOCS=1000000 SECS=20 REUSE=0 ROOTDIR_ARG="" CONNS="1 8 64"
while [ $# -gt 0 ]; do
  case "$1" in
    --reuse) REUSE=1; shift ;;
    --docs) DOCS=$2; shift 2 ;;
    --seconds) SECS=$2; shift 2 ;;
    --root) ROOTDIR_ARG=$2; shift 2 ;;
    --connections) CONNS=$2; shift 2 ;;
    *) echo "bench/load/run.sh: unknown flag $1" >&2; exit 2 ;;
  esac
done
DATA=${GLASSBOX_DATA:-$ROOT/../shared}
QUERIES="$DATA/benchmarks/aol-queries.jsonl"
CORPUS="$ROOT/bench/out/corpus-1000000.jsonl"
OUT="$ROOT/bench/out"
mkdir -p "$OUT"
if [ ! -s "$CORPUS" ]; then "$BUILD/bench/gen_corpus" --docs 1000000 --out "$CORPUS" --queries "$QUERIES"; fi
G="$BUILD/glassbox"
ROOTDIR=${ROOTDIR_ARG:-$OUT/load-data}
t0=$(date +%s.%N)
if [ "$REUSE" = 1 ] && [ -f "$ROOTDIR/load/MANIFEST" ]; then
  echo "reusing the collection in $ROOTDIR/load" >&2
  t0=0
else
  rm -rf "$ROOTDIR"
  mkdir -p "$ROOTDIR"
  head -n "$DOCS" "$CORPUS" > "$OUT/load-corpus.jsonl"
  echo "building collection 'load' from $DOCS documents (static embedder)" >&2
  "$G" ingest "$ROOTDIR/load" "$OUT/load-corpus.jsonl" --id-key id --chunk-chars 0 --analyzer english --quiet --json > "$OUT/load-ingest.json"
fi
t1=$(date +%s.%N)
PORT=$((20000 + RANDOM % 20000))
"$G" serve --data "$ROOTDIR" --port "$PORT" --threads 128 --slow-ms "${SLOW_MS:-0}" > "$OUT/load-server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.2; done
# The server opens a collection on its first request (reading 1.2 GB into memory at 1M documents takes seconds):
# one search, waited for, before the warm-up, so the open never falls into a measured phase.
curl -sf --max-time 300 -X POST -H 'Content-Type: application/json' --data '{"query": "cement", "k": 1}' \
     "http://127.0.0.1:$PORT/v1/collections/load/search" > /dev/null || echo "load: the first search failed" >&2
# Warm-up, not measured: the first searches of a freshly opened 1M-document
# collection fault in its files and fill per-segment caches (the very first
# took ~0.6 s), and wrk's coordinated-omission correction turns one such
# stall into a p99 of hundreds of milliseconds at one connection.
wrk -t 1 -c 1 -d "${WARMUP:-5}s" --timeout 30s -s "$ROOT/bench/load/search.lua" \
    "http://127.0.0.1:$PORT" -- "$QUERIES" > "$OUT/load-wrk-warmup.txt" 2>&1 || true

# The writer (bench/load/writer.py): batches of 20 new documents, one POST
# each over one keep-alive connection, WRITER_RATE batches a second (default
# 15, the pace the earlier shell-and-curl writer reached; 0: back to
# back), until told to stop. WRITER=shell runs that old writer instead (a
# bash loop starting curl per batch: it took over a third of both cores).
writer() {
  if [ "$USE_WRITER" = shell ]; then shell_writer "$1"; return; fi
  /usr/bin/python3 "$ROOT/bench/load/writer.py" "$PORT" "$1" "$OUT" "${WRITER_RATE:-15}"
}
shell_writer() {
  local n=0 tag=$1
  while [ ! -f "$OUT/load-stop" ]; do
    body='{"documents":['
    for k in $(seq 20); do
      n=$((n + 1))
      body+="{\"id\":\"w-$tag-$n\",\"text\":\"loadtest$tag marker document number $n about cement\"},"
    done
    body="${body%,}]}"
    if curl -sf -X POST -H 'Content-Type: application/json' --data "$body" \
         "http://127.0.0.1:$PORT/v1/collections/load/documents" >/dev/null; then
      echo "$n" > "$OUT/load-acked-$tag"
    else
      echo "writer: request failed" >&2
    fi
  done
}

results=()
USE_WRITER=${WRITER:-1}
# Runs the rest of the arguments while the writer (ids w-TAG-N) posts its batches, unless WRITER=0.
with_writer() {
  local tag=$1 pid=""
  shift
  rm -f "$OUT/load-stop" "$OUT/load-acked-$tag"
  if [ "$USE_WRITER" != 0 ]; then writer "$tag" & pid=$!; fi
  "$@"
  touch "$OUT/load-stop"
  [ -z "$pid" ] || wait "$pid"
}
run_wrk() {
  local conns=$1 threads=$(( $1 < 2 ? 1 : 2 ))
  # A generous client timeout: a slow answer shows in the latency figures instead of being dropped.
  wrk -t "$threads" -c "$conns" -d "${SECS}s" --timeout 30s --latency -s "$ROOT/bench/load/search.lua" \
      "http://127.0.0.1:$PORT" -- "$QUERIES" > "$OUT/load-wrk-$conns.txt" 2> "$OUT/load-wrk-$conns.err" || true
}
run_timed() {
  timed=$(/usr/bin/python3 "$ROOT/bench/load/latency.py" "$PORT" "$QUERIES" "$SECS" "$OUT/load-timed-1.json")
}
for conns in $CONNS; do
  with_writer "c$conns" run_wrk "$conns"
  if [ "$conns" = 1 ] && [ -n "${TIMED:-}" ]; then
    # The same phase again with every request timed as it is (no coordinated-omission correction).
    with_writer "t$conns" run_timed
    echo "connections 1, each request timed (bench/load/latency.py): $timed" >&2
  fi
  acked=$(cat "$OUT/load-acked-c$conns" 2>/dev/null || echo 0)
  # Acknowledged documents must be there: every 1 in (acked/100), and the last one.
  found=0 checked=0
  step=$(( acked / 100 > 0 ? acked / 100 : 1 ))
  for n in $(seq 1 "$step" "$acked") "$acked"; do
    [ "$n" -ge 1 ] || continue
    checked=$((checked + 1))
    curl -sf "http://127.0.0.1:$PORT/v1/collections/load/documents/w-c$conns-$n" >/dev/null && found=$((found + 1))
  done
  rps=$(awk '/Requests\/sec/ {print $2}' "$OUT/load-wrk-$conns.txt")
  p50=$(awk '$1=="50%" {print $2}' "$OUT/load-wrk-$conns.txt")
  p99=$(awk '$1=="99%" {print $2}' "$OUT/load-wrk-$conns.txt")
  errs=$(grep -c "status" "$OUT/load-wrk-$conns.err" || true)
  non2xx=$(awk '/Non-2xx/ {print $NF}' "$OUT/load-wrk-$conns.txt")
  sockerr=$(grep -c "Socket errors" "$OUT/load-wrk-$conns.txt" || true)
  echo "connections $conns: $rps req/s, p50 $p50, p99 $p99, errors ${non2xx:-0} (+$sockerr socket-error lines), documents acknowledged $acked, sampled $checked, found $found" >&2
  results+=("{\"connections\":$conns,\"requests_per_second\":${rps:-0},\"p50\":\"$p50\",\"p99\":\"$p99\",\"non_2xx\":${non2xx:-0},\"socket_error_lines\":$sockerr,\"acked\":$acked,\"sampled\":$checked,\"found\":$found}")
done
build_s=$(python3 -c "print(round($t1 - $t0, 1) if $t0 > 0 else 'null')")
( IFS=,; echo "{\"docs\":$DOCS,\"build_seconds\":$build_s,\"seconds_per_run\":$SECS,\"runs\":[${results[*]}]}" ) > "$OUT/load.json"
cat "$OUT/load.json"
