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

        errors_before = stack.metric(s.projector_metrics_port, "callstream_projector_pg_errors_total")
        cluster.stop()
        for path, p in callbacks[half:]:
            assert twilio.post(path, p)[0] in (200, 204)  # the ingress does not need PostgreSQL
        stack.wait_until(lambda: stack.metric(s.projector_metrics_port, "callstream_projector_pg_errors_total")
                         > errors_before, 30, "the projector meets the outage and waits")
        cluster.start()

        stack.wait_until(lambda: stack.psql(s.dsn, "SELECT count(*) FROM call_events") == str(len(callbacks)), 60,
                         "every event applied after the restart")
        assert stack.psql(s.dsn, "SELECT count(*), sum(events_applied) FROM calls") == "300|%d" % len(callbacks)
    finally:
        if s:
            s.close()  # the services first, while their database is still there
        cluster.stop()


if __name__ == "__main__":
    sys.exit(stack.run(test))
