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

    tools/sim/fake_twilio_api.py --port 0 --port-file /tmp/port --account AC... --token secret
"""
import argparse
import base64
import email.utils
import json
import random
import re
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

E164 = re.compile(r"^\+[1-9][0-9]{7,14}$")
# Twilio's magic test number for "invalid To" (https://www.twilio.com/docs/iam/test-credentials).
INVALID = {"+15005550001"}


class State:
    def __init__(self, account, token):
        self.account, self.token = account, token
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        self.requests, self.calls, self.messages, self.plan = [], [], [], []


def sid(prefix):
    return prefix + "".join(random.choice("0123456789abcdef") for _ in range(32))


def make_handler(state):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def answer(self, status, body, headers=()):
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for k, v in headers:
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

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
            query = urllib.parse.parse_qs(url.query)
            user, password = self.user()
            with state.lock:
                state.requests.append({"method": "GET", "path": url.path, "params": query, "user": user})
            if (user, password) != (state.account, state.token):
                return self.error(401, 20003, "Authenticate")
            if url.path == "/2010-04-01/Accounts/%s/Calls.json" % state.account:
                with state.lock:
                    calls = [c for c in reversed(state.calls)
                             if all(c.get(k.lower()) == v[0] for k, v in query.items() if k in ("To", "From"))]
                return self.answer(200, {"calls": calls[: int(query.get("PageSize", ["50"])[0])]})
            self.error(404, 20404, "The requested resource %s was not found" % url.path)

        def do_POST(self):
            url = urllib.parse.urlsplit(self.path)
            raw, form = self.read_form()
            if url.path == "/_fake/reset":
                with state.lock:
                    state.reset()
                return self.answer(200, {"ok": True})
            if url.path == "/_fake/plan":
                with state.lock:
                    state.plan.extend(json.loads(raw)["responses"])
                return self.answer(200, {"ok": True})
            user, password = self.user()
            with state.lock:
                state.requests.append({"method": "POST", "path": url.path, "params": form, "user": user})
                step = state.plan.pop(0) if state.plan else {}
            if step.get("delay"):
                time.sleep(step["delay"])
            if (user, password) != (state.account, state.token):
                return self.error(401, 20003, "Authenticate")
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

    return Handler


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--account", required=True)
    ap.add_argument("--token", required=True)
    args = ap.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(State(args.account, args.token)))
    port = server.server_address[1]
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write(str(port))
        import os
        os.rename(args.port_file + ".tmp", args.port_file)
    print("fake Twilio API on http://127.0.0.1:%d" % port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
