#!/usr/bin/env python3
"""From a signed webhook's 2xx to its change on an open live stream (console_live_bench.sh):
RATE status callbacks/s (each a new call's `ringing`) for SECONDS on the real ingress, devkafka,
projector and PostgreSQL; one supervisor's stream reads the changes; per call, the time from the
ingress's answer to the first change naming its CallSid."""
import http.client
import json
import os
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../../e2e"))
import stack  # noqa: E402

RATE, SECONDS = int(sys.argv[1]), int(sys.argv[2])
PROJECTOR = os.path.join(stack.BIN, "services/projector/callstream-projector")


def sign_in(port):
    r = subprocess.run([PROJECTOR, "users", "add", "bench", "--role", "supervisor"], input="bench-password\n",
                       env=s.env({}), capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request("POST", "/api/session", json.dumps({"name": "bench", "password": "bench-password"}),
              {"Content-Type": "application/json"})
    r = c.getresponse()
    r.read()
    assert r.status == 200
    return r.getheader("Set-Cookie").split(";")[0]


def listen(port, cookie, arrived, ready):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    c.request("GET", "/api/stream", headers={"Cookie": cookie})
    r = c.getresponse()
    assert r.status == 200
    ready.set()
    for line in r.fp:
        if line.startswith(b"data: "):
            now = time.time()
            for key in json.loads(line[6:]).get("keys") or []:
                arrived.setdefault(key, now)


def send(twilio):
    """RATE new calls a second for SECONDS; when each was answered."""
    answered = {}
    start = time.time()
    for i in range(RATE * SECONDS):
        wait = start + i / RATE - time.time()
        if wait > 0:
            time.sleep(wait)
        sid = "CA%032x" % (0xbe000000 + i)
        status, _ = twilio.post("/call_status", {
            "AccountSid": stack.ACCOUNT, "CallSid": sid, "CallStatus": "ringing", "Direction": "inbound",
            "From": "+13055550123", "To": "+18005551212", "SequenceNumber": "0", "ApiVersion": "2010-04-01"})
        assert status == 204, status
        answered[sid] = time.time()
    return answered, time.time() - start


def report(answered, arrived):
    delays = sorted((arrived[sid] - t) * 1000 for sid, t in answered.items() if sid in arrived)
    print("   %d webhooks; %d changes seen, %d missing" % (len(answered), len(delays), len(answered) - len(delays)))
    if not delays:
        return
    pct = lambda p: delays[min(len(delays) - 1, int(len(delays) * p))]
    print("   2xx -> live stream: p50 %.0f ms, p99 %.0f ms, max %.0f ms" % (pct(0.5), pct(0.99), delays[-1]))
    first, windows = min(answered.values()), {}
    for sid, t in answered.items():
        if sid in arrived:
            w = int((t - first) // 5)
            windows[w] = max(windows.get(w, 0), (arrived[sid] - t) * 1000)
    print("   worst per 5 s: " + ", ".join("%.0f" % windows[w] for w in sorted(windows)) + " ms")


def main(make):
    global s
    s = make("bench_console_live")
    s.start_ingress()
    s.start_projector()
    stack.wait_until(lambda: stack.http_ok(s.projector_port, "/readyz"), 30, "projector /readyz")
    arrived, ready = {}, threading.Event()
    threading.Thread(target=listen, args=(s.projector_port, sign_in(s.projector_port), arrived, ready),
                     daemon=True).start()
    ready.wait(10)
    twilio = s.twilio()
    # Warm up until a change comes through (the consumer's first assignment and fetches take
    # seconds): the figures are the steady state's.
    for i in range(50):
        twilio.post("/call_status", {"AccountSid": stack.ACCOUNT, "CallSid": "CA%032x" % (0xa0000000 + i),
                                     "CallStatus": "ringing", "Direction": "inbound", "From": "+13055550100",
                                     "To": "+18005551212", "SequenceNumber": "0"})
        time.sleep(0.1)
    stack.wait_until(lambda: "CA%032x" % (0xa0000000 + 49) in arrived, 30, "the warm-up's changes")
    answered, took = send(twilio)
    time.sleep(3)
    print("   sent at %.0f/s" % (len(answered) / took))
    report(answered, arrived)
    print("   received -> row (call_events.applied_at - received_at): " + stack.psql(s.dsn,
          "SELECT 'p50 ' || round(1000 * extract(epoch FROM percentile_cont(0.5) WITHIN GROUP (ORDER BY applied_at - received_at))) "
          "|| ' ms, p99 ' || round(1000 * extract(epoch FROM percentile_cont(0.99) WITHIN GROUP (ORDER BY applied_at - received_at))) "
          "|| ' ms' FROM call_events WHERE received_at >= to_timestamp(%f)" % (min(answered.values()) - 0.1)))


if __name__ == "__main__":
    sys.exit(stack.run(main))
