#!/usr/bin/env python3
"""End to end: the recording archive on the real binaries, with the fake Twilio API and the fake
S3 (which verifies every SigV4 signature with botocore).

A dual-channel recording completed -> the object in the bucket with Twilio's exact bytes (SHA-256
equal), two channels in its WAV header, the read model and the archived event; Twilio's copy is
deleted only after a HEAD of the object, and the console's player gets a presigned URL the fake
S3 accepts. A second delivery makes no second upload. Twilio 404 then 200, S3 500 then 200: each
archived after retries. An object that differs from what was uploaded: nothing deleted, a dead
letter that `dlq redrive` settles. A wrong S3 secret: refused by the signature check, a dead
letter, nothing deleted. SIGKILL mid-upload: the restarted archiver makes exactly one object and
the read model is right."""
import base64
import hashlib
import http.client
import io
import json
import os
import signal
import subprocess
import urllib.request
import wave

import stack

BUCKET = "callstream-archive"
ACCESS_KEY, SECRET_KEY = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
PROJECTOR = os.path.join(stack.BIN, "services/projector/callstream-projector")
PASSWORD = "archive-e2e-password"


def sid(prefix, n):
    return prefix + ("%032x" % n)


def get_json(port, path):
    return stack.get_json(port, path)


def post_json(port, path, body):
    assert stack.post_json(port, path, body) == 200


class Archive:
    """The fakes, the services and the questions the test asks of them."""

    def __init__(self, s):
        self.s = s
        self.twilio_port = s.start_fake_twilio()
        self.s3_port = s.start_fake("fake-s3", "fake_s3.py", "--bucket", BUCKET, "--access-key", ACCESS_KEY,
                                    "--secret-key", SECRET_KEY)
        self.slack_port = s.start_fake("fake-slack", "fake_slack.py")
        self.twilio_base = "http://127.0.0.1:%d" % self.twilio_port
        self.slack = "http://127.0.0.1:%d/services/T000/B000/ARCHIVE" % self.slack_port
        s.start_ingress()
        # Its alert sender delivers what the archiver writes to the outbox.
        s.start_projector(TWILIO_API_BASE_URL=self.twilio_base, SLACK_WEBHOOK_URL=self.slack)
        stack.wait_until(lambda: stack.http_ok(s.projector_port, "/readyz"), 30, "projector /readyz")
        self.webhooks = s.twilio()

    def env(self, secret=SECRET_KEY, **extra):
        env = {"TWILIO_API_BASE_URL": self.twilio_base, "ARCHIVE_S3_BUCKET": BUCKET,
               "ARCHIVE_S3_ENDPOINT": "http://127.0.0.1:%d" % self.s3_port, "ARCHIVE_S3_PATH_STYLE": "true",
               "ARCHIVE_S3_ACCESS_KEY_ID": ACCESS_KEY, "ARCHIVE_S3_SECRET_ACCESS_KEY": secret,
               "ARCHIVE_PREFIX": "recordings", "ARCHIVE_DELETE_AT_TWILIO": "true", "ARCHIVE_TMP_DIR": self.s.dir,
               "ARCHIVE_ATTEMPTS": "3", "CALL_CENTER_TIME_ZONE": "America/New_York",
               "SLACK_WEBHOOK_URL": self.slack}
        env.update(extra)
        return env

    def start_archiver(self, **extra):
        self.archive_port, self.archive_metrics_port = stack.free_port(), stack.free_port()
        env = dict(self.env(**extra), HTTP_PORT=str(self.archive_port), HTTP_ADDRESS="127.0.0.1",
                   METRICS_PORT=str(self.archive_metrics_port))
        self.s.start("archiver", [PROJECTOR, "archive"], env)
        stack.wait_until(lambda: stack.http_ok(self.archive_port, "/readyz"), 30, "archiver /readyz")

    def completed(self, n):
        call, rec = sid("CA", n), sid("RE", n)
        url = "%s/2010-04-01/Accounts/%s/Recordings/%s" % (self.twilio_base, stack.ACCOUNT, rec)
        for status in ("in-progress", "completed"):
            p = {"AccountSid": stack.ACCOUNT, "CallSid": call, "RecordingSid": rec, "RecordingStatus": status,
                 "RecordingChannels": "2", "RecordingSource": "DialVerb", "RecordingTrack": "both",
                 "RecordingStartTime": "Thu, 03 Dec 2026 02:30:00 +0000"}
            if status == "completed":
                p.update(RecordingUrl=url, RecordingDuration="31")
            assert self.webhooks.post("/recording_status", p)[0] == 204
        return rec

    def row(self, rec):
        out = stack.psql(self.s.dsn, "SELECT coalesce(archive_location,''), coalesce(archive_size,0), "
                                     "coalesce(archive_sha256,''), archived_at IS NOT NULL, "
                                     "media_deleted_at IS NOT NULL FROM recordings WHERE recording_sid = '%s'" % rec)
        return out.split("|") if out else None

    def wait_archived(self, rec, deleted=True, timeout=60):
        want = lambda: (r := self.row(rec)) and r[3] == "t" and (r[4] == "t") == deleted
        stack.wait_until(want, timeout, "recording %s archived" % rec)
        return self.row(rec)

    def key(self, rec, n):
        # Started 02:30 UTC on 3 Dec is 21:30 on 2 Dec in New York: the call center's day.
        return "recordings/2026/12/02/%s/%s.wav" % (sid("CA", n), rec)

    def s3_requests(self, method, key):
        return [r for r in get_json(self.s3_port, "/_fake/requests")
                if r["method"] == method and r["path"] == "/%s/%s" % (BUCKET, key)]

    def twilio_deletes(self, rec):
        return [r for r in get_json(self.twilio_port, "/_fake/requests")
                if r["method"] == "DELETE" and r["path"].endswith("/Recordings/%s.json" % rec)]

    def media_bytes(self):
        """What Twilio serves for a recording (every WAV of the fake is the same tone)."""
        req = urllib.request.Request("%s/2010-04-01/Accounts/%s/Recordings/%s.wav"
                                     % (self.twilio_base, stack.ACCOUNT, "RE" + "f" * 32))
        req.add_header("Authorization", "Basic " + base64.b64encode(
            ("%s:%s" % (stack.ACCOUNT, stack.TOKEN)).encode()).decode())
        return urllib.request.urlopen(req, timeout=10).read()

    def dlq(self, *args, **extra):
        return subprocess.run([PROJECTOR, "dlq"] + list(args), env=self.s.env(self.env(**extra)),
                              capture_output=True, text=True, timeout=120)


def check_first_copy(a, console):
    """The copy, its read model, its event, its deletion after the HEAD, its playback."""
    expected = a.media_bytes()
    rec = a.completed(1)
    row = a.wait_archived(rec)
    key = a.key(rec, 1)
    assert row[:3] == ["s3://%s/%s" % (BUCKET, key), str(len(expected)), hashlib.sha256(expected).hexdigest()], row
    objects = get_json(a.s3_port, "/_fake/objects")
    assert objects["%s/%s" % (BUCKET, key)]["sha256"] == hashlib.sha256(expected).hexdigest(), objects
    heads = a.s3_requests("HEAD", key)
    deletes = a.twilio_deletes(rec)
    assert len(deletes) == 1 and len(heads) == 2, (heads, deletes)
    assert all(h["status"] == 200 for h in heads) and deletes[0]["time"] > heads[-1]["time"], (heads, deletes)
    events = kafka_events(a.s, "io.callstream.recording.")
    assert [e["type"] for e in events] == ["io.callstream.recording.archived",
                                           "io.callstream.recording.media-deleted"], events
    assert events[0]["data"]["sha256"] == row[2] and events[0]["data"]["size"] == len(expected), events
    # The console's player is sent to the archive with a presigned URL the fake S3 accepts.
    status, location = console_media(console, rec)
    assert status == 302 and location.startswith("http://127.0.0.1:%d/%s/" % (a.s3_port, BUCKET)), location
    assert "X-Amz-Signature=" in location and SECRET_KEY not in location, location
    audio = urllib.request.urlopen(location, timeout=10).read()
    assert audio == expected
    with wave.open(io.BytesIO(audio)) as w:
        assert w.getnchannels() == 2
    return rec


def kafka_events(s, type_prefix):
    topic = "callstream.voice.recordings.v1"
    out = subprocess.run(["kcat", "-b", s.brokers, "-C", "-t", topic, "-e", "-q", "-f", "%s\n"],
                         check=True, capture_output=True, text=True, timeout=60).stdout
    return [e for e in map(json.loads, filter(None, out.splitlines())) if e["type"].startswith(type_prefix)]


def console_media(port, rec):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request("POST", "/api/session", body=json.dumps({"name": "sup", "password": PASSWORD}),
              headers={"Content-Type": "application/json"})
    r = c.getresponse()
    r.read()
    assert r.status == 200, r.status
    cookie = r.getheader("Set-Cookie").split(";")[0]
    c.request("GET", "/api/recordings/%s/media" % rec, headers={"Cookie": cookie})
    r = c.getresponse()
    r.read()
    return r.status, r.getheader("Location")


def check_redelivery(a, first):
    """The same completed event again: no second upload, nothing announced twice."""
    a.completed(1)
    rec = a.completed(2)  # a later recording on the topic: once it is done, the redelivery was read
    a.wait_archived(rec)
    assert len(a.s3_requests("PUT", a.key(first, 1))) == 1
    assert len(a.twilio_deletes(first)) == 1
    assert len(kafka_events(a.s, "io.callstream.recording.archived")) == 2


def check_retries(a):
    """Twilio's 404 (not available yet) then 200; S3's 500 then 200."""
    rec = sid("RE", 3)
    post_json(a.twilio_port, "/_fake/media_plan", {rec: [404, 404]})
    a.completed(3)
    a.wait_archived(rec)
    gets = [r for r in get_json(a.twilio_port, "/_fake/requests") if r["path"].endswith(rec + ".wav")]
    assert len(gets) == 3, gets
    post_json(a.s3_port, "/_fake/plan", {"responses": [{"status": 500}]})
    rec = a.completed(4)
    a.wait_archived(rec)
    assert [r["status"] for r in a.s3_requests("PUT", a.key(rec, 4))] == [500, 200]


def check_tampered_object(a):
    """A HEAD that shows other bytes than uploaded: Twilio's copy stays, a dead letter; a redrive
    once the object is right archives and deletes it."""
    post_json(a.s3_port, "/_fake/plan", {"responses": [{}, {"tamper": True}]})  # the PUT, then its HEAD
    rec = a.completed(5)
    stack.wait_until(lambda: "archive" in a.dlq("list").stdout, 60, "an archive dead letter")
    listed = a.dlq("list").stdout  # a letter names its message's key: the CallSid
    assert sid("CA", 5) in listed and "bytes, not" in listed, listed
    assert a.twilio_deletes(rec) == [] and a.row(rec)[3] == "f"
    ledger = stack.psql(a.s.dsn, "SELECT attempts, last_error FROM recording_archive WHERE recording_sid = '%s'" % rec)
    assert "bytes, not" in ledger, ledger
    out = a.dlq("redrive")
    assert "archived" in out.stdout and out.returncode == 0, out.stdout + out.stderr
    a.wait_archived(rec)
    assert len(a.twilio_deletes(rec)) == 1


def check_wrong_secret(a):
    """Refused by the fake's signature check, reported, nothing deleted."""
    a.s.kill("archiver")
    a.start_archiver(secret="not-the-secret")
    rec = a.completed(6)
    stack.wait_until(lambda: sid("CA", 6) in a.dlq("list").stdout, 60, "the refused recording's dead letter")
    listed = a.dlq("list").stdout
    assert "SignatureDoesNotMatch" in listed, listed
    puts = a.s3_requests("PUT", a.key(rec, 6))
    assert puts and all(p["status"] == 403 for p in puts), puts
    assert a.twilio_deletes(rec) == [] and a.row(rec)[3] == "f"
    # It joins the recording alerts: in the outbox with its reason, and Slack hears of the
    # recordings not archived (the later ones of a rule grouped into one message).
    outbox = stack.psql(a.s.dsn, "SELECT kind || ' ' || (facts->>'reason') FROM alerts WHERE subject = '%s'" % rec)
    assert outbox.startswith("recording_failed ") and "SignatureDoesNotMatch" in outbox, outbox
    said = lambda: [r for r in get_json(a.slack_port, "/_fake/requests")
                    if r["delivered"] and "not archived" in json.dumps(r["body"])]
    stack.wait_until(said, 30, "a not-archived alert in Slack")
    a.s.kill("archiver")


def check_kill_mid_upload(a):
    """SIGKILL while the upload is in flight; the restarted archiver redoes it."""
    a.start_archiver()
    post_json(a.s3_port, "/_fake/plan", {"responses": [{"delay": 4}]})
    rec = a.completed(7)
    key = a.key(rec, 7)
    stack.wait_until(lambda: a.s3_requests("PUT", key), 30, "the upload to start")
    a.s.kill("archiver", signal.SIGKILL)
    assert a.row(rec)[3] == "f"
    a.start_archiver()
    row = a.wait_archived(rec)
    objects = [k for k in get_json(a.s3_port, "/_fake/objects") if sid("CA", 7) in k]
    assert objects == ["%s/%s" % (BUCKET, key)], objects
    assert row[0] == "s3://%s/%s" % (BUCKET, key) and len(a.twilio_deletes(rec)) == 1, row
    assert len(a.s3_requests("PUT", key)) == 2


def test(make):
    s = make("e2e_archive")
    a = Archive(s)
    r = subprocess.run([PROJECTOR, "users", "add", "sup", "--role", "supervisor"], input=PASSWORD + "\n",
                       env=s.env({}), capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    console = stack.free_port()
    s.start("console", [PROJECTOR, "serve"], dict(a.env(), HTTP_PORT=str(console), HTTP_ADDRESS="127.0.0.1"))
    stack.wait_until(lambda: stack.http_ok(console, "/readyz"), 30, "console /readyz")
    a.start_archiver()
    first = check_first_copy(a, console)
    check_redelivery(a, first)
    check_retries(a)
    check_tampered_object(a)
    check_wrong_secret(a)
    check_kill_mid_upload(a)
    assert stack.metric(a.archive_metrics_port, 'callstream_archive_recordings_total{outcome="archived"}') >= 1
    # The projector applied the archiver's events (none dead-lettered), and each is a valid CloudEvent.
    assert stack.psql(s.dsn, "SELECT count(*) FROM dead_letters WHERE consumer = 'projector'") == "0"
    stack.validate_cloudevents(s.brokers, ["callstream.voice.recordings.v1"])


if __name__ == "__main__":
    raise SystemExit(stack.run(test))
