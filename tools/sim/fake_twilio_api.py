#!/usr/bin/env python3
"""A fake of Twilio's REST API (2010-04-01) on loopback, for tests and the local stack.

It records every request it receives and answers like Twilio: 201 with the resource for
Calls.json and Messages.json, the call list for GET Calls.json (To/From filters), Twilio's error
JSON for a bad number (21211) or bad credentials (20003). Failures on demand, for the retry paths:

    POST /_fake/plan      {"responses": [{"status": 429, "retry_after": 1}, {"status": 500},
                          {"status": 500, "create": true}, {"delay": 3}]}
        scripts the answers to the next POST requests, in order ("create": the resource is made
        but the answer is still the error: the outcome-unknown case; "delay": seconds to wait
        before answering normally, past a client's timeout)
    GET  /_fake/requests  every request so far: [{"method", "path", "params": {k: [v...]}, "user"}]
    POST /_fake/reset     forgets requests, resources and the plan

Recording media (GET .../Recordings/RE....mp3 or .wav, account auth) is a playable file: 5 s
of MP3 silence, or a two-channel WAV tone, with Range requests answered 206 as Twilio does.
A RecordingSid that starts with RE404 has no media (404); one that starts with RE302 is
redirected to /media/<sid>.<format>, served without credentials, as Twilio hands media over to
its storage. The WAV lasts --wav-seconds (1 s at 8 kHz, two channels: 32 kB; 33 s is 1 MiB).
    POST /_fake/media_plan {"RE...": [404, 404, 500]}  the next GETs of that recording's media
                          answer these statuses, then the media
    DELETE .../Recordings/RE....json                   204; the media is gone (404) from then on
Every request in /_fake/requests carries its "time" (time.time()), to order it against another
fake's.

TaskRouter (same address, paths under /v1, account auth), for --workspace WS... and each
--worker WK...=name:
    GET  /v1/Workspaces/{WS}/Activities        the activities ACTIVITIES lists
    GET  /v1/Workspaces/{WS}/Workers/{WK}      the worker
    POST /v1/Workspaces/{WS}/Workers/{WK}      ActivitySid=WA...: 200 and the worker, 400 (20001)
                                               for an activity the workspace lacks, 404 (20404)
                                               for an unknown worker; scripted failures apply
With an event callback (--event-callback URL [--event-callback-signed-as URL], or
POST /_fake/event_callback {"url", "signed_url"}
at run time), each activity change is then sent there as TaskRouter sends it: a
worker.activity.update event callback, signed with the auth token over `signed_url` (the public
URL the ingress knows itself by; the URL itself when not given).

    tools/sim/fake_twilio_api.py --port 0 --port-file /tmp/port --account AC... --token secret
"""
import argparse
import base64
import email.utils
import functools
import json
import random
import re
import sys
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler

import loopback

E164 = re.compile(r"^\+[1-9][0-9]{7,14}$")
# Twilio's magic test number for "invalid To" (https://www.twilio.com/docs/iam/test-credentials).
INVALID = {"+15005550001"}


# The workspace's activities: (sid, friendly_name, available), as a Flex workspace has them.
ACTIVITIES = [("WA" + "1" * 32, "Available", True), ("WA" + "2" * 32, "Unavailable", False),
              ("WA" + "3" * 32, "Offline", False), ("WA" + "4" * 32, "Break", False)]


class State:
    def __init__(self, account, token, workspace="", workers=(), event_callback=""):
        self.account, self.token = account, token
        self.workspace, self.worker_names = workspace, dict(workers)
        self.event_callback, self.event_callback_signed = event_callback, event_callback
        self.lock = threading.Lock()
        self.wav_seconds = 1
        self.reset()

    def reset(self):
        self.requests, self.calls, self.messages, self.plan = [], [], [], []
        self.media_plan, self.deleted = {}, set()
        self.workers = {wk: {"sid": wk, "friendly_name": name, "activity_sid": ACTIVITIES[2][0],
                             "activity_name": ACTIVITIES[2][1], "available": False,
                             "workspace_sid": self.workspace, "account_sid": self.account,
                             "date_status_changed": time.time()}
                        for wk, name in self.worker_names.items()}


def activity_resource(state, a):
    return {"sid": a[0], "friendly_name": a[1], "available": a[2], "workspace_sid": state.workspace,
            "account_sid": state.account}


def worker_resource(w):
    out = dict(w)
    out.pop("date_status_changed")
    out["attributes"] = json.dumps({"contact_uri": "client:" + w["friendly_name"]})
    return out


def send_activity_event(state, worker, previous):
    """TaskRouter's worker.activity.update event callback, signed as Twilio signs webhooks."""
    from twilio.request_validator import RequestValidator
    now = time.time()
    params = {"EventType": "worker.activity.update", "AccountSid": state.account,
              "WorkspaceSid": state.workspace, "WorkspaceName": "Call center",
              "Sid": sid("EV"), "ResourceType": "worker", "ResourceSid": worker["sid"],
              "WorkerSid": worker["sid"], "WorkerName": worker["friendly_name"],
              "WorkerActivitySid": worker["activity_sid"], "WorkerActivityName": worker["activity_name"],
              "WorkerPreviousActivitySid": previous[0], "WorkerPreviousActivityName": previous[1],
              "WorkerTimeInPreviousActivity": str(int(now - previous[2])),
              "WorkerTimeInPreviousActivityMs": str(int((now - previous[2]) * 1000)),
              "WorkerAttributes": worker_resource(worker)["attributes"],
              "Timestamp": str(int(now)), "TimestampMs": str(int(now * 1000)),
              "EventDescription": "Worker %s updated to %s Activity" % (worker["friendly_name"], worker["activity_name"])}
    signature = RequestValidator(state.token).compute_signature(state.event_callback_signed, params)
    body = urllib.parse.urlencode(params).encode()
    request = urllib.request.Request(state.event_callback, data=body, method="POST", headers={
        "Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature})
    for _ in range(5):  # TaskRouter retries a failed callback
        try:
            with urllib.request.urlopen(request, timeout=10) as r:
                if r.status < 300:
                    return
        except Exception as e:  # noqa: BLE001 - a refused callback is retried, then reported
            print("event callback failed:", e, file=sys.stderr, flush=True)
        time.sleep(0.5)


def sid(prefix):
    return prefix + "".join(random.choice("0123456789abcdef") for _ in range(32))


MEDIA = re.compile(r"^/2010-04-01/Accounts/(AC[0-9a-fA-F]{32})/Recordings/(RE[0-9a-zA-Z]{1,34})\.(mp3|wav)$")


def mp3_silence(seconds=5):
    """MPEG-1 Layer III, 128 kbit/s, 44.1 kHz, mono frames whose side info is all zero: silence."""
    frame = bytes([0xFF, 0xFB, 0x90, 0xC0]) + bytes(413)
    return frame * int(seconds * 44100 / 1152)


@functools.lru_cache(maxsize=4)
def wav_tone(seconds=1, rate=8000):
    """Two channels (caller left, agent right, as dual-channel recordings are), 16-bit PCM: 440 Hz
    and 660 Hz, whole cycles each second, so a long recording is one second repeated."""
    import io, math, struct, wave
    second = b"".join(struct.pack("<hh", int(8000 * math.sin(2 * math.pi * 440 * i / rate)),
                                  int(8000 * math.sin(2 * math.pi * 660 * i / rate)))
                      for i in range(rate))
    frames = second * int(seconds) + second[:4 * int((seconds % 1) * rate)]
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(frames)
    return out.getvalue()


def byte_range(header, size):
    """(start, end) inclusive for 'bytes=a-b', 'bytes=a-' or 'bytes=-n'; None when unsatisfiable."""
    m = re.match(r"^bytes=(\d*)-(\d*)$", header.strip())
    if not m or (not m.group(1) and not m.group(2)):
        return None
    if not m.group(1):
        n = int(m.group(2))
        return (max(0, size - n), size - 1) if n else None
    start = int(m.group(1))
    end = min(int(m.group(2)), size - 1) if m.group(2) else size - 1
    return (start, end) if start <= end else None


def make_handler(state):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def answer(self, status, body, headers=(), content_type="application/json"):
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for k, v in headers:
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def media(self, recording_sid, fmt):
            with state.lock:
                planned = state.media_plan.get(recording_sid) or []
                status = planned.pop(0) if planned else None
                gone = recording_sid in state.deleted
            if recording_sid.startswith("RE404") or gone or status == 404:
                return self.error(404, 20404, "The requested resource was not found")
            if status:
                return self.error(status, 20500, "scripted failure")
            data = mp3_silence() if fmt == "mp3" else wav_tone(state.wav_seconds)
            kind = "audio/mpeg" if fmt == "mp3" else "audio/x-wav"
            wanted = self.headers.get("Range")
            if not wanted:
                return self.answer(200, data, [("Accept-Ranges", "bytes")], content_type=kind)
            span = byte_range(wanted, len(data))
            if span is None:
                return self.answer(416, b"", [("Content-Range", "bytes */%d" % len(data))], content_type=kind)
            start, end = span
            self.answer(206, data[start:end + 1], [("Accept-Ranges", "bytes"),
                        ("Content-Range", "bytes %d-%d/%d" % (start, end, len(data)))], content_type=kind)

        def error(self, status, code, message):
            self.answer(status, {"code": code, "message": message,
                                 "more_info": "https://www.twilio.com/docs/errors/%d" % code, "status": status})

        def user(self):
            auth = self.headers.get("Authorization", "")
            if not auth.startswith("Basic "):
                return None, None
            user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
            return user, password

        def read_form(self):
            n = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(n).decode() if n else ""
            return raw, urllib.parse.parse_qs(raw, keep_blank_values=True)

        def do_GET(self):
            url = urllib.parse.urlsplit(self.path)
            if url.path == "/_fake/requests":
                with state.lock:
                    return self.answer(200, state.requests)
            moved = re.match(r"^/media/(RE[0-9a-zA-Z]{1,34})\.(mp3|wav)$", url.path)
            if moved:  # where a redirect leads: no credentials, as a presigned storage URL
                return self.media(moved.group(1), moved.group(2))
            query = urllib.parse.parse_qs(url.query)
            user, password = self.user()
            with state.lock:
                state.requests.append({"method": "GET", "path": url.path, "params": query, "user": user,
                                       "time": time.time()})
            if (user, password) != (state.account, state.token):
                return self.error(401, 20003, "Authenticate")
            if url.path == "/2010-04-01/Accounts/%s/Calls.json" % state.account:
                with state.lock:
                    calls = [c for c in reversed(state.calls)
                             if all(c.get(k.lower()) == v[0] for k, v in query.items() if k in ("To", "From"))]
                return self.answer(200, {"calls": calls[: int(query.get("PageSize", ["50"])[0])]})
            media = MEDIA.match(url.path)
            if media and media.group(1) == state.account:
                if media.group(2).startswith("RE302"):
                    return self.answer(302, b"", [("Location", "/media/%s.%s" % (media.group(2), media.group(3)))])
                return self.media(media.group(2), media.group(3))
            workspace = "/v1/Workspaces/%s/" % state.workspace
            if state.workspace and url.path == workspace + "Activities":
                return self.answer(200, {"activities": [activity_resource(state, a) for a in ACTIVITIES],
                                         "meta": {"page": 0, "page_size": 100, "key": "activities"}})
            if state.workspace and url.path.startswith(workspace + "Workers/"):
                with state.lock:
                    worker = state.workers.get(url.path[len(workspace) + 8:])
                if worker:
                    return self.answer(200, worker_resource(worker))
            self.error(404, 20404, "The requested resource %s was not found" % url.path)

        def update_worker(self, worker_sid, form):
            wanted = form.get("ActivitySid", [""])[0]
            activity = next((a for a in ACTIVITIES if a[0] == wanted), None)
            with state.lock:
                worker = state.workers.get(worker_sid)
                if worker is None:
                    return self.error(404, 20404, "The requested resource Worker %s was not found" % worker_sid)
                if activity is None:
                    return self.error(400, 20001, "Invalid ActivitySid %s" % wanted)
                previous = (worker["activity_sid"], worker["activity_name"], worker["date_status_changed"])
                worker.update(activity_sid=activity[0], activity_name=activity[1], available=activity[2],
                              date_status_changed=time.time())
                answer = worker_resource(worker)
            self.answer(200, answer)
            if state.event_callback and previous[0] != activity[0]:
                threading.Thread(target=send_activity_event, args=(state, dict(worker), previous),
                                 daemon=True).start()

        def do_POST(self):
            url = urllib.parse.urlsplit(self.path)
            raw, form = self.read_form()
            if url.path == "/_fake/reset":
                with state.lock:
                    state.reset()
                return self.answer(200, {"ok": True})
            if url.path == "/_fake/event_callback":
                target = json.loads(raw)
                with state.lock:
                    state.event_callback = target["url"]
                    state.event_callback_signed = target.get("signed_url", target["url"])
                return self.answer(200, {"ok": True})
            if url.path == "/_fake/plan":
                with state.lock:
                    state.plan.extend(json.loads(raw)["responses"])
                return self.answer(200, {"ok": True})
            if url.path == "/_fake/media_plan":
                with state.lock:
                    for recording, statuses in json.loads(raw).items():
                        state.media_plan.setdefault(recording, []).extend(statuses)
                return self.answer(200, {"ok": True})
            user, password = self.user()
            with state.lock:
                state.requests.append({"method": "POST", "path": url.path, "params": form, "user": user,
                                       "time": time.time()})
                step = state.plan.pop(0) if state.plan else {}
            if step.get("delay"):
                time.sleep(step["delay"])
            if (user, password) != (state.account, state.token):
                return self.error(401, 20003, "Authenticate")
            if step.get("status") and url.path.startswith("/v1/"):
                return self.answer(step["status"], {"code": 20429 if step["status"] == 429 else 20500,
                                                    "message": "scripted failure", "status": step["status"]})
            workers = "/v1/Workspaces/%s/Workers/" % state.workspace
            if state.workspace and url.path.startswith(workers):
                return self.update_worker(url.path[len(workers):], form)
            base = "/2010-04-01/Accounts/%s/" % state.account
            if url.path not in (base + "Calls.json", base + "Messages.json"):
                return self.error(404, 20404, "The requested resource %s was not found" % url.path)
            if step.get("status") and not step.get("create"):
                headers = [("Retry-After", str(step["retry_after"]))] if "retry_after" in step else []
                return self.answer(step["status"], {"code": 20429 if step["status"] == 429 else 20500,
                                                    "message": "scripted failure", "status": step["status"]}, headers)
            one = {k: v[0] for k, v in form.items()}
            to = one.get("To", "")
            if not E164.match(to.replace("whatsapp:", "")) or to in INVALID:
                return self.error(400, 21211, "Invalid 'To' Phone Number: %s" % to)
            now = email.utils.formatdate(usegmt=False).replace("-0000", "+0000")
            if url.path.endswith("Calls.json"):
                resource = {"sid": sid("CA"), "account_sid": state.account, "to": to, "from": one.get("From"),
                            "status": "queued", "date_created": now, "direction": "outbound-api",
                            "uri": base + "Calls/%s.json"}
                resource["uri"] = resource["uri"] % resource["sid"]
                with state.lock:
                    state.calls.append(resource)
            else:
                resource = {"sid": sid("SM"), "account_sid": state.account, "to": to, "from": one.get("From"),
                            "body": one.get("Body"), "status": "queued", "date_created": now}
                with state.lock:
                    state.messages.append(resource)
            if step.get("status"):  # created, but the answer is lost: the outcome-unknown case
                return self.answer(step["status"], {"code": 20500, "message": "scripted failure after create",
                                                    "status": step["status"]})
            self.answer(201, resource)

        def do_DELETE(self):
            url = urllib.parse.urlsplit(self.path)
            user, password = self.user()
            with state.lock:
                state.requests.append({"method": "DELETE", "path": url.path, "params": {}, "user": user,
                                       "time": time.time()})
            if (user, password) != (state.account, state.token):
                return self.error(401, 20003, "Authenticate")
            m = re.match(r"^/2010-04-01/Accounts/%s/Recordings/(RE[0-9a-zA-Z]{1,34})\.json$" % state.account, url.path)
            if not m:
                return self.error(404, 20404, "The requested resource %s was not found" % url.path)
            with state.lock:
                known = m.group(1) not in state.deleted
                state.deleted.add(m.group(1))
            if not known:
                return self.error(404, 20404, "The requested resource %s was not found" % url.path)
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()

    return Handler


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--account", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--workspace", default="", help="TaskRouter workspace SID (WS...)")
    ap.add_argument("--worker", action="append", default=[], help="WK...=name, a worker of the workspace")
    ap.add_argument("--event-callback", default="", help="where to send the workspace's event callbacks")
    ap.add_argument("--event-callback-signed-as", default="",
                    help="the Event Callback URL as Twilio signs it (the ingress's BASE_URL/taskrouter_event)")
    ap.add_argument("--wav-seconds", type=float, default=1, help="length of every WAV recording")
    args = ap.parse_args()
    workers = [w.split("=", 1) for w in args.worker]
    state = State(args.account, args.token, args.workspace, workers, args.event_callback)
    state.event_callback_signed = args.event_callback_signed_as or args.event_callback
    state.wav_seconds = args.wav_seconds
    loopback.serve(make_handler(state), args.port, args.port_file, "fake Twilio API")


if __name__ == "__main__":
    sys.exit(main())
