#!/usr/bin/env python3
"""PostgreSQL stops while webhooks keep coming: the ingress keeps acknowledging (Kafka holds the
events), the projector waits with backoff, reconnects when PostgreSQL is back, and applies
everything exactly once."""
import random
import sys
import time

import stack


def test(make):
    cluster = stack.PrivateCluster()
    s = None
    try:
        s = make("e2e_pg_restart", cluster.dir)
        s.start_projector()
        s.start_ingress()
        twilio = s.twilio()
        rng = random.Random(3)
        callbacks = [p for i in range(300)
                     for p in stack.twilio_sim.call_flow(stack.ACCOUNT, rng, time.time() - 3600 + i)]
        half = len(callbacks) // 2
        for path, p in callbacks[:half]:
            assert twilio.post(path, p)[0] in (200, 204)
        stack.wait_until(lambda: stack.psql(s.dsn, "SELECT count(*) FROM call_events") == str(half), 30,
                         "the first half applied")

        cluster.stop()
        for path, p in callbacks[half:]:
            assert twilio.post(path, p)[0] in (200, 204)  # the ingress does not need PostgreSQL
        time.sleep(2)  # the projector meets the outage and starts waiting
        cluster.start()

        stack.wait_until(lambda: stack.psql(s.dsn, "SELECT count(*) FROM call_events") == str(len(callbacks)), 60,
                         "every event applied after the restart")
        assert stack.psql(s.dsn, "SELECT count(*), sum(events_applied) FROM calls") == "300|%d" % len(callbacks)
        assert "waiting for PostgreSQL" in open(s.dir + "/projector.log").read()
    finally:
        if s:
            s.close()  # the services first, while their database is still there
        cluster.stop()


if __name__ == "__main__":
    sys.exit(stack.run(test))
