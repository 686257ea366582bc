#!/usr/bin/env python3
"""What access control and metadata filters cost a hybrid search (issue 8, item 5).

  PYTHONPATH=build/python /usr/bin/python3 bench/acl/run.py BUILD_DIR [--docs 1000000] [--out bench/out/acl]
                                                            [--queries 200] [--rounds 2]

Builds (once; reused when OUT/collection exists) a collection of generated
documents (bench/gen_corpus) where every document is restricted to groups:
all to "g50" or "other" alternately, one in a hundred also to "g1"; and a
number field `year` (2000..2024, uniform). Then times the same hybrid searches
(fixed weights 0.5/0.5, so both retrievers run) as: no principal; a principal
in "g50" (sees 50 %); a principal in "g1" (sees 1 %); no principal with the
filter year:>=2020 (20 %); the g50 principal with that filter. Prints p50/p99
per class and round, and the ratios to the unconstrained search. Queries:
$GLASSBOX_DATA/benchmarks/aol-queries.jsonl (GLASSBOX_DATA defaults to ../shared).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import glassbox

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.environ.get("GLASSBOX_DATA", os.path.join(HERE, "..", "..", "..", "shared"))
QUERIES = os.path.join(DATA, "benchmarks", "aol-queries.jsonl")  # also shapes the corpus's word frequencies


def build(build_dir, out, docs):
    coll = os.path.join(out, "collection")
    if os.path.exists(os.path.join(coll, "MANIFEST")):
        return coll
    os.makedirs(out, exist_ok=True)
    corpus = os.path.join(out, "corpus.jsonl")
    subprocess.run([os.path.join(build_dir, "bench", "gen_corpus"), "--docs", str(docs), "--out", corpus,
                    "--queries", QUERIES], check=True)
    c = glassbox.Collection.create(coll)
    t0 = time.perf_counter()
    with open(corpus) as f:
        for i, line in enumerate(f):
            d = json.loads(line)
            groups = ["g50" if i % 2 == 0 else "other"] + (["g1"] if i % 100 == 0 else [])
            c.add(d["id"], text=d["text"],
                  metadata={"acl_groups": groups, "year": 2000 + (i * 7919) % 25})
            if (i + 1) % 200000 == 0:
                c.commit()
                print(f"  {i + 1} documents, {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
    c.commit()
    c.close()
    print(f"built {docs} documents in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return coll


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build_dir")
    ap.add_argument("--docs", type=int, default=1000000)
    ap.add_argument("--out", default="bench/out/acl")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=2)
    a = ap.parse_args()
    try:
        coll = build(a.build_dir, a.out, a.docs)
        c = glassbox.Collection.open(coll, read_only=True)
        qs = [json.loads(line)["query"] for line in open(QUERIES)][: a.queries]
    except (OSError, ValueError, KeyError, subprocess.CalledProcessError, glassbox.Error) as e:
        print(f"bench/acl: {e}", file=sys.stderr)
        return 2
    classes = [
        ("unconstrained", "", {}),
        ("principal sees 50%", "", {"groups": ["g50"], "user": "u"}),
        ("principal sees 1%", "", {"groups": ["g1"], "user": "u"}),
        ("filter year>=2020 (20%)", " year:>=2020", {}),
        ("50% principal + filter", " year:>=2020", {"groups": ["g50"], "user": "u"}),
    ]

    def run(suffix, kw):
        t, cpu = [], []
        for q in qs:
            c0 = time.thread_time()
            t0 = time.perf_counter()
            c.search(q + suffix, k=10, mode="hybrid", weights=(0.5, 0.5), fusion="minmax", snippet=False, **kw)
            t.append(time.perf_counter() - t0)
            cpu.append(time.thread_time() - c0)
        t.sort()
        return statistics.median(t) * 1000, t[max(0, int(len(t) * 0.99) - 1)] * 1000, statistics.median(cpu) * 1000

    for _, suffix, kw in classes:  # warm-up: page cache and the per-principal sets
        run(suffix, kw)
    print(f"{c.stats()['documents']} documents, {len(qs)} queries, hybrid minmax 0.5/0.5, k=10")
    for r in range(a.rounds):
        base = None
        for name, suffix, kw in classes:
            p50, p99, cpu = run(suffix, kw)
            if base is None:
                base = (p50, p99, cpu)
            # CPU time of the searching thread (one thread per search): steadier than wall time when
            # other work shares the machine.
            print(f"round {r + 1}  {name:26s} p50 {p50:7.3f} ms  p99 {p99:7.3f} ms  cpu p50 {cpu:7.3f} ms   "
                  f"ratio p50 {p50 / base[0]:.2f}  p99 {p99 / base[1]:.2f}  cpu {cpu / base[2]:.2f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
