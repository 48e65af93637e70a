#!/usr/bin/env python3
"""How long projection stalls when a projector goes away, under a steady load of signed status
callbacks (ingress -> Kafka -> two projectors in one group -> PostgreSQL):

  takeover  one of two instances is killed (SIGKILL): the other must take its partitions;
  join      the killed one starts again and takes some back;
  restart   one instance stopped with SIGTERM and started again at once (a rolling deploy);
  solo      the only instance restarted so (its partitions have nobody else meanwhile).

For each, the time from the event until every event received since is applied within 100 ms
again, and the worst freshness (received by the ingress -> row in call_events) meanwhile.
Usage: tests/bench/failover_bench.py [RATE] [--librdkafka-defaults]
  --librdkafka-defaults: the same binaries with the group settings they had before (45 s session,
  3 s heartbeats, the eager range assignor), for a side-by-side figure.
CALLSTREAM_BIN_DIR: a build, default build/release.
Needs a PostgreSQL: CALLSTREAM_TEST_PG_DIR, or it starts one of its own."""
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.abspath(os.path.join(HERE, "../.."))
os.environ.setdefault("CALLSTREAM_BIN_DIR", os.path.join(SOURCE, "build/release"))
sys.path.insert(0, os.path.join(SOURCE, "tests/e2e"))
import stack  # noqa: E402

ARGS = [a for a in sys.argv[1:] if not a.startswith("--")]
RATE = int(ARGS[0]) if ARGS else 500
DEFAULTS = "--librdkafka-defaults" in sys.argv
FRESH_MS = 100
PROJECTOR_ENV = {"LOG_LEVEL": "info", "KAFKA_GROUP_ID": "failover", "PROJECTOR_POLL_TIMEOUT_MS": "20"}
if DEFAULTS:
    PROJECTOR_ENV.update(KAFKA_SESSION_TIMEOUT_MS="45000", KAFKA_CONSUMER_PROPERTIES=(
        "heartbeat.interval.ms=3000,partition.assignment.strategy=range"))
SPAN = 110 if DEFAULTS else 20  # seconds between two events; the stall is measured over SPAN - 5


class Load:
    """Paced signed status callbacks for `seconds`, in the background, in runs of at most the
    load generator's 300 s."""

    def __init__(self, s, seconds):
        self.s, self.seconds, self.summaries = s, seconds, []
        self.thread = threading.Thread(target=self.run)
        self.thread.start()

    def run(self):
        left, first = self.seconds, 0
        while left > 0:
            run = min(left, 300)
            argv = [os.path.join(stack.BIN, "tools/loadgen/callstream-loadgen"), "--port", str(self.s.ingress_port),
                    "--base-url", stack.BASE_URL, "--token", stack.TOKEN, "--account", stack.ACCOUNT,
                    "--rate", str(RATE), "--seconds", str(run), "--connections", "16",
                    "--distinct", str(RATE * run + 1000), "--first", str(first)]
            out = subprocess.run(argv, capture_output=True, text=True).stdout.strip()
            self.summaries.append(out.splitlines()[0] if out else "")
            left -= run
            first += RATE * run + 1000

    def wait(self):
        self.thread.join()
        return self.summaries


def stall(dsn, since, until):
    """(seconds from `since` until freshness was back under FRESH_MS, worst freshness in ms) over the
    events the ingress received in [since, until)."""
    row = stack.psql(dsn, """
        SELECT coalesce(extract(epoch FROM max(applied_at) FILTER (WHERE ms >= %d)) - %f, 0),
               coalesce(max(ms), 0), count(*)
        FROM (SELECT applied_at, extract(epoch FROM applied_at - received_at) * 1000 AS ms
              FROM call_events WHERE received_at >= to_timestamp(%f) AND received_at < to_timestamp(%f)) e
        """ % (FRESH_MS, since, since, until))
    recovered, worst, n = row.split("|")
    return max(0.0, float(recovered)), float(worst), int(n)


def assigned(s, name):
    """Whether the projector's log says it holds partitions."""
    path = os.path.join(s.dir, name + ".log")
    return os.path.exists(path) and "partitions assigned" in open(path, errors="replace").read()


def bench(make):
    s = make("bench_failover")
    s.start_ingress()
    s.start_projector(name="a", **PROJECTOR_ENV)
    s.start_projector(name="b", **PROJECTOR_ENV)
    stack.wait_until(lambda: assigned(s, "a") and assigned(s, "b"), 60, "both projectors to hold partitions")
    time.sleep(2)
    phases = []
    loader = Load(s, 8 + 4 * SPAN)
    time.sleep(8)

    def phase(name, action):
        t = time.time()
        action()
        phases.append((name, t, SPAN - 5))
        time.sleep(SPAN)

    phase("takeover: one of two killed (SIGKILL)", lambda: s.kill("a", signal.SIGKILL))
    phase("join: the killed one started again", lambda: s.start_projector(name="a", **PROJECTOR_ENV))
    phase("restart: one of two, SIGTERM then start",
          lambda: (s.kill("b", signal.SIGTERM), s.start_projector(name="b", **PROJECTOR_ENV)))
    phase("solo: the only one, SIGTERM then start",
          lambda: (s.kill("b", signal.SIGTERM), s.kill("a", signal.SIGTERM), s.start_projector(name="a", **PROJECTOR_ENV)))
    summaries = loader.wait()
    stack.wait_until(lambda: stack.psql(s.dsn, "SELECT count(*) FROM call_events WHERE applied_at > now() - interval '2 s'") == "0",
                     120, "the backlog to drain")
    settings = ("librdkafka's defaults: session.timeout.ms 45000, eager range assignor" if DEFAULTS
                else "session.timeout.ms 6000, cooperative-sticky")
    print("== %d signed status callbacks/s; two projectors in one group (%s), devkafka; "
          "freshness = received by the ingress -> row" % (RATE, settings))
    print("\n".join(summaries))
    print("%-44s %14s %18s %8s" % ("event", "stall (s)", "worst fresh (ms)", "events"))
    for name, since, span in phases:
        recovered, worst, n = stall(s.dsn, since, since + span)
        print("%-44s %14.1f %18.0f %8d" % (name, recovered, worst, n))


if __name__ == "__main__":
    pg = None
    if not os.environ.get("CALLSTREAM_TEST_PG_DIR"):
        pg = tempfile.mkdtemp(prefix="callstream-failover-pg-")
        subprocess.run([os.path.join(SOURCE, "scripts/pg-cluster"), "start", pg, "5432"], check=True)
        os.environ["CALLSTREAM_TEST_PG_DIR"] = stack.PG_DIR = pg
    try:
        sys.exit(stack.run(bench))
    finally:
        if pg:
            subprocess.run([os.path.join(SOURCE, "scripts/pg-cluster"), "stop", pg], check=False)
