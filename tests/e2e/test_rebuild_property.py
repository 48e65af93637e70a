#!/usr/bin/env python3
"""Property: whatever the operator does with dead letters, rebuilds and kills, the read models equal
those of a fresh projector replaying the same topics with the same dead-letter decisions.

Random call flows (voice, status callbacks, recordings, TaskRouter events, SMS opt-outs) go through
the real ingress; poison messages (not JSON, not an event) land on every topic with the keys of
those flows (kcat, as a broken producer would write them). Random operator actions follow:
discard a letter, redrive all or one key, rebuild, rebuild killed midway then run again, SIGKILL
of the live projector. After each step, once the live projector has caught up:

* every read model (calls, call_events, recordings, tasks, reservations, workers, worker_activity,
  optouts, their event tables and the offsets) equals, row for row, what a fresh projector writes
  into an empty database holding a copy of the same dead letters (batches of one event: another
  schedule than the live projector's small batches and the rebuild's large ones);
* the dead letters are the same in both (no letter appears, reopens or closes in the replay);
* a rebuild changes no read model (no new event arrived meanwhile), writes no alert and sends
  nothing to Slack.

ctest runs a fixed seed and size; REBUILD_PROPERTY_SEED and REBUILD_PROPERTY_STEPS run others."""
import json
import os
import random
import signal
import subprocess
import sys
import time

import stack

SEED = int(os.environ.get("REBUILD_PROPERTY_SEED", "13"))
STEPS = int(os.environ.get("REBUILD_PROPERTY_STEPS", "16"))
CALLS = int(os.environ.get("REBUILD_PROPERTY_CALLS", "8"))
PROJECTOR = os.path.join(stack.BIN, "services/projector/callstream-projector")
TOPICS = {"calls": "callstream.voice.calls.v1", "recordings": "callstream.voice.recordings.v1",
          "taskrouter": "callstream.taskrouter.v1", "optouts": "callstream.optouts.v1"}
# The read models a rebuild replaces, with the columns that hold the clock of the write (they
# differ between any two runs) left out.
READ_MODELS = ["projector_offsets", "call_events", "calls", "recording_events", "recordings",
               "taskrouter_events", "tasks", "reservations", "workers", "worker_activity",
               "optout_events", "optouts", "call_fact_rows"]
# The KPI views: their rollups are appended per batch, so the tables differ from run to run; what
# they sum to must not.
KPI_VIEWS = ["analytics.calls_daily", "analytics.calls_hourly", "analytics.queues_daily", "analytics.agents_daily"]
# The KPIs as 003_analytics.sql computed them, per call at query time, over the facts computed now.
KPIS_FROM_SCRATCH = """
SELECT day, direction, count(*) AS calls, count(*) FILTER (WHERE answered) AS answered,
       count(*) FILTER (WHERE missed) AS missed, count(*) FILTER (WHERE abandoned) AS abandoned,
       round(avg(duration_seconds), 1), round(avg(answer_seconds) FILTER (WHERE answered), 1),
       round(avg(coalesce(talk_seconds, 0) + coalesce(wrapup_seconds, 0)) FILTER (WHERE answered), 1),
       CASE WHEN direction = 'inbound'
            THEN round(100.0 * count(*) FILTER (WHERE answered_within_threshold) / count(*), 1) END
FROM callstream_call_facts(ARRAY(SELECT call_sid FROM calls)) GROUP BY day, direction"""
AGENTS_FROM_SCRATCH = """
SELECT day, agent, count(*), round(sum(coalesce(talk_seconds, 0)), 1), round(avg(talk_seconds), 1),
       round(avg(wrapup_seconds), 1), round(avg(coalesce(talk_seconds, 0) + coalesce(wrapup_seconds, 0)), 1),
       round(avg(answer_seconds), 1)
FROM callstream_call_facts(ARRAY(SELECT call_sid FROM calls)) WHERE answered AND agent IS NOT NULL GROUP BY day, agent"""
WALL_CLOCK = {("projector_offsets", "updated_at"), ("call_events", "applied_at")}
POISONS = ["{not json", "", "\"a string\"", json.dumps({"specversion": "1.0", "type": "x"})]
WORKSPACE = "WS" + "1" * 32
SLACK_PATH = "/services/T000/B000/XXXX"


def sid(prefix, rng):
    return stack.twilio_sim.sid(prefix, rng)


class Flow:
    """One inbound call answered through Flex, its recording, its agent and an SMS opt-out: the
    webhooks in the order Twilio sends them, and the message key of each topic."""

    def __init__(self, rng, start):
        calls = stack.twilio_sim.call_flow(stack.ACCOUNT, rng, start, outcome=rng.choice(["completed", "no-answer"]))
        self.call = calls[0][1]["CallSid"]
        self.task, self.worker = sid("WT", rng), sid("WK", rng)
        self.number = calls[0][1]["From"]
        self.keys = {"calls": self.call, "recordings": self.call, "taskrouter": self.task, "optouts": self.number}
        recording = sid("RE", rng)
        t = start
        tr = []
        for event_type, status in [("task.created", "pending"), ("reservation.created", "reserved"),
                                   ("reservation.accepted", "assigned"), ("task.completed", "completed")]:
            t += rng.randrange(1, 20)
            p = {"AccountSid": stack.ACCOUNT, "WorkspaceSid": WORKSPACE, "EventType": event_type, "TaskSid": self.task,
                 "TaskAssignmentStatus": status, "TaskQueueSid": "WQ" + "2" * 32, "TaskQueueName": "Support",
                 "TaskAttributes": json.dumps({"call_sid": self.call, "from": self.number}),
                 "Sid": sid("EV", rng), "TimestampMs": str(int(t * 1000))}
            if event_type.startswith("reservation."):
                p.update(ReservationSid="WR" + self.task[2:], WorkerSid=self.worker, WorkerName="agent-" + self.worker[-4:])
            tr.append(("/taskrouter_event", p))
        tr.append(("/taskrouter_event", {
            "AccountSid": stack.ACCOUNT, "WorkspaceSid": WORKSPACE, "EventType": "worker.activity.update",
            "WorkerSid": self.worker, "WorkerName": "agent-" + self.worker[-4:], "WorkerActivityName": "Available",
            "WorkerPreviousActivityName": "Busy", "WorkerTimeInPreviousActivityMs": str(rng.randrange(1000, 90000)),
            "Sid": sid("EV", rng), "TimestampMs": str(int((t + 5) * 1000))}))
        rec = {"AccountSid": stack.ACCOUNT, "CallSid": self.call, "RecordingSid": recording, "RecordingChannels": "2",
               "RecordingSource": "DialVerb",
               "RecordingUrl": "https://api.twilio.com/2010-04-01/Accounts/%s/Recordings/%s" % (stack.ACCOUNT, recording)}
        recordings = [("/recording_status", dict(rec, RecordingStatus="in-progress")),
                      ("/recording_status", dict(rec, RecordingStatus="completed", RecordingDuration=str(rng.randrange(5, 300))))]
        sms = [("/sms", {"AccountSid": stack.ACCOUNT, "MessageSid": sid("SM", rng), "From": self.number,
                         "To": "+18005551212", "Body": word}) for word in ["STOP", "START"][:rng.randrange(1, 3)]]
        # Interleaved as one call's webhooks arrive: the call, then its task, recording and SMS.
        self.pending = calls[:3] + tr[:3] + recordings[:1] + calls[3:] + recordings[1:] + tr[3:] + sms

    def send_next(self, twilio, count):
        for _ in range(min(count, len(self.pending))):
            path, params = self.pending.pop(0)
            status, body = twilio.post(path, params)
            assert status in (200, 204), (path, status, body)


def kcat_produce(brokers, topic, key, value):
    # librdkafka's default partitioner, as in the ingress: the key's partition is the same.
    subprocess.run(["kcat", "-P", "-b", brokers, "-t", topic, "-k", key, "-Z"], input=value.encode(),
                   check=True, timeout=30)


def end_offsets(brokers):
    """(topic, partition) -> the offset after the last message, for every partition."""
    out = {}
    for topic in TOPICS.values():
        meta = json.loads(subprocess.run(["kcat", "-L", "-b", brokers, "-t", topic, "-J"], check=True,
                                         capture_output=True, text=True, timeout=30).stdout)
        parts = [p["partition"] for t in meta["topics"] if t["topic"] == topic for p in t["partitions"]]
        args = ["kcat", "-Q", "-b", brokers] + [a for p in parts for a in ("-t", "%s:%d:-1" % (topic, p))]
        for line in subprocess.run(args, check=True, capture_output=True, text=True, timeout=30).stdout.splitlines():
            name, part, _, offset = line.split()
            out[(name, int(part.strip("[]")))] = int(offset)
    return out


def applied_offsets(dsn):
    try:
        rows = stack.psql(dsn, "SELECT topic, partition, next_offset FROM projector_offsets")
    except subprocess.CalledProcessError:  # not migrated yet
        return {}
    return {(t, int(p)): int(n) for t, p, n in (r.split("|") for r in rows.splitlines() if r)}


def caught_up(dsn, ends):
    applied = applied_offsets(dsn)
    return all(applied.get(tp, 0) >= end for tp, end in ends.items() if end > 0)


def read_models(dsn):
    """Table -> 'rows/md5' over every column but the wall-clock ones, in one query."""
    skip = " OR ".join("(table_name = '%s' AND column_name = '%s')" % tc for tc in sorted(WALL_CLOCK))
    cols = dict(r.split("|") for r in stack.psql(
        dsn, "SELECT table_name, string_agg('t.' || quote_ident(column_name), ',' ORDER BY column_name) FROM "
             "information_schema.columns WHERE table_schema = 'public' AND table_name = ANY(ARRAY[%s]) AND NOT (%s) "
             "GROUP BY 1" % (",".join("'%s'" % t for t in READ_MODELS), skip)).splitlines())
    query = " UNION ALL ".join(
        "SELECT '%s', count(*) || '/' || coalesce(md5(string_agg(r, '|' ORDER BY r)), '') FROM "
        "(SELECT ROW(%s)::text AS r FROM %s t) x" % (t, cols[t], t) for t in READ_MODELS)
    return dict(r.split("|") for r in stack.psql(dsn, query).splitlines())


def kpi_views(dsn):
    query = " UNION ALL ".join("SELECT '%s', count(*) || '/' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') "
                               "FROM %s t" % (v, v) for v in KPI_VIEWS)
    return dict(r.split("|") for r in stack.psql(dsn, query).splitlines())


def kpis_kept(dsn, step, what):
    """The kept facts and rollups equal what the definitions compute from the read models now."""
    def differ(a, b):
        return stack.psql(dsn, "SELECT count(*) FROM ((%s) EXCEPT ALL (%s)) x" % (a, b))
    checks = {"facts": ("SELECT * FROM call_fact_rows", "SELECT * FROM callstream_call_facts(ARRAY(SELECT call_sid FROM calls))"),
              "calls_daily": ("SELECT * FROM analytics.calls_daily", KPIS_FROM_SCRATCH),
              "agents_daily": ("SELECT * FROM analytics.agents_daily", AGENTS_FROM_SCRATCH)}
    for name, (kept, computed) in checks.items():
        assert differ(kept, computed) == "0" and differ(computed, kept) == "0", \
            "step %d (%s): the kept %s differ from the ones computed now" % (step, what, name)


def letters(dsn):
    return stack.psql(dsn, "SELECT string_agg(concat_ws(',', kafka_topic, kafka_partition, kafka_offset, message_key, "
                           "kind, resolution, resolved_at IS NULL), '|' ORDER BY kafka_topic, kafka_partition, "
                           "kafka_offset) FROM dead_letters")


def alerts(dsn):
    return stack.psql(dsn, "SELECT count(*) || '/' || coalesce(md5(string_agg(concat_ws(',', id, idempotency_key, "
                           "facts::text), '|' ORDER BY id)), '') FROM alerts")


def slack_delivered(port):
    import http.client
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request("GET", "/_fake/requests")
    return len(json.loads(c.getresponse().read()))


def cli(s, *args, env=None):
    return subprocess.run([PROJECTOR] + list(args), env=s.env(env or {}), capture_output=True, text=True, timeout=300)


class Run:
    def __init__(self, s, rng, slack):
        self.s, self.rng = s, rng
        self.generation = 0
        self.checks = 0
        self.rebuilds = 0
        self.live_env = {"PROJECTOR_BATCH_MAX": str(rng.choice([1, 2, 3, 5])),
                         "SLACK_WEBHOOK_URL": "http://127.0.0.1:%d%s" % (slack, SLACK_PATH),
                         "ALERT_RULES_FILE": self.rules_file(), "ALERT_SETTLE_SECONDS": "1"}
        self.slack = slack

    def rules_file(self):
        path = os.path.join(self.s.dir, "rules.json")
        with open(path, "w") as f:
            json.dump({"language": "en", "rules": [
                {"name": "missed", "kind": "missed_inbound_call", "channels": ["slack"]},
                {"name": "dead-letters", "kind": "dead_letters", "channels": ["slack"]}]}, f)
        return path

    def start_live(self):
        self.generation += 1
        self.s.start_projector(KAFKA_GROUP_ID="live-%d" % self.generation, **self.live_env)
        port = self.s.projector_port
        stack.wait_until(lambda: stack.http_ok(port, "/readyz"), 30, "the live projector")

    def wait_live(self):
        ends = end_offsets(self.s.brokers)
        try:
            stack.wait_until(lambda: caught_up(self.s.dsn, ends), 120, "the live projector to catch up")
        except AssertionError:
            raise AssertionError("the live projector did not catch up: topic ends %s, applied %s" % (
                ends, applied_offsets(self.s.dsn)))
        return ends

    def oracle(self, ends):
        """A fresh projector, one event a transaction, into an empty database with the same letters."""
        self.checks += 1
        dsn = stack.fresh_database("e2e_rebuild_oracle")
        assert cli(self.s, "migrate", env={"DATABASE_URL": dsn}).returncode == 0
        dump = subprocess.run(["psql", self.s.dsn, "-XAtq", "-c", "COPY dead_letters TO STDOUT"], check=True,
                              capture_output=True).stdout
        subprocess.run(["psql", dsn, "-XAtq", "-c", "COPY dead_letters FROM STDIN"], input=dump, check=True,
                       capture_output=True)
        live_dsn, self.s.dsn = self.s.dsn, dsn
        self.s.start_projector(name="oracle", KAFKA_GROUP_ID="oracle-%d" % self.checks, PROJECTOR_BATCH_MAX="1")
        self.s.dsn = live_dsn
        stack.wait_until(lambda: caught_up(dsn, ends), 120, "the oracle projector to replay the topics")
        self.s.kill("oracle", signal.SIGKILL)  # everything is committed; SIGTERM's Kafka teardown is slow
        return dsn

    def check(self, step, what):
        ends = self.wait_live()
        oracle = self.oracle(ends)
        live, fresh = read_models(self.s.dsn), read_models(oracle)
        live.update(kpi_views(self.s.dsn))
        fresh.update(kpi_views(oracle))
        differ = [t for t in READ_MODELS + KPI_VIEWS if live[t] != fresh[t]]
        assert not differ, "step %d (%s): read models differ from a fresh replay: %s" % (
            step, what, {t: (live[t], fresh[t]) for t in differ})
        kpis_kept(self.s.dsn, step, what)
        assert letters(self.s.dsn) == letters(oracle), "step %d (%s): the replay changed dead letters" % (step, what)
        return live

    def open_letters(self):
        rows = stack.psql(self.s.dsn, "SELECT id, kind, message_key FROM dead_letters WHERE resolved_at IS NULL ORDER BY id")
        return [r.split("|") for r in rows.splitlines() if r]

    def rebuild(self, interrupt):
        before, alerts_before = read_models(self.s.dsn), alerts(self.s.dsn)
        slack_before = slack_delivered(self.slack)
        if interrupt:  # SIGKILL midway: the live tables stay; the next rebuild starts over
            p = subprocess.Popen([PROJECTOR, "rebuild"], env=self.s.env({"KAFKA_GROUP_ID": "rebuild-killed"}),
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(self.rng.uniform(0.2, 2.0))
            p.kill()
            p.wait()
            assert read_models(self.s.dsn) == before, "a killed rebuild changed the live read models"
        r = cli(self.s, "rebuild", env={"PROJECTOR_BATCH_MAX": str(self.rng.choice([2, 50, 5000]))})
        assert r.returncode == 0, (r.returncode, r.stdout, r.stderr)
        self.rebuilds += 1
        self.wait_live()
        after = read_models(self.s.dsn)
        lost = {t: (before[t], after[t]) for t in READ_MODELS if before[t] != after[t]}
        assert not lost, "the rebuild changed the read models: %s" % lost
        time.sleep(1.5)  # the sender would have picked up anything written
        assert alerts(self.s.dsn) == alerts_before, "the rebuild wrote alerts"
        assert slack_delivered(self.slack) == slack_before, "the rebuild sent something"

    def poison(self, flow, kind):
        kcat_produce(self.s.brokers, TOPICS[kind], flow.keys[kind], self.rng.choice(POISONS))

    def discard(self, letter_id):
        r = cli(self.s, "dlq", "discard", letter_id)
        assert r.returncode == 0, (r.stdout, r.stderr)

    def redrive(self, *key):
        r = cli(self.s, "dlq", "redrive", *key)
        assert r.returncode in (0, 1), (r.stdout, r.stderr)

    def step(self, n, flows, twilio):
        started = [f for f in flows if len(f.pending) < f.total]
        waiting = [f for f in flows if f.pending]
        open_letters = self.open_letters()
        choices = ["send"] * 6 + ["poison"] * 2 * bool(started) + ["discard", "redrive"] * 2 * bool(open_letters) + \
                  ["rebuild", "rebuild-killed", "kill"]
        action = self.rng.choice(choices) if waiting else self.rng.choice(choices[6:] or ["rebuild"])
        if action == "send" and waiting:
            self.rng.choice(waiting).send_next(twilio, self.rng.randrange(1, 5))
        elif action == "poison":
            kind = self.rng.choice(sorted(TOPICS))
            self.poison(self.rng.choice(started), kind)
            action += " " + kind
        elif action == "discard":
            poison = [l for l in open_letters if l[1] == "poison"]
            letter = self.rng.choice(poison if poison and self.rng.random() < 0.7 else open_letters)
            self.discard(letter[0])
            action += " " + letter[1]
        elif action == "redrive":
            key = [self.rng.choice(open_letters)[2]] if self.rng.random() < 0.5 else []
            self.redrive(*key)
            action += " one key" if key else " all"
        elif action in ("rebuild", "rebuild-killed"):
            self.rebuild(action == "rebuild-killed")
        else:
            self.s.kill("projector", signal.SIGKILL)
            self.start_live()
        self.check(n, action)
        return action


def test(make):
    print("seed %d, %d steps" % (SEED, STEPS))
    s = make("e2e_rebuild_property")
    port_file = os.path.join(s.dir, "fake-slack.port")
    s.start("fake-slack", [sys.executable, os.path.join(stack.SOURCE, "tools/sim/fake_slack.py"), "--port-file", port_file], {})
    stack.wait_until(lambda: os.path.exists(port_file), 20, "fake Slack")
    s.start_ingress()
    twilio = s.twilio()
    rng = random.Random(SEED)
    run = Run(s, rng, int(open(port_file).read()))
    run.start_live()
    flows = [Flow(rng, time.time() - 600 + 20 * i) for i in range(CALLS)]
    for f in flows:
        f.total = len(f.pending)
    actions = []
    for n in range(STEPS):
        actions.append(run.step(n, flows, twilio))
        print("step %2d: %s" % (n, actions[-1]), flush=True)
    # Whatever the dice said, the run ends with every decision taken once more: a poison on a call
    # with webhooks still to come (they park behind it), the poison discarded, the parked redriven;
    # then everything left is sent and two rebuilds run in a row.
    last = Flow(rng, time.time() - 60)
    last.send_next(twilio, 1)
    run.poison(last, "calls")
    for f in flows + [last]:
        f.send_next(twilio, len(f.pending))
    run.check(STEPS, "a poison, all sent")
    run.discard(next(l[0] for l in run.open_letters() if l[1] == "poison" and l[2] == last.call))
    run.redrive(last.call)
    run.check(STEPS + 1, "discarded and redriven")
    run.rebuild(False)
    run.rebuild(False)
    run.check(STEPS + 2, "two rebuilds")
    letter_states = stack.psql(s.dsn, "SELECT string_agg(k, ',' ORDER BY k) FROM (SELECT kind || '/' || "
                                      "coalesce(resolution, 'open') || '=' || count(*) AS k FROM dead_letters GROUP BY kind, "
                                      "resolution) x")
    print("%d checks, %d rebuilds; letters: %s; %s" % (run.checks, run.rebuilds, letter_states,
                                                         read_models(s.dsn)["calls"]))
    # The fixed seed must have exercised what the property is about.
    assert "discarded" in letter_states and "redriven" in letter_states, letter_states


if __name__ == "__main__":
    sys.exit(stack.run(test))
