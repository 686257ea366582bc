#!/usr/bin/env python3
"""What per-principal BM25 statistics cost: the same searches as one principal,
with collection-wide statistics and with statistics over only what it may see.

  PYTHONPATH=build/python bench/principal_stats.py COLLECTION_DIR [QUERIES.jsonl] [--n 60] [--rounds 2]

QUERIES defaults to $GLASSBOX_DATA/benchmarks/aol-queries.jsonl (GLASSBOX_DATA: ../shared).
Prints p50 / p99 per setting and round, and the first query of a new principal.
"""
import argparse
import json
import os
import statistics
import sys
import time

import glassbox


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("collection")
    here = os.path.dirname(os.path.abspath(__file__))
    data = os.environ.get("GLASSBOX_DATA", os.path.join(here, "..", "..", "shared"))
    ap.add_argument("queries", nargs="?", default=os.path.join(data, "benchmarks", "aol-queries.jsonl"))
    ap.add_argument("--n", type=int, default=60)
    ap.add_argument("--rounds", type=int, default=2)
    a = ap.parse_args()
    try:
        c = glassbox.Collection.open(a.collection, read_only=True)
        qs = [json.loads(line)["query"] for line in open(a.queries)][: a.n]
    except (OSError, ValueError, KeyError, glassbox.Error) as e:
        print(f"principal_stats: {e}", file=sys.stderr)
        return 2

    def run(ps):
        t = []
        for _ in range(3):
            for q in qs:
                t0 = time.perf_counter()
                c.search(q, k=10, mode="bm25", snippet=False, plain=True, user="u1", principal_statistics=ps)
                t.append(time.perf_counter() - t0)
        t.sort()
        return statistics.median(t) * 1000, t[max(0, int(len(t) * 0.99) - 1)] * 1000

    t0 = time.perf_counter()
    c.search("warmup", k=10, mode="bm25", snippet=False, user="first", principal_statistics=True)
    print(f"first query of a new principal: {(time.perf_counter() - t0) * 1000:.1f} ms")
    for r in range(a.rounds):
        for ps in (False, True):
            p50, p99 = run(ps)
            print(f"round {r + 1} principal_statistics={ps}: p50 {p50:.3f} ms  p99 {p99:.3f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
