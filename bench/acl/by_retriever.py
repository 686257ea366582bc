#!/usr/bin/env python3
"""Per-retriever latency of the collection bench/acl/run.py built (bm25 and vector modes, same classes).

  PYTHONPATH=build/python /usr/bin/python3 bench/acl/by_retriever.py [COLLECTION] [QUERIES]
"""
import json, statistics, time, sys
import glassbox
import os
here = os.path.dirname(os.path.abspath(__file__))
data = os.environ.get("GLASSBOX_DATA", os.path.join(here, "..", "..", "..", "shared"))
coll = sys.argv[1] if len(sys.argv) > 1 else "bench/out/acl/collection"
qfile = sys.argv[2] if len(sys.argv) > 2 else os.path.join(data, "benchmarks", "aol-queries.jsonl")
try:
    c = glassbox.Collection.open(coll, read_only=True)
    qs = [json.loads(l)["query"] for l in open(qfile)][:200]
except (OSError, ValueError, KeyError, glassbox.Error) as e:
    print(f"by_retriever: {e}", file=sys.stderr)
    sys.exit(2)
def run(mode, suffix, kw):
    t, cpu = [], []
    for q in qs:
        c0 = time.thread_time()
        t0 = time.perf_counter()
        if mode == "hybrid":
            c.search(q + suffix, k=10, mode=mode, weights=(0.5, 0.5), fusion="minmax", snippet=False, **kw)
        else:
            c.search(q + suffix, k=10, mode=mode, snippet=False, **kw)
        t.append(time.perf_counter() - t0)
        cpu.append(time.thread_time() - c0)
    t.sort()
    return statistics.median(t) * 1000, t[int(len(t) * .99) - 1] * 1000, statistics.median(cpu) * 1000
for mode in (sys.argv[3].split(",") if len(sys.argv) > 3 else ("bm25", "vector")):
    for name, suffix, kw in [("none", "", {}), ("p50", "", {"groups": ["g50"], "user": "u"}), ("filter", " year:>=2020", {}), ("p50+flt", " year:>=2020", {"groups": ["g50"], "user": "u"}), ("p1", "", {"groups": ["g1"], "user": "u"})]:
        run(mode, suffix, kw)
        p50, p99, cpu = run(mode, suffix, kw)
        # CPU time of the searching thread: less disturbed than wall time when other work shares the machine.
        print(f"{mode:6s} {name:7s} p50 {p50:7.3f} p99 {p99:7.3f} cpu-p50 {cpu:7.3f}", flush=True)
