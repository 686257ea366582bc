"""Query latency by mode (bm25, vector, hybrid) and ask: one collection against
3 shards on a 2-worker LocalCluster, on scifact (BENCHMARKS.md, "Sharded
collections on Dask: vector, hybrid and ask").

  PYTHONPATH=build/python /usr/bin/python3 bench/dask/modes.py [DATA_DIR] [QUERIES]
"""
import json
import os
import shutil
import statistics
import sys
import tempfile
import time

import glassbox
from dask.distributed import Client, LocalCluster
from glassbox.dask import ShardedCollection


def main():
    data = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("GLASSBOX_DATA", "../shared")
    nq = int(sys.argv[2]) if len(sys.argv) > 2 else 40
    scifact = os.path.join(data, "datasets", "scifact")
    docs = [json.loads(line) for line in open(os.path.join(scifact, "corpus.jsonl"), encoding="utf-8")]
    queries = [json.loads(line)["text"] for line in open(os.path.join(scifact, "queries.jsonl"), encoding="utf-8")][:nq]
    base = tempfile.mkdtemp(prefix="gb-modes-")
    client = Client(LocalCluster(n_workers=2, processes=True, threads_per_worker=1, host="127.0.0.1",
                                 dashboard_address=None, silence_logs=50))
    try:
        one = glassbox.Collection.create(os.path.join(base, "one"), embedder="static-frozen")
        for d in docs:
            one.add(d["_id"], text=d["text"], title=d["title"])
        one.commit()
        sc = ShardedCollection.create(client, os.path.join(base, "sc"), shards=3)
        sc.add([{"id": d["_id"], "title": d["title"], "text": d["text"]} for d in docs])
        sc.commit()
        print("scifact %d documents, %d queries, load average %.1f" % (len(docs), len(queries), os.getloadavg()[0]))
        for mode in ("bm25", "vector", "hybrid"):
            kw = dict(plain=True, snippet=False)
            if mode == "hybrid":
                kw.update(fusion="minmax", weights=(0.9, 0.1))
            for name, f in (("one node", lambda q: one.search(q, 10, mode=mode, **kw)),
                            ("S=3 on 2 workers", lambda q: sc.search(q, k=10, mode=mode, **kw))):
                f(queries[0])
                ts = []
                for q in queries:
                    t = time.perf_counter()
                    f(q)
                    ts.append((time.perf_counter() - t) * 1000)
                ts.sort()
                print("%-6s %-17s p50 %7.1f ms  p90 %7.1f ms" % (mode, name, statistics.median(ts),
                                                                 ts[int(0.9 * len(ts))]))
        for name, f in (("one node", lambda q: one.ask(q, fusion="minmax", weights=(0.9, 0.1))),
                        ("S=3 on 2 workers", lambda q: sc.ask(q))):
            t = time.perf_counter()
            for q in queries[:10]:
                f(q)
            print("ask    %-17s %7.1f ms a question" % (name, (time.perf_counter() - t) * 100))
        sc.drop()
        one.close()
    finally:
        client.close()
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
