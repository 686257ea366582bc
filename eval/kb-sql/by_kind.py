#!/usr/bin/env python3
"""Execution accuracy of `glassbox eval-sql` on this set per kind (aggregate, group/top-n, unanswerable) and
language, with the misses listed (question, predicted SQL and rows).

  /usr/bin/python3 eval/kb-sql/by_kind.py BUILD_DIR KB_DIR   (KB_DIR: ingested examples/kb)
"""
import json, os, subprocess, sys, tempfile
from collections import defaultdict

build, kb = sys.argv[1], sys.argv[2]
here = os.path.dirname(os.path.abspath(__file__))
with tempfile.TemporaryDirectory() as tmp:
    pred_path = os.path.join(tmp, "pred.jsonl")
    subprocess.run([os.path.join(build, "glassbox"), "eval-sql", "--dataset", here, "--database", kb, "--today", "2026-10-20",
                    "--predictions-out", pred_path], check=True, capture_output=True)
    pred = {p["id"]: p for p in map(json.loads, open(pred_path, encoding="utf-8"))}
per = defaultdict(lambda: [0, 0])
for q in map(json.loads, open(os.path.join(here, "questions.jsonl"), encoding="utf-8")):
    p = pred[q["id"]]
    lang = q.get("lang", q["split"])
    for key in ((q["kind"], lang), (q["kind"], "all"), ("all", lang), ("all", "all")):
        per[key][0] += p["correct"]
        per[key][1] += 1
    if not p["correct"]:
        print("MISS", q["id"], q["question"], "|", p.get("status"), p.get("sql", p.get("error", ""))[:160], "|",
              json.dumps(p.get("rows", []), ensure_ascii=False)[:100])
for (kind, lang), (c, n) in sorted(per.items()):
    print(f"{kind:14s} {lang:4s} {c:3d}/{n:3d}  {c / n:.3f}")
