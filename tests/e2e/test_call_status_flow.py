#!/usr/bin/env python3
"""End to end: call flows signed by Twilio's SDK -> ingress -> Kafka -> projector -> PostgreSQL.
Out-of-order and repeated callbacks give one row per call with its final status; unsigned and
forged requests are refused and leave no trace."""
import random
import sys
import time

import stack


def test(make):
    s = make("e2e_call_flow")
    s.start_projector()
    s.start_ingress()
    twilio = s.twilio()
    rng = random.Random(42)

    flows = [stack.twilio_sim.call_flow(stack.ACCOUNT, rng, time.time() - 600 + i * 5) for i in range(25)]
    callbacks = [hook for flow in flows for hook in flow]  # (path, params): /voice, then statuses
    deliveries = callbacks + rng.sample(callbacks, 20)  # Twilio retries some
    rng.shuffle(deliveries)
    for path, p in deliveries:
        status, body = twilio.post(path, p)
        if path == "/voice":  # TwiML at once: without a call flow file, voicemail
            assert status == 200 and body.startswith(b'<?xml version="1.0" encoding="UTF-8"?><Response>'), (status, body)
            assert b"<Record " in body, body
        else:
            assert status == 204, (status, body)

    # Refused: no signature, a forged one, a tampered body. None may reach the read models.
    intruder = dict(callbacks[1][1], CallSid="CA" + "f" * 32)
    assert twilio.post("/call_status", intruder, signature="")[0] == 400
    assert twilio.post("/call_status", intruder, signature="AAAAAAAAAAAAAAAAAAAAAAAAAAA=")[0] == 403
    forged = stack.twilio_sim.RequestValidator("not-the-token").compute_signature(stack.BASE_URL + "/call_status", intruder)
    assert twilio.post("/call_status", intruder, signature=forged)[0] == 403

    stack.wait_until(lambda: stack.psql(s.dsn, "SELECT count(*) FROM call_events") == str(len(callbacks)), 30,
                     "all call events in PostgreSQL")
    stack.wait_until(lambda: stack.psql(s.dsn, "SELECT coalesce(sum(events_applied),0) FROM calls") == str(len(callbacks)),
                     10, "calls folded")
    assert stack.psql(s.dsn, "SELECT count(*) FROM calls") == "25"
    assert stack.psql(s.dsn, "SELECT count(*) FROM calls WHERE call_sid = '%s'" % intruder["CallSid"]) == "0"
    for flow in flows:
        final = flow[-1][1]
        row = stack.psql(s.dsn, "SELECT status, from_number, coalesce(duration_seconds, -1) FROM calls WHERE call_sid = '%s'"
                         % final["CallSid"])
        assert row == "%s|%s|%s" % (final["CallStatus"], final["From"], final["CallDuration"]), (row, final)
    answered = [f for f in flows if f[-1][1]["CallStatus"] == "completed"]
    assert stack.psql(s.dsn, "SELECT count(*) FROM calls WHERE answered_at IS NOT NULL") == str(len(answered))


if __name__ == "__main__":
    sys.exit(stack.run(test))
