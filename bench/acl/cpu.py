#!/usr/bin/env python3
"""CPU time per query of one class of the ACL benchmark (bench/acl/run.py's classes), for callgrind or
for alternating two builds on a shared machine:

  PYTHONHASHSEED=0 PYTHONPATH=BUILD/python /usr/bin/python3 bench/acl/cpu.py COLLECTION CLASS [N] [REPS]

CLASS: none, p50, p1, filter, both. Runs the first N (40) AOL queries once as a warm-up, then REPS (1)
times, hybrid minmax 0.5/0.5, k 10; prints the searching thread's CPU ms per query of the timed part.
"""
import json
import os
import sys
import time

import glassbox

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.environ.get("GLASSBOX_DATA", os.path.join(HERE, "..", "..", "..", "shared"))
c = glassbox.Collection.open(sys.argv[1], read_only=True)
cls = sys.argv[2]
n = int(sys.argv[3]) if len(sys.argv) > 3 else 40
reps = int(sys.argv[4]) if len(sys.argv) > 4 else 1
qs = [json.loads(line)["query"] for line in open(os.path.join(DATA, "benchmarks", "aol-queries.jsonl"))][:n]
suffix, kw = {"none": ("", {}), "p50": ("", {"groups": ["g50"], "user": "u"}), "filter": (" year:>=2020", {}),
              "both": (" year:>=2020", {"groups": ["g50"], "user": "u"}),
              "p1": ("", {"groups": ["g1"], "user": "u"})}[cls]
for q in qs:
    c.search(q + suffix, k=10, mode="hybrid", weights=(0.5, 0.5), fusion="minmax", snippet=False, **kw)
t0 = time.thread_time()
for _ in range(reps):
    for q in qs:
        c.search(q + suffix, k=10, mode="hybrid", weights=(0.5, 0.5), fusion="minmax", snippet=False, **kw)
print(cls, "cpu ms/query", (time.thread_time() - t0) * 1000 / (n * reps))
