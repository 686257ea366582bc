#!/usr/bin/env python3
"""One connection's search latencies, each request timed as it is: the load
test's check on wrk, whose figures correct for coordinated omission (a slow
answer adds synthetic samples for the requests it held up).

    latency.py PORT QUERIES_JSONL SECONDS OUT_JSON

Sends the same hybrid searches as bench/load/search.lua, back to back over
one keep-alive connection, for SECONDS; writes and prints requests/s, p50,
p90, p99 and max in milliseconds. A failed request is counted and reported.
"""
import http.client
import json
import re
import sys
import time


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    port, path, seconds, out = int(sys.argv[1]), sys.argv[2], float(sys.argv[3]), sys.argv[4]
    queries = []
    with open(path) as f:
        for line in f:
            q = json.loads(line).get("query", "")
            q = re.sub(r'["+\-]', "", q)
            if q and "\\" not in q:
                queries.append(q)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    lat, failed, i = [], 0, 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        body = json.dumps({"query": queries[i % len(queries)], "k": 10, "mode": "hybrid", "snippet": False})
        i += 1
        t0 = time.perf_counter()
        try:
            conn.request("POST", "/v1/collections/load/search", body, {"Content-Type": "application/json"})
            resp = conn.getresponse()
            resp.read()
            ok = resp.status == 200
        except (OSError, http.client.HTTPException):
            ok = False
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        if ok:
            lat.append((time.perf_counter() - t0) * 1000)
        else:
            failed += 1
    lat.sort()
    q = lambda p: round(lat[int(p * (len(lat) - 1))], 2) if lat else None
    r = {"requests": len(lat), "failed": failed, "requests_per_second": round(len(lat) / seconds, 1),
         "p50_ms": q(0.5), "p90_ms": q(0.9), "p99_ms": q(0.99), "max_ms": round(lat[-1], 2) if lat else None}
    with open(out, "w") as f:
        json.dump(r, f)
    print(json.dumps(r))


if __name__ == "__main__":
    main()
