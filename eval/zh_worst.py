#!/usr/bin/env python3
"""The worst queries of a Chinese set, for error analysis (issue 12, point 5).

For the N queries with the lowest nDCG@10 (ties: the relevant passage ranked
lowest first) of a `glassbox eval --json --per-query` result and its TREC run
(--run-out), prints the query, the relevant passage's rank and title, the
answer and whether the passage holds it, the top hit, and - with
`glassbox explain` on the kept index - which analyzed query terms the relevant
passage and the top hit match (term:tf) and lack (-term).

  eval/zh_worst.py GLASSBOX DATASET_DIR INDEX_DIR EVAL.json RUN.trec [N]
"""
import json
import subprocess
import sys


def jsonl(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def explain(gb, idx, query, doc):
    r = subprocess.run([gb, "explain", idx, query, doc, "--plain", "--mode", "bm25", "--json"],
                       capture_output=True, text=True)
    try:
        j = json.loads(r.stdout)
    except ValueError:
        return "?", []
    e = j.get("explanation") or {}
    terms = ["%s:%g" % (t["term"], t["tf"]) for t in e.get("terms", [])]
    terms += ["-" + t for t in (j.get("why") or {}).get("missing_terms", [])]
    return (j.get("why") or {}).get("rank", "?"), terms


def main():
    gb, ds, idx, ev, run = sys.argv[1:6]
    n = int(sys.argv[6]) if len(sys.argv) > 6 else 20
    queries = {q["_id"]: q["text"] for q in jsonl(ds + "/queries.jsonl")}
    corpus = {d["_id"]: d for d in jsonl(ds + "/corpus.jsonl")}
    answers = {a["query-id"]: a for a in jsonl(ds + "/answers.jsonl")}
    ranking = {}
    with open(run) as f:
        for line in f:
            q, _, d, rank, _score, _ = line.split()
            ranking.setdefault(q, []).append(d)
    per_query = json.load(open(ev))["per_query"]
    rel = {a["query-id"]: a["corpus-id"] for a in answers.values()}

    def rank_of(q):
        r = ranking.get(q, [])
        return r.index(rel[q]) + 1 if rel.get(q) in r else 1000

    worst = sorted(per_query, key=lambda p: (p["ndcg@10"], -rank_of(p["query"])))[:n]
    for p in worst:
        q = p["query"]
        d = rel[q]
        doc = corpus[d]
        ans = answers[q]["answers"]
        top = ranking.get(q, ["-"])[0]
        _, rel_terms = explain(gb, idx, queries[q], d)
        _, top_terms = explain(gb, idx, queries[q], top) if top != "-" else ("", [])
        print("== %s  nDCG@10 %.3f  relevant %s at rank %s" % (q, p["ndcg@10"], d, rank_of(q)))
        print("  query:   %s" % queries[q])
        print("  answer:  %s (in passage: %s)" % (" | ".join(ans), any(a in doc["text"] for a in ans)))
        print("  rel:     [%s] %s" % (doc.get("title", ""), doc["text"][:80].replace("\n", " ")))
        print("  rel matches: %s" % " ".join(rel_terms))
        print("  top1:    %s [%s]  matches: %s" % (top, corpus.get(top, {}).get("title", ""), " ".join(top_terms)))
        # the sentence around the first answer occurrence
        for a in ans:
            i = doc["text"].find(a)
            if i >= 0:
                print("  context: ...%s..." % doc["text"][max(0, i - 60):i + len(a) + 20].replace("\n", " "))
                break


if __name__ == "__main__":
    main()
