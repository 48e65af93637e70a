#!/usr/bin/env python3
"""End to end: the console's API on the real projector, ingress, devkafka and PostgreSQL.

Sign-in with users made by `callstream-projector users`; the 401/403 matrix of every endpoint;
CSRF refused; failed sign-ins slowed down without saying which of name or password was wrong;
idle, expired and revoked sessions; the password never in a log or an answer; security headers;
the KPIs equal analytics.period_kpis; keyset pages and the CSV export; a signed webhook reaching
an open live stream, on the consuming instance and on a `serve` one; a recording's media through the console with Range; a call back through
the ingress's operator API; the softphone's activities, activity switch (reaching the fake
TaskRouter API with the agent's worker) and who is calling."""
import http.client
import json
import os
import subprocess
import sys
import threading
import time

import jsonschema
import yaml

import stack

PROJECTOR = os.path.join(stack.BIN, "services/projector/callstream-projector")
API_KEY = "console-operator-key-0123"
SUPERVISOR, AGENT, PASSWORD = "sam", "alice", "correct horse battery"
WORKSPACE = "WS" + "1" * 32
TOKEN_KEY, TOKEN_SECRET = "SK" + "5" * 32, "softphone-api-key-secret"

# Every endpoint, with who may call it: "supervisor" or "any" signed-in user.
ENDPOINTS = [("GET", "/api/session", "any"), ("GET", "/api/kpis", "supervisor"),
             ("GET", "/api/series?grain=day", "supervisor"), ("GET", "/api/queues", "any"),
             ("GET", "/api/agents", "supervisor"), ("GET", "/api/calls", "any"),
             ("GET", "/api/calls.csv", "any"), ("GET", "/api/callbacks", "any"),
             ("GET", "/api/calls/CA00000000000000000000000000000000", "any"),
             ("GET", "/api/recordings/RE00000000000000000000000000000000/media", "any"),
             ("GET", "/api/stream", "any"), ("GET", "/api/softphone/token", "any"),
             ("GET", "/api/softphone/activities", "any"), ("GET", "/api/softphone/incoming", "any")]


OPENAPI = yaml.safe_load(open(os.path.join(stack.SOURCE, "services/projector/console/api/openapi.yaml")))


def conforms(method, template, status, body):
    """The answer is what the OpenAPI document (the page's types come from it) says it is."""
    answer = OPENAPI["paths"][template][method.lower()]["responses"][str(status)]
    if "$ref" in answer:
        answer = OPENAPI["components"]["responses"][answer["$ref"].rsplit("/", 1)[1]]
    schema = dict(answer["content"]["application/json"]["schema"], components=OPENAPI["components"])
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(body)


class Browser:
    """Keeps the session cookie and the CSRF token, as the page does."""

    def __init__(self, port):
        self.port, self.cookie, self.csrf = port, None, None

    def request(self, method, path, body=None, headers=None, csrf=True, raw=False):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        h = dict(headers or {})
        if body is not None:
            h["Content-Type"] = "application/json"
        if self.cookie:
            h["Cookie"] = self.cookie
        if csrf and self.csrf and method not in ("GET", "HEAD"):
            h["X-CSRF-Token"] = self.csrf
        c.request(method, path, body=json.dumps(body) if body is not None else None, headers=h)
        r = c.getresponse()
        if raw:
            return r
        data = r.read()
        try:
            return r.status, json.loads(data), r
        except ValueError:
            return r.status, data, r

    def sign_in(self, name, password):
        status, body, r = self.request("POST", "/api/session", {"name": name, "password": password})
        if status == 200:
            self.cookie = r.getheader("Set-Cookie").split(";")[0]
            self.csrf = body["csrf_token"]
        return status, body, r


def add_user(s, name, role):
    r = subprocess.run([PROJECTOR, "users", "add", name, "--role", role], input=PASSWORD + "\n",
                       env=s.env({}), capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr


def sid(prefix, n):
    return prefix + ("%032x" % n)


def answered_call(twilio, n, start, agent):
    """An inbound call answered by `agent` through a task, recorded: consistent times."""
    call, task, rec = sid("CA", n), sid("WT", n), sid("RE", n)
    frm = "+1305555%04d" % n
    base = {"AccountSid": stack.ACCOUNT, "CallSid": call, "Direction": "inbound", "From": frm,
            "To": "+18005551212", "ApiVersion": "2010-04-01"}
    def ts(t):
        return time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime(t))
    posts = [("/call_status", dict(base, CallStatus="initiated", SequenceNumber="0", Timestamp=ts(start))),
             ("/call_status", dict(base, CallStatus="ringing", SequenceNumber="1", Timestamp=ts(start + 1))),
             ("/call_status", dict(base, CallStatus="in-progress", SequenceNumber="2", Timestamp=ts(start + 2)))]
    tr = {"AccountSid": stack.ACCOUNT, "WorkspaceSid": WORKSPACE, "TaskSid": task,
          "TaskQueueSid": "WQ" + "2" * 32, "TaskQueueName": "Support",
          "TaskAttributes": json.dumps({"call_sid": call, "from": frm})}
    worker = {"WorkerSid": sid("WK", 1 if agent == AGENT else 2), "WorkerName": agent, "ReservationSid": sid("WR", n)}
    for i, (event, status) in enumerate([("task.created", "pending"), ("reservation.created", "reserved"),
                                         ("reservation.accepted", "assigned"), ("task.completed", "completed")]):
        p = dict(tr, EventType=event, TaskAssignmentStatus=status, Sid=sid("EV", n * 10 + i),
                 TimestampMs=str(int((start + 3 + i * 5) * 1000)))
        if event.startswith("reservation."):
            p.update(worker)
        posts.append(("/taskrouter_event", p))
    posts.append(("/call_status", dict(base, CallStatus="completed", SequenceNumber="3", CallDuration="60",
                                       Timestamp=ts(start + 62))))
    posts.append(("/recording_status", {"AccountSid": stack.ACCOUNT, "CallSid": call, "RecordingSid": rec,
                                        "RecordingStatus": "completed", "RecordingChannels": "2",
                                        "RecordingDuration": "45", "RecordingSource": "DialVerb",
                                        "RecordingUrl": "https://api.twilio.com/2010-04-01/Accounts/%s/Recordings/%s"
                                                        % (stack.ACCOUNT, rec)}))
    for path, p in posts:
        status, body = twilio.post(path, p)
        assert status in (200, 204), (path, status, body)
    return call, rec


def missed_call(twilio, n, start):
    call = sid("CA", n)
    base = {"AccountSid": stack.ACCOUNT, "CallSid": call, "Direction": "inbound", "From": "+1512555%04d" % n,
            "To": "+18005551212", "ApiVersion": "2010-04-01"}
    for seq, status in enumerate(["ringing", "no-answer"]):
        t = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime(start + seq * 20))
        p = dict(base, CallStatus=status, SequenceNumber=str(seq), Timestamp=t)
        if status == "no-answer":
            p["CallDuration"] = "0"
        assert twilio.post("/call_status", p)[0] == 204
    return call


def check_access_matrix(port, supervisor, agent):
    stranger = Browser(port)
    for method, path, who in ENDPOINTS:
        status, body, _ = stranger.request(method, path)
        assert status == 401, (path, status, body)
        conforms(method, "/api/session", 401, body)
        if who == "supervisor":
            status, body, _ = agent.request(method, path)
            assert status == 403, (path, status, body)
    # Nothing changes without the session's CSRF token, even with the cookie.
    status, body, _ = supervisor.request("DELETE", "/api/session", csrf=False)
    assert status == 403 and body["error"] == "csrf", body
    status, _, _ = supervisor.request("POST", "/api/calls/%s/callback" % sid("CA", 1), {}, headers={"X-CSRF-Token": "x" * 32}, csrf=False)
    assert status == 403


def check_sign_in_limits(s, port):
    b = Browser(port)
    wrong_name = b.sign_in("nobody", PASSWORD)
    wrong_password = b.sign_in(SUPERVISOR, "not the password")
    assert wrong_name[0] == wrong_password[0] == 401
    assert wrong_name[1] == wrong_password[1], "the error must not say which was wrong"
    statuses = [b.sign_in(AGENT, "guess %d" % i)[0] for i in range(7)]
    assert statuses[:5] == [401] * 5 and 429 in statuses[5:], statuses
    status, body, r = b.sign_in(AGENT, PASSWORD)  # even the right password waits now
    assert status == 429 and int(r.getheader("Retry-After")) >= 1, (status, body)
    stack.psql(s.dsn, "DELETE FROM console_signin_failures")


def check_sessions(s, port):
    b = Browser(port)
    assert b.sign_in(SUPERVISOR, PASSWORD)[0] == 200
    assert b.request("GET", "/api/session")[0] == 200
    stack.psql(s.dsn, "UPDATE console_sessions SET last_seen_at = now() - interval '9 hours'")
    assert b.request("GET", "/api/session")[0] == 401, "idle session still open"
    assert b.sign_in(SUPERVISOR, PASSWORD)[0] == 200
    stack.psql(s.dsn, "UPDATE console_sessions SET expires_at = now() - interval '1 second'")
    assert b.request("GET", "/api/session")[0] == 401, "expired session still open"
    assert b.sign_in(SUPERVISOR, PASSWORD)[0] == 200
    assert b.request("DELETE", "/api/session")[0] == 204
    assert b.request("GET", "/api/session")[0] == 401, "revoked session still open"


def check_reads(s, supervisor, agent, calls):
    status, kpis, r = supervisor.request("GET", "/api/kpis?period=today")
    assert status == 200, kpis
    for header in ("Content-Security-Policy", "X-Content-Type-Options"):
        assert r.getheader(header), header
    assert "frame-ancestors 'none'" in r.getheader("Content-Security-Policy")
    expected = json.loads(stack.psql(s.dsn, "SELECT row_to_json(k) FROM analytics.period_kpis("
                                            "(now() AT TIME ZONE 'UTC')::date, (now() AT TIME ZONE 'UTC')::date) k"))
    assert kpis["kpis"] == expected, (kpis, expected)
    assert kpis["kpis"]["calls"] == 4 and kpis["kpis"]["answered"] == 3 and kpis["kpis"]["missed"] == 1, kpis
    check_contract(supervisor, agent, calls)
    seen, after = [], ""
    while True:
        status, page, _ = supervisor.request("GET", "/api/calls?limit=2" + after)
        assert status == 200, page
        seen += [c["call_sid"] for c in page["calls"]]
        if not page["next"]:
            break
        after = "&after=" + page["next"]
    assert sorted(seen) == sorted(calls) and len(seen) == len(set(seen)), seen
    status, page, _ = agent.request("GET", "/api/calls")
    assert {c["agent"] for c in page["calls"]} == {AGENT} and len(page["calls"]) == 2, page
    status, page, _ = supervisor.request("GET", "/api/calls?outcome=missed")
    assert [c["call_sid"] for c in page["calls"]] == [calls[3]], page
    status, detail, _ = supervisor.request("GET", "/api/calls/" + calls[0])
    assert status == 200 and len(detail["timeline"]) >= 8 and detail["recordings"], detail
    other = calls[2]  # bob's call
    assert agent.request("GET", "/api/calls/" + other)[0] == 403
    assert supervisor.request("GET", "/api/calls?from=yesterday")[0] == 422
    status, csv, r = supervisor.request("GET", "/api/calls.csv?direction=inbound")
    assert status == 200 and r.getheader("Content-Type").startswith("text/csv")
    lines = csv.decode().strip().split("\r\n")
    assert lines[0].startswith("call_sid,") and len(lines) == 1 + len(calls), lines
    status, callbacks, _ = supervisor.request("GET", "/api/callbacks")
    assert [c["call_sid"] for c in callbacks] == [calls[3]], callbacks
    status, queues, _ = agent.request("GET", "/api/queues")
    assert status == 200 and queues["queues"][0]["name"] == "Support", queues


def check_contract(supervisor, agent, calls):
    """Every read's answer, and its errors, as api/openapi.yaml describes them."""
    reads = [("/api/session", "/api/session"), ("/api/kpis", "/api/kpis?period=week"),
             ("/api/series", "/api/series?grain=hour"), ("/api/series", "/api/series?grain=day"),
             ("/api/queues", "/api/queues"), ("/api/agents", "/api/agents"),
             ("/api/calls", "/api/calls?limit=2"), ("/api/calls/{sid}", "/api/calls/" + calls[0]),
             ("/api/callbacks", "/api/callbacks")]
    for template, path in reads:
        status, body, _ = supervisor.request("GET", path)
        assert status == 200, (path, status, body)
        conforms("GET", template, 200, body)
    for template, path, status in [("/api/kpis", "/api/kpis?period=year", 422),
                                   ("/api/calls/{sid}", "/api/calls/CA" + "0" * 32, 404)]:
        got, body, _ = supervisor.request("GET", path)
        assert got == status, (path, got, body)
        conforms("GET", template, status, body)
    got, body, _ = agent.request("GET", "/api/agents")
    conforms("GET", "/api/agents", got, body)


def check_media(fake_port, supervisor, agent, recording, others_recording):
    r = supervisor.request("GET", "/api/recordings/%s/media" % recording, headers={"Range": "bytes=0-99"}, raw=True)
    data = r.read()
    assert r.status == 206 and len(data) == 100 and r.getheader("Content-Range").startswith("bytes 0-99/"), r.status
    assert data[:2] == b"\xff\xfb", "not the MP3 the fake Twilio served"
    assert agent.request("GET", "/api/recordings/%s/media" % others_recording)[0] == 403
    users = {req["user"] for req in json.loads(http_get(fake_port, "/_fake/requests")) if "/Recordings/" in req["path"]}
    assert users == {stack.ACCOUNT}, users


def http_get(port, path):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request("GET", path)
    return c.getresponse().read()


def start_serve(s):
    """A second instance that serves the console without consuming (`callstream-projector serve`)."""
    port = stack.free_port()
    s.start("serve", [PROJECTOR, "serve"], {"HTTP_PORT": str(port), "HTTP_ADDRESS": "127.0.0.1"})
    stack.wait_until(lambda: stack.http_ok(port, "/readyz"), 30, "serve /readyz")
    return port


def check_live(twilio, supervisor):
    """A webhook's change reaches an open stream, on whichever instance serves it."""
    r = supervisor.request("GET", "/api/stream", raw=True)
    assert r.status == 200 and r.getheader("Content-Type") == "text/event-stream"
    got = []
    def read():
        buf = b""
        while b"event: change" not in buf:
            chunk = r.fp.readline()
            if not chunk:
                return
            buf += chunk
            if b"event: change" in buf:
                got.append(time.time())
    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    time.sleep(0.3)
    sent = time.time()
    missed_call(twilio, check_live.calls, time.time())
    check_live.calls += 1
    reader.join(10)
    assert got, "no change arrived on the live stream"
    assert got[0] - sent < 2.0, got[0] - sent


check_live.calls = 90


def check_callback(s, supervisor, agent, missed):
    status, body, _ = agent.request("POST", "/api/calls/%s/callback" % missed, {})
    assert status == 201, (status, body)
    # The call placed lands in the read models like any other (before anything counts calls).
    stack.wait_until(lambda: stack.psql(s.dsn, "SELECT count(*) FROM calls WHERE call_sid = '%s'" % body["call_sid"]) == "1",
                     30, "the call back in the read models")
    status, body, _ = supervisor.request("POST", "/api/calls/%s/callback" % missed, {})
    assert status == 422 and body["error"] == "invalid_agent", body


def check_softphone_token(supervisor, agent):
    """A token for one's own identity only, minted by the ingress: Twilio's SDK verifies it."""
    from twilio.jwt import Jwt
    status, body, _ = agent.request("GET", "/api/softphone/token")
    assert status == 200, (status, body)
    conforms("GET", "/api/softphone/token", 200, body)
    claims = Jwt.from_jwt(body["token"], TOKEN_SECRET).payload
    assert claims["grants"]["identity"] == AGENT and body["identity"] == AGENT, claims
    status, body, _ = agent.request("GET", "/api/softphone/token?identity=bob")
    assert status == 403, (status, body)
    status, body, _ = supervisor.request("GET", "/api/softphone/token?identity=" + SUPERVISOR)
    assert status == 200 and body["identity"] == SUPERVISOR, body


def check_softphone_activity(fake, agent):
    status, body, _ = agent.request("GET", "/api/softphone/activities")
    assert status == 200, (status, body)
    conforms("GET", "/api/softphone/activities", 200, body)
    assert body["current"]["worker_sid"] == sid("WK", 1), body
    brk = {a["name"]: a["sid"] for a in body["activities"]}["Break"]
    status, body, _ = agent.request("POST", "/api/softphone/activity", {"activity_sid": brk})
    assert status == 200 and body["activity_name"] == "Break", (status, body)
    conforms("POST", "/api/softphone/activity", 200, body)
    c = http.client.HTTPConnection("127.0.0.1", fake, timeout=10)
    c.request("GET", "/_fake/requests")
    updates = [r for r in json.loads(c.getresponse().read()) if r["method"] == "POST" and "/Workers/" in r["path"]]
    assert [(r["path"], r["params"]) for r in updates] == [
        ("/v1/Workspaces/%s/Workers/%s" % (WORKSPACE, sid("WK", 1)), {"ActivitySid": [brk]})], updates
    status, body, _ = agent.request("POST", "/api/softphone/activity", {})
    assert status == 422, (status, body)


def check_incoming(s, twilio, agent):
    """A call ringing alice through her reservation: the softphone shows who it is before she answers."""
    call, frm = sid("CA", 9), "+13055550009"
    assert twilio.post("/call_status", {"AccountSid": stack.ACCOUNT, "CallSid": call, "Direction": "inbound",
                                        "From": frm, "To": "+18005551212", "FromCity": "MIAMI", "FromState": "FL",
                                        "CallStatus": "ringing", "SequenceNumber": "0"})[0] == 204
    tr = {"AccountSid": stack.ACCOUNT, "WorkspaceSid": WORKSPACE, "TaskSid": sid("WT", 9),
          "TaskQueueSid": "WQ" + "2" * 32, "TaskQueueName": "Sales",
          "TaskAttributes": json.dumps({"call_sid": call, "from": frm}), "TimestampMs": str(int(time.time() * 1000))}
    assert twilio.post("/taskrouter_event", dict(tr, EventType="task.created", Sid=sid("EV", 901)))[0] == 204
    assert twilio.post("/taskrouter_event", dict(tr, EventType="reservation.created", Sid=sid("EV", 902),
                                                 WorkerSid=sid("WK", 1), WorkerName=AGENT,
                                                 ReservationSid=sid("WR", 9)))[0] == 204
    stack.wait_until(lambda: stack.psql(s.dsn, "SELECT count(*) FROM reservations WHERE reservation_sid = '%s'"
                                        % sid("WR", 9)) == "1", 30, "the reservation")
    status, body, _ = agent.request("GET", "/api/softphone/incoming?from=%2B19995550000")  # From: the queue's number
    assert status == 200, (status, body)
    conforms("GET", "/api/softphone/incoming", 200, body)
    assert body == {"call_sid": call, "from": frm, "city": "MIAMI", "state": "FL", "queue": "Sales"}, body


def check_sample_data(s, twilio, supervisor):
    """The simulator's weeks are consistent: durations agree with the times, KPIs with the views."""
    sys.path.insert(0, os.path.join(stack.SOURCE, "tools/sim"))
    import call_center
    import random
    before = int(stack.psql(s.dsn, "SELECT count(*) FROM calls"))
    flows = call_center.call_center(stack.ACCOUNT, random.Random(5), days=3, calls_per_day=25)
    for path, params in flows:
        status, body = twilio.post(path, params)
        assert status in (200, 204), (path, status, body)
    expected_calls = len([1 for path, _ in flows if path == "/voice"]) + len(
        {p["CallSid"] for path, p in flows if path == "/call_status" and p["Direction"] == "outbound-api"})
    stack.wait_until(lambda: int(stack.psql(s.dsn, "SELECT count(*) FROM calls")) == before + expected_calls,
                     60, "the sample calls in the read models")
    stack.wait_until(lambda: stack.psql(s.dsn, "SELECT count(*) FROM workers") == str(len(call_center.AGENTS) + 2),
                     30, "the sample agents")
    wrong = stack.psql(s.dsn, "SELECT count(*) FROM calls WHERE status = 'completed' AND "
                              "duration_seconds <> extract(epoch FROM ended_at - answered_at)::integer")
    assert wrong == "0", "%s calls whose CallDuration disagrees with their times" % wrong
    status, queues, _ = supervisor.request("GET", "/api/queues")
    support = [q for q in queues["queues"] if q["name"] == "Support"][0]
    assert support["waiting"] == 2 and support["longest_wait_seconds"] >= 60, support
    assert queues["agents"]["offline"] >= 1 and queues["agents"]["available"] >= 2, queues
    status, agents, _ = supervisor.request("GET", "/api/agents")
    assert {a["name"]: a["activity"] for a in agents}["carol"] == "Break", agents
    status, kpis, _ = supervisor.request("GET", "/api/kpis?period=week")
    expected = json.loads(stack.psql(s.dsn, "SELECT row_to_json(k) FROM analytics.period_kpis("
                                            "date_trunc('week', now() AT TIME ZONE 'UTC')::date, "
                                            "(now() AT TIME ZONE 'UTC')::date) k"))
    assert kpis["kpis"] == expected, (kpis, expected)


def test(make):
    s = make("e2e_console_api")
    fake = s.start_fake_twilio("--workspace", WORKSPACE, "--worker", sid("WK", 1) + "=" + AGENT)
    api = "http://127.0.0.1:%d" % fake
    s.start_ingress(OPERATOR_API_KEYS=API_KEY, TWILIO_PHONE_NUMBER="+12125550000", TWILIO_API_BASE_URL=api,
                    TWILIO_API_KEY_SID=TOKEN_KEY, TWILIO_API_KEY_SECRET=TOKEN_SECRET,
                    TASKROUTER_WORKSPACE_SID=WORKSPACE, TWILIO_TASKROUTER_BASE_URL=api)
    s.start_projector(CONSOLE_OPERATOR_KEY=API_KEY, CONSOLE_INGRESS_URL="http://127.0.0.1:%d" % s.ingress_port,
                      TWILIO_API_BASE_URL=api, LOG_LEVEL="info")
    stack.wait_until(lambda: stack.http_ok(s.projector_port, "/readyz"), 30, "projector /readyz")
    add_user(s, SUPERVISOR, "supervisor")
    add_user(s, AGENT, "agent")
    twilio = s.twilio()
    now = time.time() - 600
    c1, r1 = answered_call(twilio, 1, now, AGENT)
    c2, _ = answered_call(twilio, 2, now + 100, AGENT)
    c3, r3 = answered_call(twilio, 3, now + 200, "bob")
    c4 = missed_call(twilio, 4, now + 300)
    calls = [c1, c2, c3, c4]
    # Each topic is applied on its own: wait for all three (calls, tasks, recordings).
    stack.wait_until(lambda: stack.psql(s.dsn, "SELECT count(*) FROM recordings") == "3"
                     and stack.psql(s.dsn, "SELECT count(*) FROM tasks WHERE status = 'completed'") == "3"
                     and stack.psql(s.dsn, "SELECT count(*) FROM calls WHERE status_rank = 4") == "4",
                     30, "the calls in the read models")

    supervisor, agent = Browser(s.projector_port), Browser(s.projector_port)
    assert supervisor.sign_in(SUPERVISOR, PASSWORD)[0] == 200
    status, body, r = agent.sign_in(AGENT, PASSWORD)
    assert status == 200 and body["user"]["role"] == "agent", body
    cookie = r.getheader("Set-Cookie")
    for attribute in ("HttpOnly", "SameSite=Strict", "Secure"):  # BASE_URL is https
        assert attribute in cookie, cookie
    assert PASSWORD not in json.dumps(body)

    check_access_matrix(s.projector_port, supervisor, agent)
    check_reads(s, supervisor, agent, calls)
    check_media(fake, supervisor, agent, r1, r3)
    check_live(twilio, supervisor)
    elsewhere = Browser(start_serve(s))
    assert elsewhere.sign_in(SUPERVISOR, PASSWORD)[0] == 200
    check_live(twilio, elsewhere)
    check_callback(s, supervisor, agent, c4)
    check_softphone_token(supervisor, agent)
    check_softphone_activity(fake, agent)
    check_incoming(s, twilio, agent)
    check_sample_data(s, twilio, supervisor)
    check_sign_in_limits(s, s.projector_port)
    check_sessions(s, s.projector_port)
    for name in os.listdir(s.dir):
        if name.endswith(".log"):
            assert PASSWORD not in open(os.path.join(s.dir, name), errors="replace").read(), name


if __name__ == "__main__":
    sys.exit(stack.run(test))
