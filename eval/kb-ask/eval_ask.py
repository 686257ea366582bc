#!/usr/bin/env python3
"""Scores `glassbox ask` on the example knowledge base: questions.jsonl holds,
per question, its kind (tables, documents, multi-step, unanswerable), the
route and status the answer must have ("" route: any) and the strings its
text must contain (numbers compared without thousands separators). Optional:
"args" (extra `ask` options, e.g. ["--faq"]) and "or" (other acceptable
outcomes, each a status and its strings: an ambiguous question is right when
it asks back, or when its answer gives every reading). Gold was written
before running the parser.

  python3 eval/kb-ask/eval_ask.py BUILD_DIR KB_DIR [--faq-kb DIR] [--json]   (KB_DIR: ingested examples/kb)

Questions asked with "--faq" run on --faq-kb DIR when given: a second collection of examples/kb with the FAQ
files also added as FAQ entries (`glassbox ingest-faq DIR examples/kb/faq/*.md`); kept apart because FAQ
entries in KB_DIR would change the other questions' retrieval. Without it they run on KB_DIR (no entries: fail).
"""
import json, subprocess, sys, os
from collections import defaultdict

build, kb = sys.argv[1], sys.argv[2]
faq_kb = sys.argv[sys.argv.index("--faq-kb") + 1] if "--faq-kb" in sys.argv else kb
here = os.path.dirname(os.path.abspath(__file__))
per = defaultdict(lambda: [0, 0])
rows = []
for line in open(os.path.join(here, "questions.jsonl"), encoding="utf-8"):
    q = json.loads(line)
    on = faq_kb if "--faq" in q.get("args", []) else kb
    out = subprocess.run([os.path.join(build, "glassbox"), "ask", on, q["question"], "--today", "2026-10-20", "--json"]
                         + q.get("args", []), capture_output=True, text=True)
    ok, why = True, ""
    try:
        a = json.loads(out.stdout)
    except ValueError:
        a, ok, why = {}, False, "no JSON: " + out.stderr.strip()[:200]
    text = a.get("answer", "")
    flat = text.replace(",", "")

    def check(status, route, expect):
        if a.get("status") != status:
            return "status " + str(a.get("status"))
        if route and a.get("route") != route:
            return "route " + str(a.get("route"))
        for e in expect:
            if e not in text and e.replace(",", "") not in flat:
                return "missing '" + e + "'"
        return ""
    if ok:
        why = check(q["status"], q["route"], q["expect"])
        for alt in q.get("or", []):
            if why and not check(alt["status"], alt.get("route", ""), alt.get("expect", [])):
                why = ""
        ok = not why
    for key in (q["kind"], q["kind"] + "/" + q["lang"], "all/" + q["lang"]):
        per[key][0] += ok
        per[key][1] += 1
    rows.append({"id": q["id"], "kind": q["kind"], "lang": q["lang"], "correct": ok, "why": why, "route": a.get("route"),
                 "answer": text})
if "--json" in sys.argv:
    print(json.dumps({"per_kind": {k: {"correct": v[0], "n": v[1]} for k, v in per.items()}, "questions": rows},
                     ensure_ascii=False, indent=1))
else:
    for r in rows:
        if not r["correct"]:
            print("MISS", r["id"], r["why"], "|", r["route"], "|", r["answer"][:160])
    total = [sum(v[0] for k, v in per.items() if "/" not in k), sum(v[1] for k, v in per.items() if "/" not in k)]
    for k, v in sorted(per.items()) + [("all", total)]:
        print(f"{k:14s} {v[0]:3d}/{v[1]:3d}  {v[0] / v[1]:.3f}")
