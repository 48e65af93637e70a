#!/usr/bin/env python3
"""End to end: the ingress binary gets SIGTERM while eight connections keep sending signed status
callbacks. It drains (in-flight requests finish, the producer is flushed) and exits 0, and every
callback it answered 204 is on the topic exactly once."""
import http.client
import json
import subprocess
import sys
import threading
import time
import urllib.parse

import stack

TOPIC = "callstream.voice.calls.v1"


def sender(s, worker, acknowledged, refused, stop):
    validator = stack.twilio_sim.RequestValidator(stack.TOKEN)
    conn = http.client.HTTPConnection("127.0.0.1", s.ingress_port, timeout=30)
    for i in range(1000000):
        if stop.is_set():
            break
        sid = "CA%08x%024x" % (worker, i)
        params = {"AccountSid": stack.ACCOUNT, "ApiVersion": "2010-04-01", "CallSid": sid,
                  "CallStatus": "ringing", "Direction": "inbound", "From": "+13055550100",
                  "To": "+18005551212", "SequenceNumber": "1"}
        headers = {"Content-Type": "application/x-www-form-urlencoded",
                   "X-Twilio-Signature": validator.compute_signature(stack.BASE_URL + "/call_status", params)}
        try:
            conn.request("POST", "/call_status", body=urllib.parse.urlencode(params), headers=headers)
            resp = conn.getresponse()
            resp.read()
        except (OSError, http.client.HTTPException):
            break  # the ingress closed the connection or stopped listening: Twilio would retry
        if resp.status == 204:
            acknowledged.append(sid)
        else:
            refused.append((sid, resp.status))
        if resp.getheader("Connection", "").lower() == "close":
            break
    conn.close()


def test(make):
    s = make("e2e_ingress_sigterm")
    s.start_ingress()
    ingress = s.procs["ingress"]
    acknowledged, refused, stop = [], [], threading.Event()
    threads = [threading.Thread(target=sender, args=(s, w, acknowledged, refused, stop)) for w in range(8)]
    for t in threads:
        t.start()
    stack.wait_until(lambda: len(acknowledged) >= 300, 30, "300 callbacks answered before SIGTERM")
    before = len(acknowledged)
    s.kill("ingress")  # SIGTERM, then waits for the process to exit
    stop.set()
    for t in threads:
        t.join(60)
    assert ingress.returncode == 0, "the ingress exited with %s" % ingress.returncode
    assert not refused, refused[:5]
    stuck = [t for t in threads if t.is_alive()]
    assert not stuck, "%d senders still waiting for an answer 60 s after the ingress exited" % len(stuck)

    out = subprocess.run(["kcat", "-b", s.brokers, "-C", "-t", TOPIC, "-e", "-q", "-f", "%s\n"],
                         check=True, capture_output=True, text=True, timeout=120).stdout
    on_topic = {}
    for line in out.splitlines():
        if line.strip():
            subject = json.loads(line)["subject"]
            on_topic[subject] = on_topic.get(subject, 0) + 1
    missing = [sid for sid in acknowledged if sid not in on_topic]
    twice = [sid for sid in acknowledged if on_topic.get(sid, 0) > 1]
    assert not missing, "%d acknowledged callbacks are not on the topic, e.g. %s" % (len(missing), missing[:3])
    assert not twice, "%d acknowledged callbacks are on the topic more than once" % len(twice)
    print("acknowledged %d callbacks (%d before SIGTERM); every one on %s exactly once"
          % (len(acknowledged), before, TOPIC))


if __name__ == "__main__":
    sys.exit(stack.run(test))
