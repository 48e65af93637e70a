#!/usr/bin/env python3
"""Times the console's read endpoints on a running projector (console_bench.sh starts it):
up to N sequential requests each (or as many as fit in 20 s) on one keep-alive connection,
p50 / p99 / max."""
import http.client
import json
import sys
import time

port, user, password, n = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)


def request(method, path, body=None, headers=None):
    conn.request(method, path, body=body, headers=headers or {})
    r = conn.getresponse()
    return r, r.read()


r, body = request("POST", "/api/session", json.dumps({"name": user, "password": password}),
                  {"Content-Type": "application/json"})
assert r.status == 200, (r.status, body)
cookie = {"Cookie": r.getheader("Set-Cookie").split(";")[0]}

endpoints = ["/api/kpis?period=today", "/api/kpis?period=week", "/api/kpis?period=month",
             "/api/series?grain=hour", "/api/series?grain=day", "/api/calls", "/api/calls?outcome=missed",
             "/api/queues", "/api/agents", "/api/callbacks"]
print("%-28s %6s %9s %9s %9s" % ("endpoint", "count", "p50 ms", "p99 ms", "max ms"))
for path in endpoints:
    times = []
    deadline = time.monotonic() + 20
    while len(times) < n and time.monotonic() < deadline:
        t0 = time.perf_counter()
        r, body = request("GET", path, headers=cookie)
        times.append((time.perf_counter() - t0) * 1000)
        if r.status != 200:
            break
    if r.status != 200:
        print("%-28s %6d answered %d after %.0f ms: %s" % (path, len(times), r.status, times[-1], body[:80].decode()))
        continue
    times.sort()
    p99 = times[max(0, int(len(times) * 0.99) - 1)]
    print("%-28s %6d %9.1f %9.1f %9.1f" % (path, len(times), times[len(times) // 2], p99, times[-1]), flush=True)
