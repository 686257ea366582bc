#!/usr/bin/env python3
"""Prints the hits (id, score) of the ACL benchmark's hybrid and vector searches,
per class, so two builds can be compared (same results = same recall):

  PYTHONPATH=BUILD/python /usr/bin/python3 bench/acl/dump.py COLLECTION [QUERIES] > out.txt
"""
import json
import os
import sys

import glassbox

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.environ.get("GLASSBOX_DATA", os.path.join(HERE, "..", "..", "..", "shared"))
c = glassbox.Collection.open(sys.argv[1], read_only=True)
n = int(sys.argv[2]) if len(sys.argv) > 2 else 200
qs = [json.loads(line)["query"] for line in open(os.path.join(DATA, "benchmarks", "aol-queries.jsonl"))][:n]
classes = {"none": ("", {}), "p50": ("", {"groups": ["g50"], "user": "u"}), "p1": ("", {"groups": ["g1"], "user": "u"}),
           "filter": (" year:>=2020", {}), "both": (" year:>=2020", {"groups": ["g50"], "user": "u"})}
for name, (suffix, kw) in classes.items():
    for q in qs:
        for mode in ("hybrid", "vector"):
            extra = {"weights": (0.5, 0.5), "fusion": "minmax"} if mode == "hybrid" else {}
            r = c.search(q + suffix, k=10, mode=mode, snippet=False, **extra, **kw)
            print(name, mode, repr(q), " ".join(f"{h['id']}:{h['score']:.9g}" for h in r["hits"]))
