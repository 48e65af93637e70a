#!/usr/bin/env python3
"""Restore drill: the two ways back after losing the database.

Two days of a call center go through the real services. Then:
  1. scripts/backup (pg_dump, checked), the database dropped, scripts/restore: every table and
     view is equal to what it was, byte for byte; the projector resumes from the restored
     offsets and applies what came after the backup.
  2. The database dropped again, an empty one, the projector started: it rebuilds every read
     model from Kafka (the topics keep everything), equal to the original but for what is not
     an event's (wall-clock columns, the alert outbox, console accounts, the archive's ledger).
Backups past the retention count are removed; a backup copied to S3 (the archive's client) is the
file, and a wrong secret fails the backup; a restore over a live database is refused."""
import hashlib
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


S3 = {"ARCHIVE_S3_BUCKET": "callstream-backups", "ARCHIVE_S3_PATH_STYLE": "true",
      "ARCHIVE_S3_ACCESS_KEY_ID": "AKIADRILL", "ARCHIVE_S3_SECRET_ACCESS_KEY": "drill-secret",
      "CALLSTREAM_PROJECTOR": os.path.join(stack.BIN, "services/projector/callstream-projector")}


def run(script, dsn, *args, check=True, env=None):
    env = dict(os.environ, DATABASE_URL=dsn, **(env or {}))
    return subprocess.run([os.path.join(stack.SOURCE, "scripts", script)] + list(args), env=env, check=check,
                          capture_output=True, text=True, timeout=300)


def recreate(dsn):
    name = dsn.split("dbname=")[1]
    admin = dsn.replace("dbname=" + name, "dbname=postgres")
    stack.psql(admin, "DROP DATABASE %s WITH (FORCE)" % name)
    stack.psql(admin, "CREATE DATABASE %s" % name)


def applied(s, messages):
    def offsets():
        try:
            return stack.psql(s.dsn, "SELECT coalesce(sum(next_offset), 0) FROM projector_offsets")
        except subprocess.CalledProcessError:  # an empty database: the projector has not migrated it yet
            return None
    stack.wait_until(lambda: offsets() == str(messages), 60, "%d messages applied" % messages)


def start_projector(s, run):
    # A group of its own each time: the projector's offsets are in PostgreSQL, and a restart in
    # the same group would wait out the killed member's session (docs/operations.md).
    s.start_projector(KAFKA_GROUP_ID="drill-%d" % run)


def send(s, hooks):
    twilio = s.twilio()
    for path, p in hooks:
        status, body = twilio.post(path, p)
        assert status in (200, 204), (path, status, body)


def copied_to_s3(s, dump):
    """The last backup also went to the bucket (scripts/backup --s3), byte for byte."""
    port = s.start_fake("fake-s3", "fake_s3.py", "--bucket", S3["ARCHIVE_S3_BUCKET"], "--access-key",
                        S3["ARCHIVE_S3_ACCESS_KEY_ID"], "--secret-key", S3["ARCHIVE_S3_SECRET_ACCESS_KEY"])
    env = dict(S3, ARCHIVE_S3_ENDPOINT="http://127.0.0.1:%d" % port)
    out = run("backup", s.dsn, os.path.dirname(dump), "2", "--s3", env=env)
    key = "callstream-backups/backups/" + os.path.basename(out.stdout.strip())
    stored = stack.get_json(port, "/_fake/objects")[key]
    local = open(out.stdout.strip(), "rb").read()
    assert stored["size"] == len(local) and stored["sha256"] == hashlib.sha256(local).hexdigest(), stored
    wrong = dict(env, ARCHIVE_S3_SECRET_ACCESS_KEY="not-the-secret")
    refused = run("backup", s.dsn, os.path.dirname(dump), "2", "--s3", env=wrong, check=False)
    assert refused.returncode != 0 and "SignatureDoesNotMatch" in refused.stderr, refused.stderr
    return out.stdout.strip()


def backup_and_restore(s, backups, before):
    for _ in range(2):  # retention: two kept
        out = run("backup", s.dsn, backups, "2")
    copied_to_s3(s, out.stdout.strip())
    kept = sorted(os.listdir(backups))
    assert len(kept) == 2 and all(f.endswith(".dump") for f in kept), kept
    dump = os.path.join(backups, kept[-1])
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
