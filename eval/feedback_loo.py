#!/usr/bin/env python3
"""Leave-one-collection-out choice of pseudo-relevance feedback (issue 12, point 3).

Reads the `glassbox eval --json --per-query` results eval/feedback-loo.sh wrote
(OUT/DATASET.base.json, OUT/DATASET.fb-DOCS-TERMS-WEIGHT.json) and prints, as
markdown:
  1. nDCG@10 of every setting on every set, delta to BM25 without feedback;
  2. leave-one-out: for each held-out set, the setting with the best mean
     nDCG@10 on the other sets ("off", i.e. no feedback, is a candidate too;
     ties go to "off", then to the earlier setting), its nDCG@10 on the
     held-out set, the delta to BM25 and a paired randomization test's
     two-sided p (per-query nDCG@10, 10,000 sign flips, fixed seed).

  eval/feedback_loo.py OUT_DIR DATASET...
"""
import json
import os
import random
import sys


def load(path):
    with open(path) as f:
        j = json.load(f)
    return j["ndcg@10"], {q["query"]: q["ndcg@10"] for q in j.get("per_query", [])}


def p_value(a, b, rounds=10000, seed=12):
    diffs = [a[q] - b.get(q, 0.0) for q in a]
    if not diffs:
        return 1.0
    observed = abs(sum(diffs))
    rng = random.Random(seed)
    hits = 0
    for _ in range(rounds):
        s = sum(d if rng.random() < 0.5 else -d for d in diffs)
        if abs(s) >= observed - 1e-12:
            hits += 1
    return (hits + 1) / (rounds + 1)


def main():
    out, sets = sys.argv[1], sys.argv[2:]
    scores, per_query = {}, {}  # setting -> set -> ndcg / per-query
    for ds in sets:
        for name in sorted(os.listdir(out)):
            if not name.startswith(ds + ".") or not name.endswith(".json"):
                continue
            setting = name[len(ds) + 1:-5]
            setting = "off" if setting == "base" else setting
            m, pq = load(os.path.join(out, name))
            scores.setdefault(setting, {})[ds] = m
            per_query.setdefault(setting, {})[ds] = pq
    sets = [s for s in sets if s in scores.get("off", {})]

    def order(s):
        if s == "off":
            return (0, 0, 0, 0)
        _, d, t, w = s.split("-")
        return (1, int(d), int(t), float(w))

    settings = sorted((s for s in scores if all(x in scores[s] for x in sets)), key=order)
    left = sorted(s for s in scores if s not in settings)
    if left:
        print("Not measured on every set, left out: %s\n" % ", ".join(left))
    off = scores["off"]
    print("nDCG@10 on every set (fb-DOCS-TERMS-WEIGHT; delta to no feedback in brackets)\n")
    print("| setting | " + " | ".join(sets) + " | mean Δ | min Δ |")
    print("| --- |" + " ---: |" * (len(sets) + 2))
    for s in settings:
        cells, deltas = [], []
        for x in sets:
            d = scores[s][x] - off[x]
            deltas.append(d)
            cells.append("%.4f" % scores[s][x] + ("" if s == "off" else " (%+.4f)" % d))
        print("| %s | %s | %+.4f | %+.4f |" % (s, " | ".join(cells), sum(deltas) / len(deltas), min(deltas)))

    print("\nLeave-one-out: chosen on the other sets by best mean nDCG@10 (off is a candidate), scored on the held-out set\n")
    print("| held out | chosen on the others | held-out nDCG@10 | no feedback | Δ | p (paired) | best on this set (oracle) |")
    print("| --- | --- | ---: | ---: | ---: | ---: | --- |")
    wins = 0
    deltas = []
    for held in sets:
        others = [x for x in sets if x != held]
        best = max(settings, key=lambda s: (round(sum(scores[s][x] for x in others) / len(others), 6), -order(s)[0]))
        d = scores[best][held] - off[held]
        deltas.append(d)
        p = p_value(per_query[best][held], per_query["off"][held]) if best != "off" else 1.0
        oracle = max(settings, key=lambda s: scores[s][held])
        wins += d > 0
        print("| %s | %s | %.4f | %.4f | %+.4f | %.3f | %s %.4f |" % (
            held, best, scores[best][held], off[held], d, p, oracle, scores[oracle][held]))
    print("\nHeld-out gain on %d of %d sets; mean held-out Δ %+.4f; smallest %+.4f" % (
        wins, len(sets), sum(deltas) / len(deltas), min(deltas)))


if __name__ == "__main__":
    main()
