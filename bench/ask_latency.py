#!/usr/bin/env python3
"""Extractive `ask` latency through the real server (issue 9, point 7).

    bench/ask_latency.py BUILD_DIR --data DIR --collection NAME [--requests N] [--clients 1,8]
                         [--queries FILE] [--json OUT]

Starts `glassbox serve --data DIR` on a free port, then for each client count
posts questions to POST /v1/collections/NAME/ask (route documents, extractive)
from that many concurrent keep-alive connections and reports p50/p99 of each
stage the reply reports (timings_ms: retrieve, read, verify), of the server's
own total (their sum) and of the client's wall time per request. Questions are
"what is ...?" around the benchmark query set's words (operators stripped), so
they run against the generated 1M-passage corpus of bench/run.sh. Standard
library only. Serves DIR as is: point it at a copy of an index (the server
opens collections for writing).
"""
import argparse
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time


def pct(values, p):
    if not values:
        return 0.0
    v = sorted(values)
    return v[min(len(v) - 1, int(p * (len(v) - 1) + 0.5))]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def questions(path, limit):
    out = []
    with open(path) as f:
        for line in f:
            words = re.findall(r"[a-z0-9]+", json.loads(line)["query"].lower())
            words = [w for w in words if w not in ("and", "or", "not")]
            if not words:
                continue
            out.append("what is " + " ".join(words) + "?")
            if len(out) >= limit:
                break
    return out


def worker(port, collection, qs, results, errors):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for q in qs:
        body = json.dumps({"question": q, "route": "documents", "answer_mode": "extractive"})
        t0 = time.perf_counter()
        try:
            conn.request("POST", f"/v1/collections/{collection}/ask", body, {"Content-Type": "application/json"})
            r = conn.getresponse()
            data = r.read()
        except (OSError, http.client.HTTPException) as e:
            errors.append(str(e))
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            continue
        wall = (time.perf_counter() - t0) * 1000
        if r.status != 200:
            errors.append(f"{r.status}: {data[:200]!r}")
            continue
        reply = json.loads(data)
        t = reply.get("timings_ms", {})
        results.append((t.get("retrieve", 0), t.get("read", 0), t.get("verify", 0), wall, reply.get("status", "?")))
    conn.close()


def run(port, collection, qs, clients):
    results, errors = [], []
    threads = [threading.Thread(target=worker, args=(port, collection, qs[i::clients], results, errors))
               for i in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    secs = time.perf_counter() - t0
    cols = {"retrieve": 0, "read": 1, "verify": 2, "wall": 3}
    row = {"clients": clients, "requests": len(results), "errors": len(errors), "answers_per_second": len(results) / secs}
    for name, i in cols.items():
        vals = [r[i] for r in results]
        row[name] = {"p50": pct(vals, 0.5), "p99": pct(vals, 0.99)}
    server = [r[0] + r[1] + r[2] for r in results]
    row["server_total"] = {"p50": pct(server, 0.5), "p99": pct(server, 0.99)}
    row["statuses"] = {s: sum(1 for r in results if r[4] == s) for s in sorted({r[4] for r in results})}
    if errors:
        row["first_error"] = errors[0]
    return row


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--data", required=True)
    ap.add_argument("--collection", required=True)
    ap.add_argument("--requests", type=int, default=400, help="questions per client count")
    ap.add_argument("--warmup", type=int, default=50)
    ap.add_argument("--clients", default="1,8")
    ap.add_argument("--queries", default=os.path.join(os.environ.get("GLASSBOX_DATA", os.path.join(
        os.path.dirname(__file__), "..", "..", "shared")), "benchmarks", "aol-queries.jsonl"))
    ap.add_argument("--json")
    a = ap.parse_args()
    qs = questions(a.queries, a.requests + a.warmup)
    port = free_port()
    log = open(os.path.join(a.data, "..", "ask-server.log"), "w")
    server = subprocess.Popen([os.path.join(a.build, "glassbox"), "serve", "--data", a.data, "--port", str(port),
                               "--threads", "16"], stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(600):
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                c.request("GET", "/health")
                if c.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            sys.exit("ask_latency.py: the server did not come up (see ask-server.log)")
        warm = []
        worker(port, a.collection, qs[:a.warmup], warm, [])
        rows = [run(port, a.collection, qs[a.warmup:], int(n)) for n in a.clients.split(",")]
    finally:
        server.terminate()
        server.wait()
    for r in rows:
        print(f"{r['clients']} client(s): {r['requests']} answers, {r['errors']} errors, "
              f"{r['answers_per_second']:.1f}/s, statuses {r['statuses']}")
        for k in ("retrieve", "read", "verify", "server_total", "wall"):
            print(f"   {k:13s} p50 {r[k]['p50']:8.2f} ms   p99 {r[k]['p99']:8.2f} ms")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"collection": a.collection, "runs": rows}, f, indent=1)


if __name__ == "__main__":
    main()
