#!/usr/bin/env python3
"""A fake Slack incoming webhook on loopback, for tests and the local stack.

POST (any path) records the JSON message and answers 200 "ok", as Slack does. Failures on demand:

    POST /_fake/plan      {"responses": [{"status": 429, "retry_after": 2}, {"status": 500}, {"delay": 12}]}
        scripts the answers to the next messages, in order ("delay": seconds before answering,
        past a client's timeout); a scripted failure records nothing as delivered
    GET  /_fake/requests  every message received: [{"path", "body", "delivered", "at"}]
    POST /_fake/reset     forgets messages and the plan

    tools/sim/fake_slack.py --port 0 --port-file /tmp/port
"""
import argparse
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler

import loopback

LOCK = threading.Lock()
STATE = {"requests": [], "plan": []}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body, content_type="text/plain", headers=()):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/_fake/requests":
            with LOCK:
                return self.answer(200, json.dumps(STATE["requests"]), "application/json")
        self.answer(404, "no_service")

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(n).decode() if n else ""
        if self.path == "/_fake/reset":
            with LOCK:
                STATE["requests"], STATE["plan"] = [], []
            return self.answer(200, "ok")
        if self.path == "/_fake/plan":
            with LOCK:
                STATE["plan"].extend(json.loads(raw)["responses"])
            return self.answer(200, "ok")
        with LOCK:
            step = STATE["plan"].pop(0) if STATE["plan"] else {}
        if step.get("delay"):
            time.sleep(step["delay"])
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        status = step.get("status", 200 if body is not None and "text" in body else 400)
        with LOCK:
            STATE["requests"].append({"path": self.path, "body": body, "delivered": status == 200, "at": time.time()})
        if status == 200:
            return self.answer(200, "ok")
        headers = [("Retry-After", str(step["retry_after"]))] if "retry_after" in step else []
        self.answer(status, "rate_limited" if status == 429 else "invalid_payload" if status == 400 else "server_error",
                    headers=headers)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    args = ap.parse_args()
    loopback.serve(Handler, args.port, args.port_file, "fake Slack webhook")


if __name__ == "__main__":
    sys.exit(main())
