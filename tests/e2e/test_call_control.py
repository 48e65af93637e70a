#!/usr/bin/env python3
"""End to end: call control through the real ingress and projector, with a fake Twilio REST API.

/make_call to a 305 number goes out from the Florida number, to a 512 number from the Texas
number, to a 212 number from the default; the fake API receives exactly the expected parameters;
the event is on its topic and in the read model. A number opted out by SMS STOP is refused after
the ingress restarts (its list rebuilt from the topic). Twilio's 429 and an answer lost after the
call was made are retried without placing a second call. The softphone token verifies with
Twilio's own SDK and its claims match. The softphone's calls (/client_voice) are dialed from the
local number with dual recording, TwiML equal to Twilio's own library's, recorded like /make_call's,
and refused for an opted-out number. An agent's activity set through /worker_activity reaches the
fake TaskRouter API (retried on 429) and, by TaskRouter's event callback, the workers read model."""
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
WORKSPACE, ALICE_WK = "WS" + "8" * 32, "WK" + "9" * 32
BREAK, AVAILABLE = "WA" + "4" * 32, "WA" + "1" * 32


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
    fake = s.start_fake_twilio("--workspace", WORKSPACE, "--worker", ALICE_WK + "=alice")
    flow = os.path.join(s.dir, "flow.json")
    with open(flow, "w") as f:
        json.dump({"mode": "voicemail", "whisper": "Call with {caller}.",
                   "outbound": {"machine_detection": "DetectMessageEnd", "on_machine": "message",
                                "machine_message": "Hello from Acme, please call us back.", "ring_seconds": 25}}, f)
    ingress_env = {"OPERATOR_API_KEYS": API_KEY, "TWILIO_PHONE_NUMBER": DEFAULT, "TWILIO_PHONE_NUMBER_FL": FLORIDA,
                   "TWILIO_PHONE_NUMBER_TX": TEXAS, "TWILIO_API_BASE_URL": "http://127.0.0.1:%d" % fake,
                   "TWILIO_API_KEY_SID": SK, "TWILIO_API_KEY_SECRET": SK_SECRET, "TWIML_APP_SID": APP,
                   "CALL_FLOW_FILE": flow, "TWILIO_API_TIMEOUT_MS": "2000",
                   "TASKROUTER_WORKSPACE_SID": WORKSPACE,
                   "TWILIO_TASKROUTER_BASE_URL": "http://127.0.0.1:%d" % fake}
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

    check_softphone_calls(s, api, twilio)
    check_worker_activity(s, api, fake)

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


def softphone_call(twilio, to, call_sid):
    """Twilio's request to the TwiML App's Voice URL when alice's browser dials `to`."""
    return twilio.post("/client_voice", {
        "AccountSid": stack.ACCOUNT, "ApplicationSid": APP, "CallSid": call_sid, "From": "client:alice",
        "Caller": "client:alice", "To": to, "Direction": "inbound", "CallStatus": "ringing",
        "ApiVersion": "2010-04-01"})


def check_softphone_calls(s, api, twilio):
    import xml.etree.ElementTree as ET
    from twilio.twiml.voice_response import Dial, VoiceResponse
    base = stack.BASE_URL
    sid = "CA" + "5" * 32
    status, body = softphone_call(twilio, "+1 (305) 555-0142", sid)  # as typed: E.164 with spaces
    assert status == 200, (status, body)
    want = VoiceResponse()
    dial = Dial(caller_id=FLORIDA, answer_on_bridge=True, timeout=25, action=base + "/dial_status?stage=client",
                record="record-from-answer-dual", recording_status_callback=base + "/recording_status",
                recording_status_callback_event="in-progress completed absent")
    dial.number("+13055550142", status_callback=base + "/call_status",
                status_callback_event="initiated ringing answered completed")
    want.append(dial)
    got, expected = ET.fromstring(body), ET.fromstring(str(want))
    assert [(e.tag, e.attrib, (e.text or "").strip()) for e in got.iter()] == \
        [(e.tag, e.attrib, (e.text or "").strip()) for e in expected.iter()], (body, str(want))

    # Refused: an opted-out number (the agent hears why), and a number that is not one.
    assert api.call("POST", "/optouts", {"number": "+13055550166", "reason": "do not call"})[0] == 201
    status, body = softphone_call(twilio, "+13055550166", "CA" + "6" * 32)
    assert status == 200 and b"asked not to be called" in body and b"<Dial" not in body, body
    status, body = softphone_call(twilio, "12", "CA" + "7" * 32)
    assert status == 200 and b"not a valid phone number" in body, body

    # The call is on its topic like /make_call's, and in the read model as alice's outbound call.
    def placed():
        return [e for e in topic_events(s.brokers, "callstream.voice.calls.v1")
                if e["type"] == "io.callstream.call.outbound-requested" and e["subject"] == sid]
    stack.wait_until(lambda: placed(), 30, "the softphone call's event")
    e = placed()[0]
    assert e["source"] == base + "/client_voice", e
    assert e["data"] == {"call_sid": sid, "to": "+13055550142", "from": FLORIDA, "caller_id_match": "region",
                         "to_region": "US-FL", "agent": "alice", "machine_detection": "off",
                         "twilio_status": "ringing", "twilio_attempts": 1}, e
    # The agent's leg's own status callback (the TwiML App's Status Callback URL) ends it.
    assert twilio.post("/call_status", {
        "AccountSid": stack.ACCOUNT, "CallSid": sid, "CallStatus": "completed", "From": "client:alice",
        "To": "+1 (305) 555-0142", "Direction": "inbound", "CallDuration": "64", "SequenceNumber": "2",
        "Timestamp": "Thu, 03 Dec 2026 15:00:00 +0000"})[0] == 204
    row = "SELECT direction || ' ' || from_number || ' ' || to_number || ' ' || status || ' ' || requested_agent " \
          "FROM calls WHERE call_sid = '%s'" % sid
    stack.wait_until(lambda: stack.psql(s.dsn, row) == "outbound-api %s +13055550142 completed alice" % FLORIDA,
                     30, "the softphone call in the read model")
    assert stack.psql(s.dsn, "SELECT agent FROM call_fact_rows WHERE call_sid = '%s'" % sid) == "alice"
    refused = stack.psql(s.dsn, "SELECT count(*) FROM calls WHERE call_sid = 'CA%s' AND requested_agent IS NULL"
                         % ("6" * 32))
    assert refused == "1", "a refused softphone call is on the record, with nobody's call placed"


def check_worker_activity(s, api, fake):
    status, body = api.call("GET", "/activities")
    assert status == 200, (status, body)
    assert {a["name"]: (a["sid"], a["available"]) for a in body["activities"]}["Break"] == (BREAK, False), body

    # TaskRouter's event callback goes to the ingress, as the workspace's Event Callback URL says.
    fake_post(fake, "/_fake/event_callback", {"url": "http://127.0.0.1:%d/taskrouter_event" % s.ingress_port,
                                              "signed_url": stack.BASE_URL + "/taskrouter_event"})
    fake_post(fake, "/_fake/plan", {"responses": [{"status": 429, "retry_after": 1}]})
    status, body = api.call("POST", "/worker_activity", {"worker_sid": ALICE_WK, "activity_sid": BREAK})
    assert status == 200 and body == {"worker_sid": ALICE_WK, "activity_sid": BREAK, "activity_name": "Break"}, body
    updates = [r for r in fake_get(fake, "/_fake/requests") if r["path"].endswith("/Workers/" + ALICE_WK)]
    assert [r["params"] for r in updates] == [{"ActivitySid": [BREAK]}] * 2, updates  # the 429, then done
    assert updates[0]["path"] == "/v1/Workspaces/%s/Workers/%s" % (WORKSPACE, ALICE_WK)
    assert all(r["user"] == stack.ACCOUNT for r in updates)
    stack.wait_until(lambda: stack.psql(s.dsn, "SELECT activity_name FROM workers WHERE worker_sid = '%s'"
                                        % ALICE_WK) == "Break", 30, "the worker's activity in the read model")

    # Refusals: a precise status, and Twilio's words when Twilio refused.
    assert api.call("POST", "/worker_activity", {"worker_sid": "alice", "activity_sid": BREAK})[0] == 422
    assert api.call("POST", "/worker_activity", {"worker_sid": ALICE_WK, "activity_sid": "Break"})[0] == 422
    status, body = api.call("POST", "/worker_activity", {"worker_sid": ALICE_WK, "activity_sid": "WA" + "0" * 32})
    assert status == 422 and body["twilio_code"] == 20001, (status, body)
    status, body = api.call("POST", "/worker_activity", {"worker_sid": "WK" + "0" * 32, "activity_sid": BREAK})
    assert status == 422 and body["twilio_code"] == 20404, (status, body)
    assert api.call("POST", "/worker_activity", {"worker_sid": ALICE_WK, "activity_sid": BREAK},
                    key="wrong-key-0123456789")[0] == 401
    fake_post(fake, "/_fake/plan", {"responses": [{"status": 503}] * 4})
    status, body = api.call("POST", "/worker_activity", {"worker_sid": ALICE_WK, "activity_sid": AVAILABLE})
    assert status == 503 and body["error"] == "twilio_unavailable", (status, body)


if __name__ == "__main__":
    sys.exit(stack.run(test))
