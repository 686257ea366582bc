#!/usr/bin/env python3
"""Leave-one-collection-out choice of a hybrid fusion setting (issue 12).

Reads the `glassbox eval --json` results eval/fusion-loo.sh wrote
(OUT/DATASET.METHOD.json) and prints, as markdown:
  1. nDCG@10 of every method on every set, BM25 and the build's default side
     by side (all from the same indexes);
  2. two leave-one-out tables: for each held-out set, the method chosen on
     the other sets and its score on the held-out set, choosing (a) by the
     best mean nDCG@10 over the other sets, (b) by the worst-case gain over
     BM25 first (leximin over the other sets' gains), the form of issue 12's
     target ("never below BM25"). Ties go to the earlier candidate
     (calibrated, then the smaller vector weight).

  eval/fusion_loo.py OUT_DIR DATASET...
"""
import json
import os
import sys

ENGLISH = {"scifact", "cranfield", "xquad-en", "faq-covid"}


def main():
    out, sets = sys.argv[1], sys.argv[2:]
    scores = {}  # method -> set -> ndcg
    for ds in sets:
        for name in sorted(os.listdir(out)):
            if not name.startswith(ds + ".") or not name.endswith(".json"):
                continue
            method = name[len(ds) + 1:-5]
            with open(os.path.join(out, name)) as f:
                scores.setdefault(method, {})[ds] = json.load(f)["ndcg@10"]
    sets = [s for s in sets if "bm25" in scores and s in scores["bm25"]]

    def order(m):  # bm25, default, calibrated, then the rest by name (weight ascending)
        fixed = {"bm25": 0, "default": 1, "calibrated": 2}
        head, _, w = m.rpartition("-")
        try:
            return (fixed.get(m, 3), head, float(w))
        except ValueError:
            return (fixed.get(m, 3), m, 0.0)

    methods = sorted((m for m in scores if all(s in scores[m] for s in sets)), key=order)
    missing = sorted(m for m in scores if m not in methods)
    if missing:
        print("Not measured on every set, left out: %s\n" % ", ".join(missing))
    bm25 = scores["bm25"]
    print("nDCG@10 on every set (delta to BM25 in brackets)\n")
    print("| method | " + " | ".join(sets) + " | English mean Δ | min Δ |")
    print("| --- |" + " ---: |" * (len(sets) + 2))
    for m in methods:
        cells, deltas, en = [], [], []
        for s in sets:
            d = scores[m][s] - bm25[s]
            deltas.append(d)
            if s in ENGLISH:
                en.append(d)
            cells.append("%.4f" % scores[m][s] + ("" if m == "bm25" else " (%+.4f)" % d))
        print("| %s | %s | %+.4f | %+.4f |" % (m, " | ".join(cells), sum(en) / max(1, len(en)), min(deltas)))

    candidates = [m for m in methods if m not in ("bm25", "default")]

    def by_mean(m, others):  # best mean nDCG@10 over the other sets
        return (sum(scores[m][s] for s in others),)

    def by_worst(m, others):
        # Leximin: the smallest gain over BM25 first, then the next smallest, ...;
        # gains are compared to 0.001 (differences below that are noise on a few
        # hundred queries, and would otherwise decide on the Chinese sets, where
        # the English word vectors add nothing).
        return tuple(sorted(round(scores[m][s] - bm25[s], 3) for s in others))

    for title, key in (("best mean nDCG@10", by_mean),
                       ("worst-case gain over BM25 first (leximin to 0.001: the smallest gain, then the next smallest, ...)",
                        by_worst)):
        print("\nLeave-one-out, chosen on the other sets by %s, scored on the held-out set\n" % title)
        print("| held out | chosen on the others | held-out nDCG@10 | BM25 | Δ BM25 | calibrated | Δ calibrated |")
        print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
        loo_d, loo_en = [], []
        for h in sets:
            others = [s for s in sets if s != h]
            # Ties go to the earlier candidate (calibrated, then the smaller vector weight).
            best = max(candidates, key=lambda m: (key(m, others), -candidates.index(m)))
            v = scores[best][h]
            loo_d.append(v - bm25[h])
            if h in ENGLISH:
                loo_en.append(v - bm25[h])
            cal = scores.get("calibrated", {}).get(h, float("nan"))
            print("| %s | %s | %.4f | %.4f | %+.4f | %.4f | %+.4f |" % (h, best, v, bm25[h], v - bm25[h], cal, v - cal))
        print("\nMean Δ BM25 on the English sets %+.4f; worst Δ BM25 %+.4f; chosen on all sets: %s" %
              (sum(loo_en) / max(1, len(loo_en)), min(loo_d),
               max(candidates, key=lambda m: (key(m, sets), -candidates.index(m)))))


if __name__ == "__main__":
    main()
