#!/usr/bin/env python3
"""Scores `glassbox ask` on the example knowledge base: questions.jsonl holds,
per question, its kind (tables, documents, multi-step, unanswerable), the
route and status the answer must have ("" route: any) and the strings its
text must contain (numbers compared without thousands separators). Gold was
written before running the parser.

  python3 eval/kb-ask/eval_ask.py BUILD_DIR KB_DIR [--json]   (KB_DIR: ingested examples/kb)
"""
import json, subprocess, sys, os
from collections import defaultdict

build, kb = sys.argv[1], sys.argv[2]
here = os.path.dirname(os.path.abspath(__file__))
per = defaultdict(lambda: [0, 0])
rows = []
for line in open(os.path.join(here, "questions.jsonl"), encoding="utf-8"):
    q = json.loads(line)
    out = subprocess.run([os.path.join(build, "glassbox"), "ask", kb, q["question"], "--today", "2026-10-20", "--json"],
                         capture_output=True, text=True)
    ok, why = True, ""
    try:
        a = json.loads(out.stdout)
    except ValueError:
        a, ok, why = {}, False, "no JSON: " + out.stderr.strip()[:200]
    text = a.get("answer", "")
    flat = text.replace(",", "")
    if ok and a.get("status") != q["status"]:
        ok, why = False, "status " + str(a.get("status"))
    if ok and q["route"] and a.get("route") != q["route"]:
        ok, why = False, "route " + str(a.get("route"))
    for e in q["expect"]:
        if ok and e not in text and e.replace(",", "") not in flat:
            ok, why = False, "missing '" + e + "'"
    per[q["kind"]][0] += ok
    per[q["kind"]][1] += 1
    rows.append({"id": q["id"], "kind": q["kind"], "correct": ok, "why": why, "route": a.get("route"), "answer": text})
if "--json" in sys.argv:
    print(json.dumps({"per_kind": {k: {"correct": v[0], "n": v[1]} for k, v in per.items()}, "questions": rows},
                     ensure_ascii=False, indent=1))
else:
    for r in rows:
        if not r["correct"]:
            print("MISS", r["id"], r["why"], "|", r["route"], "|", r["answer"][:120])
    total = [sum(v[0] for v in per.values()), sum(v[1] for v in per.values())]
    for k, v in sorted(per.items()) + [("all", total)]:
        print(f"{k:14s} {v[0]:3d}/{v[1]:3d}  {v[0] / v[1]:.3f}")
