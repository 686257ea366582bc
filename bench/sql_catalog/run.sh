#!/usr/bin/env bash
# The schema catalog at 2,080 tables: generates the schema and questions, then
# measures top-3 table / column retrieval and its latency (BENCHMARKS.md).
#
#   bench/sql_catalog/run.sh BUILD_DIR [QUESTIONS]      # needs the catalog_bench target (tools/)
set -euo pipefail
BUILD=${1:?usage: bench/sql_catalog/run.sh BUILD_DIR [QUESTIONS]}
N=${2:-1000}
SRC=$(cd "$(dirname "$0")" && pwd)
OUT="$BUILD/sql_catalog"
/usr/bin/python3 "$SRC/gen_schema.py" "$OUT" --questions "$N"
nice "$BUILD/tools/catalog_bench" --db "$OUT/enterprise.sqlite" --questions "$OUT/questions.jsonl" --k 3 --repeat 5
