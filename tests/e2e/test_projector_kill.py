#!/usr/bin/env python3
"""SIGKILL the projector at random moments while it applies a backlog, restart it each time: the
calls and call_events rows end identical to those of an uninterrupted run (nothing lost, nothing
doubled), because each batch and its offset commit in one PostgreSQL transaction."""
import os
import random
import signal
import sys
import time

import stack

# ctest runs a short version; tests/bench/projector_kill_soak.sh the 100,000-event one.
CALLS = int(os.environ.get("KILL_TEST_CALLS", "1500"))
BATCH = os.environ.get("KILL_TEST_BATCH", "50")
MAX_WAIT = float(os.environ.get("KILL_TEST_MAX_WAIT", "0.4"))
LOGS = {"LOG_LEVEL": os.environ["KILL_TEST_LOG_LEVEL"]} if "KILL_TEST_LOG_LEVEL" in os.environ else {}
CHECKSUM = """SELECT md5(string_agg(c::text, '|' ORDER BY call_sid)) || '/' || count(*) FROM calls c;"""
# Every column but applied_at (the clock when the row was written differs between runs).
EVENTS_CHECKSUM = """SELECT md5(string_agg(concat_ws(',', event_id, call_sid, event_type, call_status, status_rank,
  sequence_number, event_time, received_at, kafka_topic, kafka_partition, kafka_offset, data::text), '|'
  ORDER BY event_id)) || '/' || count(*) FROM call_events e;"""


def count_events(dsn):
    try:
        return stack.psql(dsn, "SELECT count(*) FROM call_events")
    except Exception:  # schema not migrated yet
        return "0"


def test(make):
    s = make("e2e_kill_interrupted")
    s.start_ingress()
    twilio = s.twilio()
    rng = random.Random(7)
    callbacks = [p for i in range(CALLS)
                 for p in stack.twilio_sim.call_flow(stack.ACCOUNT, rng, time.time() - 7200 + i)]
    for path, p in callbacks:
        status, body = twilio.post(path, p)
        assert status in (200, 204), (status, body)
    total = str(len(callbacks))
    print("published %d events" % len(callbacks))

    # Interrupted run: small batches so that a kill lands inside one. Each restart joins a new
    # consumer group, so it need not wait out the dead member's session: where to resume comes
    # from PostgreSQL's projector_offsets either way, never from the group.
    kills = 0
    partial_kills = 0
    applied = "0"
    while applied != total:
        s.start_projector(PROJECTOR_BATCH_MAX=BATCH, KAFKA_GROUP_ID="interrupted-%d" % kills, **LOGS)
        before = applied
        stack.wait_until(lambda: count_events(s.dsn) != before, 60,
                         "the restarted projector to make progress")
        time.sleep(rng.uniform(0.0, MAX_WAIT))
        s.kill("projector", signal.SIGKILL)
        applied = count_events(s.dsn)
        kills += 1
        if applied != total:
            partial_kills += 1
        assert kills < 400, "too many restarts"
    print("killed the projector %d times (%d mid-backlog)" % (kills, partial_kills))
    assert partial_kills >= 1, "no kill landed while the backlog was being applied"
    interrupted = (stack.psql(s.dsn, CHECKSUM), stack.psql(s.dsn, EVENTS_CHECKSUM))

    # Uninterrupted run: the same topic into another database.
    reference_dsn = stack.fresh_database("e2e_kill_reference")
    dsn = s.dsn
    s.dsn = reference_dsn
    s.start_projector(name="reference", KAFKA_GROUP_ID="reference")
    stack.wait_until(lambda: count_events(reference_dsn) == total, 600,
                     "reference run to finish")
    s.kill("reference")
    s.dsn = dsn
    reference = (stack.psql(reference_dsn, CHECKSUM), stack.psql(reference_dsn, EVENTS_CHECKSUM))
    assert interrupted == reference, (interrupted, reference)
    assert interrupted[0].endswith("/%d" % CALLS)


if __name__ == "__main__":
    sys.exit(stack.run(test))
