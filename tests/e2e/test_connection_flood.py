#!/usr/bin/env python3
"""End to end: a stranger floods the ingress's public port with idle connections, 5,000 and
more, and keeps reopening the ones it loses. Signed status callbacks on new connections are still
answered 204 and reach the topic: at the connection cap the ingress sheds idle connections
(oldest first), and one address may hold only HTTP_MAX_CONNECTIONS_PER_ADDRESS of them."""
import resource
import selectors
import socket
import threading
import time

import stack

FLOOD_ADDRESSES = ["127.0.0.%d" % n for n in range(2, 8)]  # six strangers, 1,000 each and more
PER_ADDRESS = 1000
CALLBACKS = 200


class Flood:
    """Holds idle connections from several addresses, reopening each one the ingress closes."""

    def __init__(self, port, per_address):
        self.port, self.per_address = port, per_address
        self.selector = selectors.DefaultSelector()
        self.open, self.opened, self.lost, self.refused = 0, 0, 0, 0
        self.stopping = False
        self.thread = threading.Thread(target=self.hold, daemon=True)

    def connect(self, source):
        s = socket.socket()
        s.bind((source, 0))
        try:
            s.connect(("127.0.0.1", self.port))
        except OSError:
            s.close()
            self.refused += 1
            return
        s.setblocking(False)
        self.selector.register(s, selectors.EVENT_READ, source)
        self.open += 1
        self.opened += 1

    def start(self, beyond_cap):
        for source in FLOOD_ADDRESSES:
            for _ in range(self.per_address):
                self.connect(source)
        for _ in range(beyond_cap):  # one address past its cap: those are closed at once
            self.connect(FLOOD_ADDRESSES[0])
        self.thread.start()

    def hold(self):
        while not self.stopping:
            for key, _ in self.selector.select(timeout=0.1):
                try:
                    data = key.fileobj.recv(1024)
                except OSError:
                    data = b""
                if data:
                    continue
                self.selector.unregister(key.fileobj)
                key.fileobj.close()
                self.open -= 1
                self.lost += 1
                if not self.stopping:
                    self.connect(key.data)  # the stranger comes back at once

    def stop(self):
        self.stopping = True
        self.thread.join()
        for key in list(self.selector.get_map().values()):
            key.fileobj.close()


def signed_callbacks(s, n):
    """n status callbacks, each on a connection of its own; returns the worst answer time."""
    worst = 0.0
    for i in range(n):
        params = {"AccountSid": stack.ACCOUNT, "CallSid": "CA%032x" % (0xF100D + i), "CallStatus": "completed",
                  "From": "+15005550006", "To": "+15005550001", "Direction": "inbound", "CallDuration": "7",
                  "Timestamp": "Sun, 06 Dec 2026 20:00:%02d +0000" % (i % 60), "SequenceNumber": "0"}
        twilio = s.twilio()
        started = time.monotonic()
        status, body = twilio.post("/call_status", params)
        worst = max(worst, time.monotonic() - started)
        twilio.conn.close()
        assert status == 204, (i, status, body)
    return worst


def raise_descriptor_limit(needed):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < needed:
        raise AssertionError("this test needs %d open files; the hard limit is %d" % (needed, hard))
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, needed), hard))


def test(make):
    raise_descriptor_limit(len(FLOOD_ADDRESSES) * (PER_ADDRESS + 300) + 1000)
    s = make("e2e_connection_flood")
    s.start_ingress(HTTP_MAX_CONNECTIONS="4096", HTTP_MAX_CONNECTIONS_PER_ADDRESS="1024", HTTP_HEADER_TIMEOUT_MS="60000")
    flood = Flood(s.ingress_port, PER_ADDRESS)
    flood.start(beyond_cap=200)
    time.sleep(1)
    held = stack.metric(s.ingress_metrics_port, "callstream_http_connections")
    try:
        worst = signed_callbacks(s, CALLBACKS)
    finally:
        flood.stop()
    shed = stack.metric(s.ingress_metrics_port, "callstream_http_connections_shed_total")
    refused = stack.metric(s.ingress_metrics_port, 'callstream_http_rejected_total{reason="address_limit"}')
    print("flood: %d connections opened, %d closed by the ingress (and reopened), %d held at once; "
          "%d shed, %d refused by the per-address cap; %d signed callbacks all 204, the slowest in %.0f ms"
          % (flood.opened, flood.lost, held, shed, refused, CALLBACKS, worst * 1000))
    assert held <= 4096 + 64, held
    assert shed >= 1 and refused >= 1, (shed, refused)
    assert worst < 2.0, worst
    per_topic = stack.validate_cloudevents(s.brokers, ["callstream.voice.calls.v1"])
    assert per_topic.get("callstream.voice.calls.v1") == CALLBACKS, per_topic
    # The public port does not say how the service is doing inside.
    assert not stack.http_ok(s.ingress_port, "/metrics")


if __name__ == "__main__":
    raise SystemExit(stack.run(test))
