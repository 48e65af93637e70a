#!/usr/bin/env python3
"""Restore drill: the two ways back after losing the database.

Two days of a call center go through the real services. Then:
  1. scripts/backup (pg_dump, checked), the database dropped, scripts/restore: every table and
     view is equal to what it was, byte for byte; the projector resumes from the restored
     offsets and applies what came after the backup.
  2. The database dropped again, an empty one, the projector started: it rebuilds every read
     model from Kafka (the topics keep everything), equal to the original but for what is not
     an event's (wall-clock columns, the alert outbox, console accounts, the archive's ledger).
Backups past the retention count are removed; a restore over a live database is refused."""
import os
import random
import subprocess
import sys
import tempfile
import time

import stack
import call_center

WALL_CLOCK = {("projector_offsets", "updated_at"), ("call_events", "applied_at")}
NOT_EVENTS = {"alerts", "console_users", "console_sessions", "console_signin_failures", "recording_archive",
              "dead_letters", "schema_migrations", "callstream_settings", "kpi_hourly", "kpi_agents_daily"}
VIEWS = ["analytics.calls_daily", "analytics.calls_hourly", "analytics.queues_daily", "analytics.agents_daily",
         "analytics.call_kpis", "analytics.recordings"]


def tables(dsn):
    return stack.psql(dsn, "SELECT string_agg(tablename, ' ' ORDER BY tablename) FROM pg_tables "
                           "WHERE schemaname = 'public'").split()


def checksums(dsn, skip_tables=(), skip_columns=()):
    """Table or view -> 'rows/md5' of its rows as text (without the columns skipped)."""
    out = {}
    for t in [t for t in tables(dsn) if t not in skip_tables] + VIEWS:
        schema, _, name = t.rpartition(".")
        cols = stack.psql(dsn, "SELECT string_agg(quote_ident(column_name), ',' ORDER BY column_name) FROM "
                               "information_schema.columns WHERE table_schema = '%s' AND table_name = '%s'"
                          % (schema or "public", name))
        cols = ",".join(c for c in cols.split(",") if (name, c) not in skip_columns)
        out[t] = stack.psql(dsn, "SELECT count(*) || '/' || coalesce(md5(string_agg(r, '|' ORDER BY r)), '') "
                                 "FROM (SELECT ROW(%s)::text AS r FROM %s x) y" % (cols, t))
    return out


def run(script, dsn, *args, check=True):
    env = dict(os.environ, DATABASE_URL=dsn)
    return subprocess.run([os.path.join(stack.SOURCE, "scripts", script)] + list(args), env=env, check=check,
                          capture_output=True, text=True, timeout=300)


def recreate(dsn):
    name = dsn.split("dbname=")[1]
    admin = dsn.replace("dbname=" + name, "dbname=postgres")
    stack.psql(admin, "DROP DATABASE %s WITH (FORCE)" % name)
    stack.psql(admin, "CREATE DATABASE %s" % name)


def applied(s, messages):
    stack.wait_until(lambda: stack.psql(s.dsn, "SELECT coalesce(sum(next_offset), 0) FROM projector_offsets")
                     == str(messages), 60, "%d messages applied" % messages)


def start_projector(s, run):
    # A group of its own each time: the projector's offsets are in PostgreSQL, and a restart in
    # the same group would wait out the killed member's session (docs/operations.md).
    s.start_projector(KAFKA_GROUP_ID="drill-%d" % run)


def send(s, hooks):
    twilio = s.twilio()
    for path, p in hooks:
        status, body = twilio.post(path, p)
        assert status in (200, 204), (path, status, body)


def backup_and_restore(s, backups, before):
    for _ in range(3):  # retention: two kept
        out = run("backup", s.dsn, backups, "2")
    kept = sorted(os.listdir(backups))
    assert len(kept) == 2 and all(f.endswith(".dump") for f in kept), kept
    dump = out.stdout.strip()
    assert os.path.basename(dump) == kept[-1], (dump, kept)
    refused = run("restore", s.dsn, dump, check=False)
    assert refused.returncode == 1 and "already has callstream's tables" in refused.stderr, refused.stderr
    recreate(s.dsn)
    run("restore", s.dsn, dump)
    after = checksums(s.dsn)
    differ = [t for t in before if after.get(t) != before[t]]
    assert not differ, "restored tables differ: %s" % differ


def test(make):
    s = make("e2e_restore_drill")
    start_projector(s, 1)
    s.start_ingress()
    rng = random.Random(19)
    hooks = call_center.call_center(stack.ACCOUNT, rng, days=2, now=time.time(), calls_per_day=40)
    first, later = hooks[:len(hooks) // 2], hooks[len(hooks) // 2:]
    send(s, first)
    applied(s, len(first))
    s.kill("projector")
    before = checksums(s.dsn)
    backups = tempfile.mkdtemp(prefix="callstream-backups-")
    os.chmod(backups, 0o755)
    backup_and_restore(s, backups, before)

    # The projector carries on from the restored offsets: the rest of the day arrives.
    start_projector(s, 2)
    send(s, later)
    applied(s, len(hooks))
    s.kill("projector")
    reference = checksums(s.dsn, NOT_EVENTS, WALL_CLOCK)

    # The second way back: an empty database and the topics.
    recreate(s.dsn)
    start_projector(s, 3)
    applied(s, len(hooks))
    rebuilt = checksums(s.dsn, NOT_EVENTS, WALL_CLOCK)
    differ = [t for t in reference if rebuilt.get(t) != reference[t]]
    assert not differ, "read models rebuilt from Kafka differ: %s" % differ


if __name__ == "__main__":
    sys.exit(stack.run(test))
