#!/usr/bin/env python3
"""End to end: Twilio Event Streams into the read models, beside or instead of the webhooks.

One day of a call center (calls, recordings, tasks, agents' activity) and a missed call, sent
three ways to three stacks:
  A. every fact as a webhook (the reference);
  B. what needs an answer (/voice) as a webhook, every other fact only through Event Streams,
     in shuffled batches, with events of types the read models do not use and one malformed;
  C. every fact both ways, interleaved, with Event Streams redeliveries and webhook retries.
B and C have the read models, KPIs and alerts of A: each fact changed the rows once, and the
missed call alerted once."""
import json
import os
import random
import sys
import time

import jsonschema

import stack
import call_center
import eventstreams

USER, PASSWORD = "twilio-sink", "a-long-sink-password"
OTHER_TYPES = ["com.twilio.messaging.message.delivered", "com.twilio.eventstreams.test-event"]
# Read models and the columns that say which copy of a fact arrived, not what it says.
TABLES = ["calls", "call_events", "recordings", "recording_events", "tasks", "reservations", "workers",
          "worker_activity", "taskrouter_events", "call_fact_rows"]
DELIVERY_COLUMNS = ["event_id", "received_at", "kafka_topic", "kafka_partition", "kafka_offset", "data", "applied_at"]
# /voice carries no time of Twilio's: its event's time is when it arrived, and the three runs send
# the same day's calls minutes apart. Those times are left out of the comparison.
ARRIVAL_TIMES = {("calls", "last_event_at"): None,
                 ("call_events", "event_time"):
                     "CASE WHEN event_type LIKE 'com.twilio.voice.status-callback.%' THEN event_time END"}
KPI_VIEWS = ["analytics.calls_daily", "analytics.calls_hourly", "analytics.queues_daily", "analytics.agents_daily",
             "analytics.call_kpis"]


def facts(now):
    rng = random.Random(18)
    hooks = call_center.call_center(stack.ACCOUNT, rng, days=1, now=now, calls_per_day=40)
    return hooks + stack.twilio_sim.call_flow(stack.ACCOUNT, rng, now - 90, outcome="no-answer")


def start(make, name):
    s = make(name)
    slack = s.start_fake("fake-slack", "fake_slack.py")
    rules = os.path.join(s.dir, "rules.json")
    with open(rules, "w") as f:
        json.dump({"language": "en", "rules": [{"name": "missed", "kind": "missed_inbound_call", "channels": ["slack"],
                                                "group_window_seconds": 0}]}, f)
    # Every missed call of the day alerts, in each of the three runs minutes apart.
    s.start_projector(SLACK_WEBHOOK_URL="http://127.0.0.1:%d/services/T0/B0/X" % slack, ALERT_RULES_FILE=rules,
                      ALERT_SETTLE_SECONDS="3", ALERT_MAX_AGE_SECONDS="172800")
    s.start_ingress(EVENT_STREAMS_USER=USER, EVENT_STREAMS_PASSWORD=PASSWORD)
    return s, slack


def post_webhook(twilio, path, p):
    status, body = twilio.post(path, p)
    assert status in (200, 204), (path, status, body)


def twilio_schemas():
    """Event Streams type prefix -> the JSON Schema of the data the projector reads (proto/)."""
    topics = json.load(open(os.path.join(stack.SOURCE, "proto/topics.json")))["topics"]
    kinds = next(t for t in topics if t["name"] == "callstream.eventstreams.v1")["twilio_event_types"]
    return {prefix.rstrip("*"): json.load(open(os.path.join(stack.SOURCE, "proto", f))) for prefix, f in kinds.items()}


def check_schemas(events):
    """The simulated events are what proto/ says the projector reads."""
    schemas = twilio_schemas()
    for e in events:
        for prefix, schema in schemas.items():
            if e["type"].startswith(prefix):
                jsonschema.validate(e["data"], schema)


def post_batches(s, events, rng):
    sink = eventstreams.Sink("http://127.0.0.1:%d" % s.ingress_port, USER, PASSWORD)
    for i in range(0, len(events), 40):
        status, body = sink.post(events[i:i + 40])
        assert status == 204, (status, body)


def settled(s, expected_events):
    """Every Kafka message applied (the projector's offsets reach what the ingress published)."""
    stack.wait_until(lambda: stack.psql(s.dsn, "SELECT coalesce(sum(next_offset), 0) FROM projector_offsets")
                     == str(expected_events), 60, "every message applied")
    stack.wait_until(lambda: stack.psql(s.dsn, "SELECT count(*) FROM alerts WHERE status = 'pending'") == "0", 30,
                     "alerts sent")


def read_models(dsn):
    """Table -> its rows over the columns that state facts, sorted, as text."""
    out = {}
    for t in TABLES:
        names = stack.psql(dsn, "SELECT string_agg(column_name, ',' ORDER BY column_name) FROM "
                                "information_schema.columns WHERE table_schema = 'public' AND table_name = '%s' "
                                "AND column_name <> ALL (ARRAY[%s])"
                           % (t, ",".join("'%s'" % c for c in DELIVERY_COLUMNS))).split(",")
        cols = ",".join(ARRIVAL_TIMES.get((t, n), n) for n in names if ARRIVAL_TIMES.get((t, n), n))
        out[t] = stack.psql(dsn, "SELECT string_agg(r, E'\\n' ORDER BY r) FROM (SELECT ROW(%s)::text AS r FROM %s) x"
                            % (cols, t))
    for v in KPI_VIEWS:
        out[v] = stack.psql(dsn, "SELECT string_agg(t::text, E'\\n' ORDER BY t::text) FROM %s t" % v)
    # An alert written while its facts were still arriving out of order (the call's end before
    # the task's acceptance) is canceled within the settle time; what was sent must be the same.
    out["alerts sent"] = stack.psql(dsn, "SELECT string_agg(idempotency_key, E'\\n' ORDER BY idempotency_key) "
                                         "FROM alerts WHERE status = 'sent'")
    return out


def same(reference, other, what):
    for name, rows in reference.items():
        theirs, ours = set(other[name].splitlines()), set(rows.splitlines())
        assert other[name] == rows, "%s: %s differs from the webhooks': %d vs %d rows; only here: %s; only there: %s" % (
            what, name, len(other[name].splitlines()), len(rows.splitlines()), sorted(theirs - ours)[:2],
            sorted(ours - theirs)[:2])


def slack_messages(port):
    """How many messages Slack got (one may group several alerts that fell due together)."""
    return len([r for r in stack.get_json(port, "/_fake/requests") if r["delivered"]])


def webhooks_only(make, hooks):
    a, slack = start(make, "e2e_es_webhooks")
    twilio = a.twilio()
    for path, p in hooks:
        post_webhook(twilio, path, p)
    settled(a, len(hooks))
    return read_models(a.dsn), slack_messages(slack)


def streams_only(make, hooks, rng):
    b, slack = start(make, "e2e_es_streams")
    twilio = b.twilio()
    streamed = []
    for path, p in hooks:
        e = eventstreams.event_of(path, p, rng)
        if e is None:
            post_webhook(twilio, path, p)
        else:
            streamed.append(e)
    check_schemas(streamed)
    others = [eventstreams.other_event(OTHER_TYPES[i % 2], rng) for i in range(6)]
    malformed = eventstreams.event_of("/call_status", dict(hooks[-1][1]), rng)
    del malformed["data"]["request"]["parameters"]["CallSid"]
    batch = streamed + others + [malformed]
    rng.shuffle(batch)  # Event Streams may deliver out of order
    post_batches(b, batch, rng)
    webhooks = len(hooks) - len(streamed)
    settled(b, webhooks + len(batch))
    ignored = sum(stack.metric(b.projector_metrics_port, 'callstream_projector_eventstreams_ignored_total{type="%s"}' % t)
                  for t in OTHER_TYPES)
    assert ignored == len(others), ignored
    letter = stack.psql(b.dsn, "SELECT kafka_topic || ' ' || error FROM dead_letters")
    assert letter.startswith("callstream.eventstreams.v1 ") and "lacks CallSid" in letter, letter
    return read_models(b.dsn), slack_messages(slack)


def both_ways(make, hooks, rng):
    """Each fact by webhook and by Event Streams, interleaved; redeliveries and retries too."""
    c, slack = start(make, "e2e_es_both")
    twilio = c.twilio()
    sends = [("hook", path, p) for path, p in hooks]
    sends += [("hook", path, p) for path, p in rng.sample(hooks, len(hooks) // 10)]  # Twilio retries
    streamed = [e for path, p in hooks if (e := eventstreams.event_of(path, p, rng))]
    streamed += rng.sample(streamed, len(streamed) // 5)  # Event Streams redelivers (same id)
    sends += [("stream", e) for e in streamed]
    rng.shuffle(sends)
    pending = []
    for send in sends:
        if send[0] == "hook":
            post_webhook(twilio, send[1], send[2])
        else:
            pending.append(send[1])
        if len(pending) == 25:
            post_batches(c, pending, rng)
            pending = []
    post_batches(c, pending, rng)
    settled(c, sum(1 for s in sends if s[0] == "hook") + len(streamed))
    return read_models(c.dsn), slack_messages(slack)


def test(make):
    now = time.time()
    hooks = facts(now)
    rng = random.Random(7)
    reference, reference_slack = webhooks_only(make, hooks)
    assert len(reference["alerts sent"].splitlines()) >= 5, reference["alerts sent"]
    assert reference_slack > 0
    assert len(reference["calls"].splitlines()) > 20
    streams, streams_slack = streams_only(make, hooks, rng)
    same(reference, streams, "Event Streams only")
    assert streams_slack > 0
    both, both_slack = both_ways(make, hooks, rng)
    same(reference, both, "both ways")
    assert both_slack > 0


if __name__ == "__main__":
    sys.exit(stack.run(test))
