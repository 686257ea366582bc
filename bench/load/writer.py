#!/usr/bin/env python3
"""The load test's writer: batches of 20 new documents, one POST each, over one
keep-alive connection, until the stop file appears.

    writer.py PORT TAG OUT_DIR [BATCHES_PER_SECOND]

BATCHES_PER_SECOND (default 15: the pace the earlier shell writer
reached) paces the batches on a fixed schedule; 0 sends them back to back.
After every acknowledged batch OUT_DIR/load-acked-TAG holds the number of the
last acknowledged document (ids w-TAG-1 ... w-TAG-N). A failed request is
reported on stderr and the writer goes on; the run's check then finds the
missing documents.
"""
import http.client
import json
import os
import sys
import time


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    port, tag, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    rate = float(sys.argv[4]) if len(sys.argv) > 4 else 15.0
    stop, acked = os.path.join(out, "load-stop"), os.path.join(out, "load-acked-" + tag)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    n, failed, start = 0, 0, time.monotonic()
    batch = 0
    while not os.path.exists(stop):
        docs = []
        for _ in range(20):
            n += 1
            docs.append({"id": f"w-{tag}-{n}", "text": f"loadtest{tag} marker document number {n} about cement"})
        body = json.dumps({"documents": docs})
        try:
            conn.request("POST", "/v1/collections/load/documents", body, {"Content-Type": "application/json"})
            resp = conn.getresponse()
            resp.read()
            ok = resp.status == 200
        except (OSError, http.client.HTTPException) as e:
            ok = False
            print(f"writer: {e}; reconnecting", file=sys.stderr)
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        if ok:
            with open(acked + ".tmp", "w") as f:
                f.write(str(n))
            os.replace(acked + ".tmp", acked)
        else:
            failed += 1
            print("writer: request failed", file=sys.stderr)
        batch += 1
        if rate > 0:
            wait = start + batch / rate - time.monotonic()
            if wait > 0:
                time.sleep(wait)
    elapsed = time.monotonic() - start
    print(f"writer {tag}: {batch} batches in {elapsed:.1f} s ({batch / elapsed:.1f}/s), {failed} failed",
          file=sys.stderr)


if __name__ == "__main__":
    main()
