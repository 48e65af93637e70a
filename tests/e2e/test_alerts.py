#!/usr/bin/env python3
"""End to end: alerts from signed webhooks through the ingress and the projector to fake Slack and
WhatsApp (Twilio Messages API) servers.

A missed call gives exactly one Slack and one WhatsApp message with its facts. Slack answering 429
with Retry-After, then 500s, then 200 gets the alert once, after the wait. 50 missed calls within
a minute arrive as a few grouped messages, within the rate limit. Replaying every topic into
wiped read models sends nothing."""
import json
import os
import random
import sys
import time

import stack

SLACK_PATH = "/services/T000/B000/XXXX"
OPS_PHONE = "whatsapp:+13055550199"


get_json, post_json = stack.get_json, stack.post_json


def slack_delivered(port):
    return [r for r in get_json(port, "/_fake/requests") if r["delivered"]]


def whatsapp_sent(port):
    return [r for r in get_json(port, "/_fake/requests") if r["path"].endswith("/Messages.json")]


def missed_call(twilio, rng):
    flow = stack.twilio_sim.call_flow(stack.ACCOUNT, rng, time.time() - 60, outcome="no-answer")
    for path, p in flow:
        status, body = twilio.post(path, p)
        assert status in (200, 204), (path, status, body)
    return flow[0][1]["From"]


def count_in(messages, caller):
    """How many of the messages mention the caller."""
    return sum(caller in json.dumps(m.get("body") or m.get("params")) for m in messages)


def test(make):
    s = make("e2e_alerts")
    slack = s.start_fake("fake-slack", "fake_slack.py")
    twilio_api = s.start_fake("fake-twilio", "fake_twilio_api.py", "--account", stack.ACCOUNT, "--token", stack.TOKEN)
    rules = os.path.join(s.dir, "rules.json")
    with open(rules, "w") as f:
        json.dump({"language": "en", "rules": [
            {"name": "missed", "kind": "missed_inbound_call", "channels": ["slack", "whatsapp"], "group_window_seconds": 3},
            {"name": "dead-letters", "kind": "dead_letters", "channels": ["slack"]}]}, f)
    projector_env = {"SLACK_WEBHOOK_URL": "http://127.0.0.1:%d%s" % (slack, SLACK_PATH),
                     "WHATSAPP_FROM": "whatsapp:+14155238886", "WHATSAPP_TO": OPS_PHONE,
                     "TWILIO_API_BASE_URL": "http://127.0.0.1:%d" % twilio_api,
                     "ALERT_RULES_FILE": rules, "ALERT_SETTLE_SECONDS": "1", "CALL_CENTER_TIME_ZONE": "America/New_York"}
    s.start_projector(**projector_env)
    s.start_ingress()
    twilio = s.twilio()
    rng = random.Random(7)

    # One missed call: one Slack message and one WhatsApp message, with its facts.
    caller = missed_call(twilio, rng)
    stack.wait_until(lambda: len(slack_delivered(slack)) == 1 and len(whatsapp_sent(twilio_api)) == 1, 30,
                     "the first alert on both channels")
    message = slack_delivered(slack)[0]
    assert message["path"] == SLACK_PATH
    assert message["body"]["blocks"][0]["text"]["text"] == "Missed call", message
    text = message["body"]["blocks"][1]["text"]["text"]
    assert caller in text and "+18005551212" in text and "no answer" in text, text
    wa = whatsapp_sent(twilio_api)[0]
    assert wa["params"]["To"] == [OPS_PHONE] and wa["params"]["From"] == ["whatsapp:+14155238886"], wa
    assert caller in wa["params"]["Body"][0] and wa["params"]["Body"][0].startswith("Missed call"), wa
    assert wa["user"] == stack.ACCOUNT

    # Slack busy, then broken, then back: the alert arrives once, after Retry-After.
    time.sleep(3.5)  # past the group window
    post_json(slack, "/_fake/plan", {"responses": [{"status": 429, "retry_after": 2}, {"status": 500}, {"status": 500}]})
    caller2 = missed_call(twilio, rng)
    stack.wait_until(lambda: count_in(slack_delivered(slack), caller2) == 1, 60, "the retried alert")
    attempts = [r for r in get_json(slack, "/_fake/requests") if caller2 in json.dumps(r["body"])]
    assert [r["delivered"] for r in attempts] == [False, False, False, True], attempts
    assert attempts[1]["at"] - attempts[0]["at"] >= 1.9, "Retry-After was not honoured"
    stack.wait_until(lambda: count_in(whatsapp_sent(twilio_api), caller2) == 1, 30, "the WhatsApp copy")
    # Nothing pending in the outbox: the sender will not try either again.
    stack.wait_until(lambda: stack.psql(s.dsn, "SELECT count(*) FROM alerts WHERE status = 'pending'") == "0",
                     30, "nothing left pending")
    assert count_in(slack_delivered(slack), caller2) == 1

    # A burst: 50 missed calls within a minute arrive grouped, at most one message a second.
    before = len(slack_delivered(slack))
    burst = []
    for _ in range(50):  # about ten seconds: several group windows
        burst.append(missed_call(twilio, rng))
        time.sleep(0.15)

    def burst_messages():
        return [m for m in slack_delivered(slack)[before:]]

    def burst_total():
        total = 0
        for m in burst_messages():
            title = m["body"]["blocks"][0]["text"]["text"]
            total += 1 if title == "Missed call" else int(title.split()[0])
        return total
    stack.wait_until(lambda: burst_total() == 50, 90, "the burst's alerts")
    grouped = burst_messages()
    assert 2 <= len(grouped) <= 10, [m["body"]["blocks"][0]["text"]["text"] for m in grouped]
    times = [m["at"] for m in grouped]
    assert all(b - a >= 0.9 for a, b in zip(times, times[1:])), times
    assert any("missed calls in the last" in m["body"]["blocks"][0]["text"]["text"] for m in grouped)
    # The WhatsApp copies go out at their own pace, after Slack's: await them, then check.
    def outbox():
        return stack.psql(s.dsn, "SELECT string_agg(status || '=' || n, ',' ORDER BY status) FROM "
                                 "(SELECT status, count(*) n FROM alerts GROUP BY status) x")
    stack.wait_until(lambda: "pending" not in outbox(), 60, "the burst's WhatsApp copies")
    assert outbox() == "sent=104", outbox()  # 52 calls x 2 channels

    # Replaying every topic into wiped read models sends nothing.
    sent_before = len(slack_delivered(slack)), len(whatsapp_sent(twilio_api))
    s.kill("projector")
    stack.psql(s.dsn, "TRUNCATE calls, call_events, projector_offsets")
    s.start_projector(**projector_env)
    stack.wait_until(lambda: stack.psql(s.dsn, "SELECT count(*) FROM calls") == "52", 60, "the replay")
    # Alerts are written in the transaction of the rows that call for them, and the outbox has
    # nothing left to send: once the replay is applied, nothing more can go out.
    stack.wait_until(lambda: stack.metric(s.projector_metrics_port, "callstream_projector_lag_events") == 0, 30,
                     "the replay caught up")
    assert stack.psql(s.dsn, "SELECT count(*) FROM alerts WHERE status = 'pending'") == "0"
    assert (len(slack_delivered(slack)), len(whatsapp_sent(twilio_api))) == sent_before
    assert stack.psql(s.dsn, "SELECT count(*) FROM alerts") == "104"


if __name__ == "__main__":
    sys.exit(stack.run(test))
