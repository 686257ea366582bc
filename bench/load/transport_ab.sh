#!/usr/bin/env bash
# A/B of HTTP servers on one collection: hybrid search through wrk at 1 and 8
# connections (3 s warm-up, 10 s measured), no writer, binaries alternated for
# three rounds so that machine noise hits each alike.
#
#   bench/load/transport_ab.sh DATA_DIR NAME=GLASSBOX_BINARY...
#
# DATA_DIR holds the collection "load" (e.g. bench/out/load-data after bench/load/run.sh).
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DATA=${1:?usage: bench/load/transport_ab.sh DATA_DIR NAME=BINARY...}
shift
Q=${GLASSBOX_DATA:-$ROOT/../shared}/benchmarks/aol-queries.jsonl
LUA=$ROOT/bench/load/search.lua
OUT=$(mktemp -d)
export GLASSBOX_MODEL_DIR=${GLASSBOX_MODEL_DIR:-$ROOT/build/models}
run() {  # name binary conns
  local name=$1 bin=$2 c=$3 port=$((20000 + RANDOM % 20000))
  "$bin" serve --data "$DATA" --port $port --threads 16 > $OUT/server-$name.log 2>&1 &
  local pid=$!
  for _ in $(seq 100); do curl -sf http://127.0.0.1:$port/health >/dev/null && break; sleep 0.1; done
  wrk -t1 -c$c -d3s -s $LUA http://127.0.0.1:$port -- $Q > /dev/null 2>&1   # warm up
  wrk -t1 -c$c -d10s --latency -s $LUA http://127.0.0.1:$port -- $Q > $OUT/wrk-$name-$c.txt 2>&1
  kill $pid; wait $pid 2>/dev/null
  printf "%-6s c=%-2s %8s req/s  p50 %-8s p99 %s\n" $name $c "$(awk '/Requests\/sec/{print $2}' $OUT/wrk-$name-$c.txt)" \
    "$(awk '$1=="50%"{print $2}' $OUT/wrk-$name-$c.txt)" "$(awk '$1=="99%"{print $2}' $OUT/wrk-$name-$c.txt)"
}
for round in 1 2 3; do
  for c in 1 8; do
    for spec in "$@"; do run "${spec%%=*}" "${spec#*=}" $c; done
  done
done
