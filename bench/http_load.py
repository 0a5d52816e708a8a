#!/usr/bin/env python3
"""HTTP load for bench/serve_load_bench.sh: many keep-alive clients and a few
slow ones against one `surety serve`, for a fixed time. Python 3, stdlib only.

  python3 bench/http_load.py --port PORT --duration 15 --clients 200 \
      --urls /,/status.json,/metrics,/healthz,/jobs/job0001 \
      --dribblers 10 --non-readers 10 --latencies FILE --stats FILE

Fast clients: one thread each, one keep-alive connection (http.client),
GET after GET over the URL list (each client starts at its own place in it),
no pause between requests unless --think-ms. A request's latency is from
just before it is sent (including a connect when the connection is new) to
its body read in full. Every answer is counted by status; a status of 404
for a path that starts with one of --accept-404 (a page not there yet) is
counted apart, not as an error. An error (refused, reset, timed out, a
short body) closes the connection; the client connects again.

Slow clients hold connections open without finishing them:
  dribblers    send a GET one byte every --dribble-ms, read the answer, and
               start again on a new connection;
  non-readers  send --pipeline GETs of / at once and read nothing; they
               watch the server's end of the connection in /proc/net/tcp
               (their own end cannot tell: the server's FIN waits behind
               the answers not read) until the server closes it, then
               connect again; one the server still holds after --hold-s
               is counted and closed.
How each slow connection ended is counted, and how long the server kept
a non-reader's.

Writes the latency of every completed request in ms, one per line, to
--latencies, and KEY=VALUE lines to --stats. Exit status 0, or 2 when fast
clients were asked for and not a single request completed.
"""
import argparse
import http.client
import math
import socket
import sys
import threading
import time
from collections import Counter


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--duration", type=float, default=15.0)
    p.add_argument("--clients", type=int, default=200)
    p.add_argument("--urls", default="/,/status.json,/metrics,/healthz")
    p.add_argument("--accept-404", default="/jobs/",
                   help="comma list of path prefixes whose 404 is not an error")
    p.add_argument("--think-ms", type=float, default=0.0)
    p.add_argument("--timeout", type=float, default=10.0, help="socket timeout of a fast client")
    p.add_argument("--dribblers", type=int, default=10)
    p.add_argument("--dribble-ms", type=float, default=100.0)
    p.add_argument("--non-readers", type=int, default=10)
    p.add_argument("--pipeline", type=int, default=20)
    p.add_argument("--hold-s", type=float, default=60.0,
                   help="a non-reader gives up on a connection the server still holds after this")
    p.add_argument("--latencies", required=True)
    p.add_argument("--stats", required=True)
    return p.parse_args()


class Totals:
    def __init__(self):
        self.lock = threading.Lock()
        self.status = Counter()      # "200", "404", "503", ...
        self.accepted_404 = 0
        self.errors = Counter()      # exception class name → count
        self.connects = 0
        self.slow = Counter()        # slow-client outcomes
        self.slow_held = []          # seconds a dribbler's connection stayed open
        self.non_reader_closed_after = []  # seconds until the server closed a non-reader
        self.fast_end = 0.0          # when the last fast client stopped


class Go:
    """Every thread waits for go before its first request, so that none has
    a head start while the others are still being started (a thread started
    late, behind 200 busy ones, could find its time over before it began)."""

    def __init__(self):
        self.event = threading.Event()
        self.deadline = 0.0

    def wait(self):
        self.event.wait()
        return self.deadline


def fast_client(i, a, urls, accept, go, lat, totals):
    deadline = go.wait()
    conn = None
    k = i
    think = a.think_ms / 1000.0
    while time.monotonic() < deadline:
        path = urls[k % len(urls)]
        k += 1
        t0 = time.perf_counter()
        try:
            if conn is None:
                conn = http.client.HTTPConnection(a.host, a.port, timeout=a.timeout)
                conn.connect()
                with totals.lock:
                    totals.connects += 1
            conn.request("GET", path, headers={"Connection": "keep-alive"})
            r = conn.getresponse()
            r.read()
            ms = (time.perf_counter() - t0) * 1000.0
            lat.append(ms)
            with totals.lock:
                if r.status == 404 and any(path.startswith(p) for p in accept):
                    totals.accepted_404 += 1
                else:
                    totals.status[str(r.status)] += 1
            if r.will_close:
                conn.close()
                conn = None
        except Exception as e:  # noqa: BLE001 - every failure is counted by kind
            with totals.lock:
                totals.errors[type(e).__name__] += 1
            if conn is not None:
                conn.close()
            conn = None
            time.sleep(0.01)
        if think:
            time.sleep(think)
    if conn is not None:
        conn.close()
    with totals.lock:
        totals.fast_end = max(totals.fast_end, time.monotonic())


def open_slow(a):
    s = socket.create_connection((a.host, a.port), timeout=5)
    return s


def dribbler(i, a, go, totals):
    deadline = go.wait()
    req = ("GET /healthz HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % a.host).encode()
    step = a.dribble_ms / 1000.0
    while time.monotonic() < deadline:
        t0 = time.monotonic()
        try:
            s = open_slow(a)
        except OSError as e:
            with totals.lock:
                totals.slow["dribbler_connect_" + type(e).__name__] += 1
            time.sleep(0.2)
            continue
        outcome = "dribbler_stopped"
        try:
            sent = 0
            while sent < len(req) and time.monotonic() < deadline:
                s.sendall(req[sent:sent + 1])
                sent += 1
                time.sleep(step)
            if sent == len(req):
                s.settimeout(max(0.1, deadline - time.monotonic()))
                data = b""
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                outcome = "dribbler_answered_" + (data[9:12].decode("ascii", "replace") or "none")
        except (socket.timeout, TimeoutError):
            outcome = "dribbler_stopped"
        except OSError as e:
            outcome = "dribbler_closed_" + type(e).__name__
        finally:
            s.close()
        with totals.lock:
            totals.slow[outcome] += 1
            totals.slow_held.append(time.monotonic() - t0)


def server_side_state(server_port, client_port):
    """The TCP state of the server's end of a loopback connection, from
    /proc/net/tcp: "01" ESTABLISHED, "04" FIN_WAIT1 (the server closed; its
    FIN waits behind answers we did not read), ...; None when it is gone."""
    want_local = ":%04X" % server_port
    want_remote = ":%04X" % client_port
    try:
        with open("/proc/net/tcp") as f:
            next(f)
            for line in f:
                x = line.split()
                if x[1].endswith(want_local) and x[2].endswith(want_remote):
                    return x[3]
    except OSError:
        pass
    return None


def non_reader(i, a, go, totals):
    deadline = go.wait()
    one = ("GET / HTTP/1.1\r\nHost: %s\r\n\r\n" % a.host).encode()
    while time.monotonic() < deadline:
        t0 = time.monotonic()
        try:
            s = open_slow(a)
            # A small receive buffer: the server's answers back up sooner.
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        except OSError as e:
            with totals.lock:
                totals.slow["non_reader_connect_" + type(e).__name__] += 1
            time.sleep(0.2)
            continue
        outcome = "non_reader_held_to_the_end"
        try:
            mine = s.getsockname()[1]
            s.settimeout(2)
            try:
                s.sendall(one * a.pipeline)
            except (socket.timeout, TimeoutError):
                pass  # the server reads no more while its answers back up
            # Read nothing; watch the server's end of the connection until
            # it gives up on it (its FIN cannot pass our full window, so our
            # end would not tell), --hold-s passes, or the run ends.
            until = min(deadline, t0 + a.hold_s)
            while time.monotonic() < until:
                time.sleep(0.25)
                if server_side_state(a.port, mine) != "01":
                    outcome = "non_reader_closed_by_server"
                    break
            else:
                if t0 + a.hold_s <= deadline:
                    outcome = "non_reader_still_open_after_hold"
        except OSError as e:
            outcome = "non_reader_closed_" + type(e).__name__
        finally:
            s.close()
        held = time.monotonic() - t0
        with totals.lock:
            totals.slow[outcome] += 1
            if outcome == "non_reader_closed_by_server":
                totals.non_reader_closed_after.append(held)


def pct(sorted_vals, p):
    i = max(1, math.ceil(p * len(sorted_vals) / 100.0))
    return sorted_vals[i - 1]


def main():
    a = parse_args()
    urls = [u for u in a.urls.split(",") if u]
    accept = [u for u in a.accept_404.split(",") if u]
    totals = Totals()
    lat = []
    go = Go()
    threads = []
    # The slow clients first: they are few, and must be holding connections
    # while the fast ones run.
    for i in range(a.dribblers):
        threads.append(threading.Thread(target=dribbler, args=(i, a, go, totals), daemon=True))
    for i in range(a.non_readers):
        threads.append(threading.Thread(target=non_reader, args=(i, a, go, totals), daemon=True))
    for i in range(a.clients):
        threads.append(threading.Thread(target=fast_client,
                                        args=(i, a, urls, accept, go, lat, totals), daemon=True))
    for t in threads:
        t.start()
    start = time.monotonic()
    go.deadline = start + a.duration
    go.event.set()
    for t in threads:
        t.join(timeout=max(0.0, go.deadline - time.monotonic()) + a.timeout + 5)
    elapsed = time.monotonic() - start
    # The rate over the time the fast clients ran (the slow ones may take a
    # little longer to tell how their connection ended).
    fast_s = (totals.fast_end - start) if totals.fast_end > start else elapsed
    lat_sorted = sorted(lat)
    with open(a.latencies, "w") as f:
        f.write("".join("%.3f\n" % x for x in lat))
    ok = sum(n for s, n in totals.status.items() if s.startswith("2"))
    other = sum(n for s, n in totals.status.items() if not s.startswith("2"))
    held = sorted(totals.slow_held)
    closed_after = sorted(totals.non_reader_closed_after)
    stats = {
        "elapsed_s": "%.2f" % elapsed,
        "fast_s": "%.2f" % fast_s,
        "completed": len(lat),
        "ok_2xx": ok,
        "accepted_404": totals.accepted_404,
        "http_errors": other,
        "net_errors": sum(totals.errors.values()),
        "statuses": " ".join("%s×%d" % kv for kv in sorted(totals.status.items())) or "-",
        "errors": " ".join("%s×%d" % kv for kv in sorted(totals.errors.items())) or "-",
        "connects": totals.connects,
        "req_per_s": "%.0f" % (len(lat) / fast_s if fast_s > 0 else 0),
        "p50_ms": "%.1f" % pct(lat_sorted, 50) if lat_sorted else "-",
        "p99_ms": "%.1f" % pct(lat_sorted, 99) if lat_sorted else "-",
        "max_ms": "%.1f" % lat_sorted[-1] if lat_sorted else "-",
        "slow": " ".join("%s×%d" % kv for kv in sorted(totals.slow.items())) or "-",
        "dribbler_held_max_s": "%.1f" % (held[-1] if held else 0),
        "non_reader_closed_after_s": ("%.1f..%.1f" % (closed_after[0], closed_after[-1])
                                      if closed_after else "-"),
        "threads_left": sum(1 for t in threads if t.is_alive()),
    }
    with open(a.stats, "w") as f:
        for k, v in stats.items():
            f.write("%s=%s\n" % (k, v))
    return 2 if a.clients > 0 and not lat else 0


if __name__ == "__main__":
    sys.exit(main())
