"""Distributed ingest throughput (files parsed on the workers, chunks routed by id)
with 1 and 2 worker processes, against one collection in process; and what a shard
costs per document on disk and in a worker's memory (the inputs of the 100M-passage
plan in BENCHMARKS.md, "Sharded collections on Dask").

  PYTHONPATH=build/python nice /usr/bin/python3 bench/dask/ingest.py [DATA_DIR] [RUNS]

scifact's corpus is split into 8 JSONL files (id _id, title, text); each
configuration ingests them RUNS times (default 3) into a fresh collection with the
static-frozen embedder (vectors too) and commits; the median is printed.
"""
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import glassbox
from dask.distributed import Client, LocalCluster
from glassbox.dask import ShardedCollection

READER = dict(id_key="_id", title_key="title", text_keys=["text"])


def du(path):
    return int(subprocess.check_output(["du", "-sb", path]).split()[0])


def rss():
    import psutil
    return psutil.Process().memory_info().rss


def main():
    data = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("GLASSBOX_DATA", "../shared")
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    corpus = os.path.join(data, "datasets", "scifact", "corpus.jsonl")
    lines = open(corpus, encoding="utf-8").read().splitlines()
    base = tempfile.mkdtemp(prefix="gb-ingest-")
    files = os.path.join(base, "files")
    os.makedirs(files)
    for f in range(8):
        with open(os.path.join(files, "part-%d.jsonl" % f), "w", encoding="utf-8") as out:
            out.write("\n".join(lines[f::8]) + "\n")
    print("scifact: %d documents in 8 JSONL files (%.1f MB); load average %.1f" % (
        len(lines), du(files) / 1e6, os.getloadavg()[0]), flush=True)
    try:
        # One collection in this process.
        times = []
        for run in range(runs):
            path = os.path.join(base, "one-%d" % run)
            t = time.perf_counter()
            c = glassbox.Collection.create(path, embedder="static-frozen")
            rep = c.ingest(files, **READER)
            times.append(time.perf_counter() - t)
            chunks = rep["chunks"]
            if run < runs - 1:
                c.close()
                shutil.rmtree(path)
        disk = du(path)
        print("one node (in process): %d chunks, median %.2f s = %.0f chunks/s (runs %s); disk %.0f bytes/chunk" % (
            chunks, statistics.median(times), chunks / statistics.median(times),
            ", ".join("%.2f" % x for x in times), disk / chunks), flush=True)
        c.close()
        for workers, shards in ((1, 2), (2, 2), (2, 4)):
            client = Client(LocalCluster(n_workers=workers, processes=True, threads_per_worker=1, host="127.0.0.1",
                                         dashboard_address=None, silence_logs=50))
            try:
                before = client.run(rss)
                times = []
                for run in range(runs):
                    prefix = os.path.join(base, "sc-%d-%d-%d" % (workers, shards, run))
                    t = time.perf_counter()
                    sc = ShardedCollection.create(client, prefix, shards=shards)
                    rep = sc.ingest(files, **READER)
                    sc.commit()
                    times.append(time.perf_counter() - t)
                    if run < runs - 1:
                        sc.drop()
                # Memory and disk of the last run's shards, after a few searches touched them.
                for q in ("cancer cells", "protein folding", "vitamin d deficiency"):
                    sc.search(q, k=10, snippet=False)
                after = client.run(rss)
                per = [s["documents"] for s in sc.stats()["shards"]]
                disks = [du(sc._path(i, 0)) for i in range(shards)]
                grow = sum(after[w] - before[w] for w in after)
                print("S=%d on %d worker(s): %d chunks, median %.2f s = %.0f chunks/s (runs %s); "
                      "disk %.0f bytes/chunk (shards %s); worker RSS +%.1f MB = %.0f bytes/chunk" % (
                          shards, workers, rep["chunks"], statistics.median(times),
                          rep["chunks"] / statistics.median(times), ", ".join("%.2f" % x for x in times),
                          sum(disks) / sum(per), ", ".join("%d docs %.1f MB" % (n, d / 1e6) for n, d in zip(per, disks)),
                          grow / 1e6, grow / sum(per)), flush=True)
                sc.drop()
            finally:
                client.close()
    finally:
        shutil.rmtree(base, ignore_errors=True)
    print("load average at the end %.1f" % os.getloadavg()[0])


if __name__ == "__main__":
    main()
