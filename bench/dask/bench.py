#!/usr/bin/python3
"""Sharded (glassbox.dask) vs one node on scifact: ingest throughput and query latency.

  bench/dask/run.sh [BUILD_DIR]     (see BENCHMARKS.md, "Sharded collections on Dask")

One client thread sends the queries one after another (latency, not
saturation). BM25, k=10, plain queries, no snippets. Prints one JSON line per
configuration.
"""
import json
import os
import shutil
import statistics
import sys
import tempfile
import time

import distributed

import glassbox
from glassbox.dask import ShardedCollection


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100.0 * (len(xs) - 1))))]


def load(data):
    with open(os.path.join(data, "corpus.jsonl"), encoding="utf-8") as f:
        docs = [json.loads(line) for line in f]
    docs = [{"id": d["_id"], "title": d.get("title", ""), "text": d["text"]} for d in docs]
    with open(os.path.join(data, "queries.jsonl"), encoding="utf-8") as f:
        queries = [json.loads(line)["text"] for line in f]
    return docs, queries


def timed_queries(search, queries, rounds):
    for q in queries[:20]:
        search(q)  # warm up
    lat = []
    start = time.perf_counter()
    for _ in range(rounds):
        for q in queries:
            t = time.perf_counter()
            search(q)
            lat.append((time.perf_counter() - t) * 1000.0)
    wall = time.perf_counter() - start
    return {"queries": len(lat), "qps": round(len(lat) / wall, 1), "p50_ms": round(pct(lat, 50), 3),
            "p99_ms": round(pct(lat, 99), 3), "mean_ms": round(statistics.mean(lat), 3)}


def main():
    data = sys.argv[1]
    rounds = int(os.environ.get("ROUNDS", "2"))
    docs, queries = load(data)
    tmp = tempfile.mkdtemp(prefix="gb-dask-bench-")
    try:
        t = time.perf_counter()
        one = glassbox.Collection.create(os.path.join(tmp, "one"), embedder="none")
        for d in docs:
            one.add(d["id"], text=d["text"], title=d["title"])
        one.commit()
        ingest = time.perf_counter() - t
        r = timed_queries(lambda q: one.search(q, 10, mode="bm25", plain=True, snippet=False), queries, rounds)
        print(json.dumps(dict(config="one node (in process)", docs=len(docs),
                              ingest_docs_per_s=round(len(docs) / ingest), **r)), flush=True)
        one.close()
        for workers, shards in ((1, 2), (2, 2), (2, 4)):
            cluster = distributed.LocalCluster(n_workers=workers, processes=True, threads_per_worker=1,
                                               host="127.0.0.1", dashboard_address=None, silence_logs=50)
            client = distributed.Client(cluster)
            prefix = os.path.join(tmp, "sc-%d-%d" % (workers, shards))
            t = time.perf_counter()
            sc = ShardedCollection.create(client, prefix, shards=shards, embedder="none")
            for i in range(0, len(docs), 500):
                sc.add(docs[i:i + 500])
            sc.commit()
            ingest = time.perf_counter() - t
            r = timed_queries(lambda q: sc.search(q, 10, plain=True, snippet=False), queries, rounds)
            # What the transport alone costs: one empty actor call to every shard, in parallel.
            rt = timed_queries(lambda q: [f.result() for f in [a[0].pid() for a in sc._actors]], queries, 1)
            r["empty_fanout_p50_ms"] = rt["p50_ms"]
            print(json.dumps(dict(config="sharded S=%d on %d worker process(es)" % (shards, workers),
                                  docs=len(docs), ingest_docs_per_s=round(len(docs) / ingest), **r)), flush=True)
            sc.drop()
            client.close()
            cluster.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
