#!/usr/bin/env python3
"""Merges per-engine benchmark JSON files into results.json and prints a
markdown table of absolute numbers and ratios vs Lucene.

    report.py OUT.json ENGINE.json...
"""
import json
import platform
import sys
import time

out_path, inputs = sys.argv[1], sys.argv[2:]
engines = [json.load(open(p)) for p in inputs]
with open(out_path, "w") as f:
    json.dump({"generated": time.strftime("%Y-%m-%dT%H:%M:%S"), "machine": platform.uname()._asdict(),
               "engines": engines}, f, indent=1)

base = next((e for e in engines if e["engine"] == "lucene"), None)


def ratio(v, b, higher_is_better):
    if base is None or not b or v is None or v <= 0:
        return ""
    return f" ({v / b:.2f}x)"


print(f"docs: {engines[0]['docs']:,}; ratios vs Lucene in parentheses\n")
print("| engine | version | index s | docs/s | index MB |")
print("| --- | --- | --- | --- | --- |")
for e in engines:
    b = base or {}
    secs, dps, size = e.get("index_seconds"), e.get("docs_per_second"), e.get("index_bytes")
    print(f"| {e['engine']} | {e.get('version', '')} | "
          + (f"{secs:.1f}" if secs and secs > 0 else "-") + " | "
          + (f"{dps:,.0f}{ratio(dps, b.get('docs_per_second'), True)}" if dps and dps > 0 else "-") + " | "
          + (f"{size / 2**20:,.0f}{ratio(size, b.get('index_bytes'), False)}" if size else "-") + " |")

classes = []
for e in engines:
    for c in e.get("classes", {}):
        if c not in classes:
            classes.append(c)
classes.sort(key=lambda c: (c == "all", c))
print("\nQuery latency, microseconds: mean / median of per-query medians (top 10)\n")
print("| class | queries | " + " | ".join(e["engine"] for e in engines) + " |")
print("| --- | --- | " + " | ".join("---" for _ in engines) + " |")
for c in classes:
    n = next((e["classes"][c]["queries"] for e in engines if c in e["classes"]), 0)
    cells = []
    for e in engines:
        s = e["classes"].get(c)
        if not s:
            cells.append("-")
            continue
        bs = (base or {}).get("classes", {}).get(c, {})
        cells.append(f"{s['mean_us']:,.0f}{ratio(s['mean_us'], bs.get('mean_us'), False)} / "
                     f"{s['median_us']:,.0f}{ratio(s['median_us'], bs.get('median_us'), False)}")
    print(f"| {c} | {n} | " + " | ".join(cells) + " |")
print("\nAverage hits returned per query (sanity check, at most 10):\n")
print("| class | " + " | ".join(e["engine"] for e in engines) + " |")
print("| --- | " + " | ".join("---" for _ in engines) + " |")
for c in classes:
    print(f"| {c} | " + " | ".join(f"{e['classes'][c]['avg_hits']:.1f}"
                                   if "avg_hits" in e["classes"].get(c, {}) else "-" for e in engines) + " |")
