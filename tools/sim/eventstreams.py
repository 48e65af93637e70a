#!/usr/bin/env python3
"""Twilio Event Streams, simulated: the CloudEvents a webhook sink receives for the facts a call
center's webhooks carry, posted in batches as Twilio posts them (HTTP Basic auth).

    import eventstreams
    events = [e for path, p in webhooks if (e := eventstreams.event_of(path, p, rng))]
    eventstreams.Sink("http://127.0.0.1:8080", "twilio", "secret").post(events[:50])

Voice events carry the status callback's parameters under data.request.parameters (schema
Voice.WebhookEvent); TaskRouter events carry them in snake_case under data.payload (schema
TaskRouter.WDSEvent), with ISO 8601 timestamps. Webhooks that ask for instructions (/voice,
/assignment) have no Event Streams twin: event_of returns None for them.
"""
import base64
import email.utils
import http.client
import json
import re
import time
import urllib.parse

VOICE_SCHEMA = "https://events-schemas.twilio.com/Voice.WebhookEvent/2"
TASKROUTER_SCHEMA = "https://events-schemas.twilio.com/TaskRouter.WDSEvent/4"
CALL_TYPES = {"queued": "initiated", "initiated": "initiated", "ringing": "ringing", "in-progress": "answered"}
NUMERIC = {"task_age", "task_priority", "worker_time_in_previous_activity", "worker_time_in_previous_activity_ms"}


def _id(prefix, rng):
    return prefix + "".join(rng.choice("0123456789abcdef") for _ in range(32))


def iso(ms):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + ".%03dZ" % (ms % 1000)


def snake(name):
    """TaskQueueName -> task_queue_name; EventType -> eventtype (Twilio's spelling)."""
    return "eventtype" if name == "EventType" else re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _envelope(rng, type_, source, schema, at_ms, data):
    return {"specversion": "1.0", "type": type_, "source": source, "id": _id("EZ", rng), "dataschema": schema,
            "datacontenttype": "application/json", "time": iso(at_ms), "data": data}


def _voice(path, p, rng, at_ms):
    if path == "/call_status":
        type_ = "com.twilio.voice.status-callback.call." + CALL_TYPES.get(p["CallStatus"], "completed")
    elif path == "/amd_status":
        type_ = "com.twilio.voice.status-callback.amd.detected"
    else:
        type_ = "com.twilio.voice.status-callback.recording." + (
            "in-progress" if p["RecordingStatus"] == "in-progress" else "processed")
    data = {"sid": p["CallSid"], "timestamp": iso(at_ms), "eventSid": _id("VW", rng),
            "request": {"method": "POST", "url": "https://calls.example.com" + path, "parameters": dict(p)},
            "response": {"responseCode": 204, "requestDuration": 12, "contentType": "application/json"}}
    return _envelope(rng, type_, "/v1/Accounts/%s/Calls/%s" % (p["AccountSid"], p["CallSid"]), VOICE_SCHEMA,
                     at_ms, data)


def _taskrouter(p, rng):
    at_ms = int(p["TimestampMs"])
    payload = {snake(k): (int(v) if snake(k) in NUMERIC and v.isdigit() else v)
               for k, v in p.items() if k not in ("Timestamp", "TimestampMs")}
    payload["timestamp"] = iso(at_ms)
    name = "".join(part.capitalize() for part in re.split(r"[.-]", p["EventType"]))
    data = {"sid": p["Sid"], "name": name, "account_sid": p["AccountSid"], "timestamp": iso(at_ms), "level": "INFO",
            "group": p["EventType"].split(".")[0], "product_name": "TaskRouter", "publisher": "TaskRouter",
            "publisher_metadata": "{}", "payload_type": "application/json", "payload": payload}
    return _envelope(rng, "com.twilio.taskrouter." + p["EventType"], p["WorkspaceSid"], TASKROUTER_SCHEMA, at_ms, data)


def _voice_time_ms(p):
    stamp = p.get("Timestamp") or p.get("RecordingStartTime")
    return int(email.utils.parsedate_to_datetime(stamp).timestamp() * 1000) if stamp else int(time.time() * 1000)


def event_of(path, params, rng):
    """The Event Streams CloudEvent of the webhook (path, params), or None when there is none."""
    if path in ("/call_status", "/amd_status", "/recording_status"):
        return _voice(path, params, rng, _voice_time_ms(params))
    if path == "/taskrouter_event":
        return _taskrouter(params, rng)
    return None


def other_event(type_, rng):
    """An event of a type the read models do not use (messaging, Event Streams' test event)."""
    return _envelope(rng, type_, "/v1/Accounts", "https://events-schemas.twilio.com/Other/1",
                     int(time.time() * 1000), {"sid": _id("SM", rng), "status": "delivered"})


class Sink:
    """Posts batches to the ingress's Event Streams sink (POST /events/twilio)."""

    def __init__(self, url, user, password):
        parsed = urllib.parse.urlsplit(url)
        self.https = parsed.scheme == "https"
        self.host, self.port = parsed.hostname, parsed.port or (443 if self.https else 80)
        self.auth = "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()

    def post(self, events):
        connection = http.client.HTTPSConnection if self.https else http.client.HTTPConnection
        c = connection(self.host, self.port, timeout=30)
        c.request("POST", "/events/twilio", body=json.dumps(events),
                  headers={"Content-Type": "application/json", "Authorization": self.auth,
                           "User-Agent": "Twilio-EventStreams/1.0"})
        resp = c.getresponse()
        body = resp.read()
        c.close()
        return resp.status, body
