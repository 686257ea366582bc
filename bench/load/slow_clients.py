#!/usr/bin/env python3
"""Slow-client (slowloris) test for `glassbox serve`.

    bench/load/slow_clients.py GLASSBOX [--clients 2,128,512] [--seconds 20]
                               [--threads 2] [--timeout 10] [--slow-source 127.0.0.2]
                               [--serve-args "--max-connections-per-client 1024"]

For each client count N: starts `GLASSBOX serve --data <tmp> --port <free>
--threads T --timeout S`, opens N connections that each send a request line and
then one header line per second without ever finishing the head (a connection
the server closes is opened again, so N stay open), and meanwhile sends GET
/health every 100 ms from another connection (each probe in its own thread, 5 s
deadline). Reports the median and max /health time over the answered probes and
how many got no answer within 5 s, as JSON on stdout.

The slow connections come from --slow-source (another loopback address, so a
per-client connection limit does not also refuse the probes; pass 127.0.0.1 to
share the prober's address). Exits non-zero only on its own errors (the server
does not start, bad arguments), not on the figures it measures.
"""
import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

PROBE_DEADLINE_S = 5.0
PROBE_INTERVAL_S = 0.1


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def probe(port, deadline_s=PROBE_DEADLINE_S):
    """One GET /health on a fresh connection. Returns (seconds, status) or (None, why)."""
    t0 = time.monotonic()
    end = t0 + deadline_s
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=deadline_s)
    except OSError as e:
        return None, "connect: %s" % e.__class__.__name__
    try:
        s.sendall(("GET /health HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n\r\n" % port).encode())
        buf = b""
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return None, "timeout"
            s.settimeout(left)
            try:
                chunk = s.recv(4096)
            except socket.timeout:
                return None, "timeout"
            if not chunk:
                break
            buf += chunk
            head, sep, body = buf.partition(b"\r\n\r\n")
            if sep:
                length = None
                for line in head.split(b"\r\n")[1:]:
                    k, _, v = line.partition(b":")
                    if k.strip().lower() == b"content-length":
                        length = int(v.strip())
                if length is not None and len(body) >= length:
                    break
        if not buf.startswith(b"HTTP/1."):
            return None, "no answer" if not buf else "garbled"
        return time.monotonic() - t0, int(buf.split(b" ", 2)[1])
    except OSError as e:
        return None, "io: %s" % e.__class__.__name__
    finally:
        s.close()


class SlowClients:
    """N connections that never finish their request head; reopened when the server closes them."""

    def __init__(self, port, n, source):
        self.port, self.n, self.source = port, n, source
        self.socks = []
        self.opened = self.closed_by_server = self.open_failures = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def open_one(self):
        try:
            s = socket.socket()
            s.bind((self.source, 0))
            s.settimeout(2)
            s.connect(("127.0.0.1", self.port))
            s.sendall(("GET /health HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n" % self.port).encode())
            s.setblocking(False)
            self.socks.append(s)
            self.opened += 1
        except OSError:
            self.open_failures += 1
            try:
                s.close()
            except Exception:
                pass

    def run(self):
        line = 0
        while not self.stop.is_set():
            while len(self.socks) < self.n and not self.stop.is_set():
                self.open_one()
            line += 1
            alive = []
            for s in self.socks:
                ok = True
                try:  # anything readable means an answer (408, 503) or a close: the server let go
                    if s.recv(4096, socket.MSG_PEEK) is not None:
                        ok = False
                except BlockingIOError:
                    pass
                except OSError:
                    ok = False
                if ok:
                    try:
                        s.send(("X-Slow-%d: %d\r\n" % (line, line)).encode())
                    except BlockingIOError:
                        pass
                    except OSError:
                        ok = False
                if ok:
                    alive.append(s)
                else:
                    self.closed_by_server += 1
                    s.close()
            self.socks = alive
            self.stop.wait(1.0)
        for s in self.socks:
            s.close()

    def start(self):
        self.thread.start()

    def finish(self):
        self.stop.set()
        self.thread.join()


def run_one(binary, n, seconds, threads, timeout, source, extra):
    data = tempfile.mkdtemp(prefix="gb-slow-")
    port = free_port()
    log = open(os.path.join(data, "server.log"), "w+")
    cmd = [binary, "serve", "--data", os.path.join(data, "root"), "--port", str(port),
           "--threads", str(threads), "--timeout", str(timeout)] + extra
    server = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(100):
            t, status = probe(port, 1.0)
            if status == 200:
                break
            if server.poll() is not None:
                break
            time.sleep(0.1)
        else:
            status = None
        if status != 200:
            log.seek(0)
            raise RuntimeError("server did not start (%s): %s" % (" ".join(cmd), log.read()[-2000:]))
        baseline = [probe(port)[0] for _ in range(10)]
        slow = SlowClients(port, n, source)
        slow.start()
        t_open = time.monotonic()
        while slow.opened < n and time.monotonic() - t_open < 30:
            time.sleep(0.05)
        open_s = time.monotonic() - t_open
        results, lock, probers = [], threading.Lock(), []

        def one():
            r = probe(port)
            with lock:
                results.append(r)

        t0 = time.monotonic()
        k = 0
        while time.monotonic() - t0 < seconds:
            th = threading.Thread(target=one, daemon=True)
            th.start()
            probers.append(th)
            k += 1
            time.sleep(max(0.0, t0 + k * PROBE_INTERVAL_S - time.monotonic()))
        for th in probers:
            th.join()
        still_open = len(slow.socks)
        slow.finish()
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
        shutil.rmtree(data, ignore_errors=True)
    answered = [t for t, st in results if t is not None]
    statuses = {}
    for t, st in results:
        statuses[str(st)] = statuses.get(str(st), 0) + 1
    ms = lambda x: None if x is None else round(x * 1000, 2)
    base = [t for t in baseline if t is not None]
    return {
        "slow_clients": n,
        "slow_connections_opened": slow.opened,
        "slow_open_failures": slow.open_failures,
        "slow_closed_by_server": slow.closed_by_server,
        "slow_open_at_end": still_open,
        "seconds_to_open_all": round(open_s, 2),
        "probes": len(results),
        "answered": len(answered),
        "unanswered_within_5s": len(results) - len(answered),
        "status_counts": statuses,
        "health_ms_median": ms(statistics.median(answered)) if answered else None,
        "health_ms_max": ms(max(answered)) if answered else None,
        "health_ms_median_before_slow_clients": ms(statistics.median(base)) if base else None,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("glassbox")
    ap.add_argument("--clients", default="2,128,512")
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--timeout", type=int, default=10)
    ap.add_argument("--slow-source", default="127.0.0.2")
    ap.add_argument("--serve-args", default="", help="more flags for `glassbox serve`, split on spaces")
    a = ap.parse_args()
    try:
        counts = [int(x) for x in a.clients.split(",")]
    except ValueError:
        print("slow_clients.py: --clients wants numbers separated by commas, got %r" % a.clients, file=sys.stderr)
        return 2
    if not os.access(a.glassbox, os.X_OK):
        print("slow_clients.py: %s is not an executable" % a.glassbox, file=sys.stderr)
        return 2
    runs = []
    for n in counts:
        try:
            r = run_one(a.glassbox, n, a.seconds, a.threads, a.timeout, a.slow_source,
                       a.serve_args.split())
        except (RuntimeError, OSError) as e:
            print("slow_clients.py: %s" % e, file=sys.stderr)
            return 1
        print("slow clients %d: %d/%d probes answered within 5 s, median %s ms, max %s ms"
              % (n, r["answered"], r["probes"], r["health_ms_median"], r["health_ms_max"]), file=sys.stderr)
        runs.append(r)
    print(json.dumps({"binary": a.glassbox, "threads": a.threads, "timeout_s": a.timeout,
                      "seconds": a.seconds, "slow_source": a.slow_source,
                      "serve_args": a.serve_args, "runs": runs}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
