#!/usr/bin/env python3
"""End to end: call control through the real ingress and projector, with a fake Twilio REST API.

/make_call to a 305 number goes out from the Florida number, to a 512 number from the Texas
number, to a 212 number from the default; the fake API receives exactly the expected parameters;
the event is on its topic and in the read model. A number opted out by SMS STOP is refused after
the ingress restarts (its list rebuilt from the topic). Twilio's 429 and an answer lost after the
call was made are retried without placing a second call. The softphone token verifies with
Twilio's own SDK and its claims match."""
import http.client
import json
import os
import subprocess
import sys
import time
import urllib.parse

import stack

API_KEY = "operator-key-0123456789"
SK = "SK" + "5" * 32
SK_SECRET = "api-key-secret-for-tokens"
APP = "AP" + "6" * 32
DEFAULT, FLORIDA, TEXAS = "+12125550000", "+13055550001", "+15125550002"


class Api:
    def __init__(self, port):
        self.port = port

    def call(self, method, path, body=None, key=API_KEY):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Content-Type": "application/json"}
        if key:
            headers["Authorization"] = "Bearer " + key
        c.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        r = c.getresponse()
        data = r.read()
        try:
            return r.status, json.loads(data)
        except ValueError:
            return r.status, data


def fake_get(port, path):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request("GET", path)
    return json.loads(c.getresponse().read())


def fake_post(port, path, body):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request("POST", path, body=json.dumps(body))
    return c.getresponse().read()


def topic_events(brokers, topic):
    out = subprocess.run(["kcat", "-b", brokers, "-C", "-t", topic, "-e", "-q", "-f", "%s\n"],
                         check=True, capture_output=True, text=True, timeout=60).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def calls_made(port):
    return [r for r in fake_get(port, "/_fake/requests") if r["method"] == "POST" and r["path"].endswith("/Calls.json")]


def test(make):
    s = make("e2e_call_control")
    fake = s.start_fake_twilio()
    flow = os.path.join(s.dir, "flow.json")
    with open(flow, "w") as f:
        json.dump({"mode": "voicemail", "whisper": "Call with {caller}.",
                   "outbound": {"machine_detection": "DetectMessageEnd", "on_machine": "message",
                                "machine_message": "Hello from Acme, please call us back.", "ring_seconds": 25}}, f)
    ingress_env = {"OPERATOR_API_KEYS": API_KEY, "TWILIO_PHONE_NUMBER": DEFAULT, "TWILIO_PHONE_NUMBER_FL": FLORIDA,
                   "TWILIO_PHONE_NUMBER_TX": TEXAS, "TWILIO_API_BASE_URL": "http://127.0.0.1:%d" % fake,
                   "TWILIO_API_KEY_SID": SK, "TWILIO_API_KEY_SECRET": SK_SECRET, "TWIML_APP_SID": APP,
                   "CALL_FLOW_FILE": flow, "TWILIO_API_TIMEOUT_MS": "2000"}
    s.start_projector()
    s.start_ingress(**ingress_env)
    api = Api(s.ingress_port)

    # Local presence: the destination's state picks the caller id.
    placed = {}
    for to, want in [("+13055550123", FLORIDA), ("+1 (512) 555-0123", TEXAS), ("+12125550123", DEFAULT)]:
        status, body = api.call("POST", "/make_call", {"to": to, "agent": "alice"})
        assert status == 201, (status, body)
        assert body["from"] == want, body
        placed[body["to"]] = body
    base = stack.BASE_URL
    requests = calls_made(fake)
    assert len(requests) == 3, requests
    for r in requests:
        to = r["params"]["To"][0]
        assert r["user"] == stack.ACCOUNT
        assert r["params"] == {
            "To": [to], "From": [placed[to]["from"]],
            "Url": [base + "/outbound?agent=alice"], "Method": ["POST"],
            "StatusCallback": [base + "/call_status"], "StatusCallbackMethod": ["POST"],
            "StatusCallbackEvent": ["initiated", "ringing", "answered", "completed"],
            "Timeout": ["25"], "Record": ["true"], "RecordingChannels": ["dual"],
            "RecordingStatusCallback": [base + "/recording_status"],
            "RecordingStatusCallbackEvent": ["in-progress completed absent"],
            "MachineDetection": ["DetectMessageEnd"]}, r["params"]

    events = [e for e in topic_events(s.brokers, "callstream.voice.calls.v1")
              if e["type"] == "io.callstream.call.outbound-requested"]
    assert sorted((e["data"]["to"], e["data"]["from"], e["data"]["caller_id_match"]) for e in events) == [
        ("+12125550123", DEFAULT, "default"), ("+13055550123", FLORIDA, "region"),
        ("+15125550123", TEXAS, "region")], events
    assert {e["subject"] for e in events} == {b["call_sid"] for b in placed.values()}
    stack.wait_until(lambda: stack.psql(s.dsn, "SELECT count(*) FROM calls WHERE caller_id IS NOT NULL") == "3",
                     30, "outbound calls in the read model")
    assert stack.psql(s.dsn, "SELECT caller_id || ' ' || requested_agent || ' ' || direction FROM calls "
                             "WHERE to_number = '+15125550123'") == TEXAS + " alice outbound-api"

    # Bad input: a precise status, and nothing reaches Twilio.
    assert api.call("POST", "/make_call", {"to": "305-555-0123", "agent": "alice"})[0] == 422
    assert api.call("POST", "/make_call", {"to": "+13055550123"})[0] == 422
    assert api.call("POST", "/make_call", {"to": "+13055550123", "agent": "alice"}, key="wrong-key-0123456789")[0] == 401
    assert api.call("GET", "/make_call")[0] == 405
    status, body = api.call("POST", "/make_call", {"to": "+15005550001", "agent": "alice"})  # Twilio says invalid
    assert status == 422 and body["twilio_code"] == 21211, (status, body)
    assert len(calls_made(fake)) == 4

    # Twilio busy (429, Retry-After), then the answer lost after the call was made (500): one call.
    fake_post(fake, "/_fake/plan", {"responses": [{"status": 429, "retry_after": 1}, {"status": 500, "create": True}]})
    started = time.time()
    status, body = api.call("POST", "/make_call", {"to": "+14155550123", "agent": "bob"})
    assert status == 201 and body["from"] == DEFAULT, (status, body)
    assert time.time() - started >= 1.0, "Retry-After was not honoured"
    to_415 = [r for r in calls_made(fake) if r["params"]["To"] == ["+14155550123"]]
    assert len(to_415) == 2, to_415  # the 429 and the one that created the call; no third
    assert body["call_sid"].startswith("CA")

    # Opt-out by SMS: STOP is kept; after a restart the list is rebuilt from the topic.
    twilio = s.twilio()
    stop = {"AccountSid": stack.ACCOUNT, "MessageSid": "SM" + "1" * 32, "From": "+13055550199",
            "To": DEFAULT, "Body": "Stop", "NumMedia": "0"}
    status, body = twilio.post("/sms", stop)
    assert status == 200 and body.startswith(b'<?xml version="1.0" encoding="UTF-8"?><Response'), (status, body)
    assert api.call("POST", "/make_call", {"to": "+13055550199", "agent": "alice"})[0] == 409
    assert api.call("POST", "/optouts", {"number": "+15125550177", "reason": "asked by phone"})[0] == 201
    s.kill("ingress")
    s.start_ingress(**ingress_env)
    status, body = api.call("POST", "/make_call", {"to": "+13055550199", "agent": "alice"})
    assert status == 409 and body["error"] == "opted_out", (status, body)
    assert api.call("POST", "/make_call", {"to": "+15125550177", "agent": "alice"})[0] == 409
    assert api.call("GET", "/optouts/%2B13055550199")[1] == {"number": "+13055550199", "opted_out": True}
    start = dict(stop, MessageSid="SM" + "2" * 32, Body="START")
    assert twilio.post("/sms", start)[0] == 200
    assert api.call("DELETE", "/optouts/%2B15125550177")[0] == 200
    assert api.call("POST", "/make_call", {"to": "+13055550199", "agent": "alice"})[0] == 201
    assert api.call("POST", "/make_call", {"to": "+15125550177", "agent": "alice"})[0] == 201
    stack.wait_until(lambda: stack.psql(s.dsn, "SELECT count(*) FROM optout_events") == "4", 30, "opt-out events")
    assert stack.psql(s.dsn, "SELECT count(*) FROM optouts WHERE opted_out") == "0"

    # The softphone token, checked by Twilio's own SDK.
    from twilio.jwt import Jwt
    status, body = api.call("GET", "/token?identity=alice")
    assert status == 200, (status, body)
    decoded = Jwt.from_jwt(body["token"], SK_SECRET)  # raises unless the HS256 signature verifies
    claims, headers = decoded.payload, decoded.headers
    assert headers["cty"] == "twilio-fpa;v=1" and headers["alg"] == "HS256" and headers["typ"] == "JWT", headers
    assert claims["iss"] == SK and claims["sub"] == stack.ACCOUNT, claims
    assert claims["jti"] == "%s-%d" % (SK, claims["nbf"]) and claims["exp"] - claims["nbf"] == 3600, claims
    assert abs(claims["nbf"] - time.time()) < 60
    assert claims["grants"] == {"identity": "alice", "voice": {"incoming": {"allow": True},
                                                                "outgoing": {"application_sid": APP}}}, claims
    try:
        Jwt.from_jwt(body["token"], "not-the-secret")
        raise AssertionError("a token verified with the wrong secret")
    except Exception as e:
        if isinstance(e, AssertionError):
            raise
    assert api.call("GET", "/token?identity=bad%20name")[0] == 422

    # Every event callstream wrote, whichever path built it, is a valid CloudEvent to the official
    # SDK. A recording, a TaskRouter event and an assignment first, so that each topic has some.
    call_sid = placed["+13055550123"]["call_sid"]
    assert twilio.post("/recording_status", {
        "AccountSid": stack.ACCOUNT, "CallSid": call_sid, "RecordingSid": "RE" + "7" * 32,
        "RecordingStatus": "completed", "RecordingChannels": "2", "RecordingDuration": "31",
        "RecordingUrl": "https://api.twilio.com/2010-04-01/Accounts/%s/Recordings/RE%s" % (stack.ACCOUNT, "7" * 32),
        "RecordingSource": "OutboundAPI"})[0] == 204
    task = {"AccountSid": stack.ACCOUNT, "WorkspaceSid": "WS" + "1" * 32, "TaskSid": "WT" + "2" * 32,
            "TaskAttributes": json.dumps({"call_sid": call_sid, "from": "+13055550123"})}
    assert twilio.post("/taskrouter_event", dict(task, EventType="task.created", TimestampMs="1770896905123"))[0] == 204
    assert twilio.post("/assignment", dict(task, ReservationSid="WR" + "3" * 32))[0] == 200
    # Not checked: the dead-letter topic holds what could not be read as an event (by design not
    # a valid CloudEvent), and the Event Streams topic holds Twilio's deliveries as they came.
    topics = ["callstream.voice.calls.v1", "callstream.voice.recordings.v1", "callstream.taskrouter.v1",
              "callstream.messaging.v1", "callstream.optouts.v1"]
    per_topic = stack.validate_cloudevents(s.brokers, topics)
    assert set(per_topic) == set(topics), per_topic


if __name__ == "__main__":
    sys.exit(stack.run(test))
