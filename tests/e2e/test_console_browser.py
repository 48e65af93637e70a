#!/usr/bin/env python3
"""The console in a real browser: Debian's chromium driven by Playwright (playwright-core) on
the real projector, ingress, devkafka and PostgreSQL, with three days of the simulator's call
center and a few known calls. The browser side is
services/projector/console/tests/browser/console.browser.mjs; this harness starts the stack,
then sends the signed webhooks the browser asks for ("send missed") while the page is open.

Checks: sign-in; the KPI cards equal analytics.period_kpis; a webhook sent during the test shows
up on the open dashboard within 1 s without a reload; pages, filters and the CSV export; a
call's timeline and its player loading bytes from the fake Twilio media endpoint; switching
language; a call back; an agent's narrower view; accessibility (axe); no console error nor CSP
violation. Screenshots land in the test's directory (docs/console.md shows them)."""
import os
import random
import shutil
import subprocess
import sys
import time

import stack
import test_console_api as api

CONSOLE = os.path.join(stack.SOURCE, "services/projector/console")


def load_sample(s, twilio):
    import call_center
    flows = call_center.call_center(stack.ACCOUNT, random.Random(11), days=3, calls_per_day=30)
    for path, params in flows:
        status, body = twilio.post(path, params)
        assert status in (200, 204), (path, status, body)
    calls = len([1 for path, _ in flows if path == "/voice"])
    stack.wait_until(lambda: int(stack.psql(s.dsn, "SELECT count(*) FROM calls WHERE direction = 'inbound'")) >= calls,
                     90, "the sample calls in the read models")


def run_browser(script, env, answer):
    """Runs a browser script of the console's, answering each of its requests ("send ...") with
    "sent " + answer(request), until it says "done"."""
    node = subprocess.Popen(["node", script], cwd=CONSOLE, env=dict(os.environ, **env),
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
    try:
        for line in node.stdout:
            request = line.strip()
            if request == "done":
                break
            node.stdin.write("sent %s\n" % answer(request))
            node.stdin.flush()
        assert node.wait(timeout=60) == 0, "the browser test failed (its log is above)"
    finally:
        if node.poll() is None:
            node.kill()


def browser_env(s, shots):
    return {"CONSOLE_URL": "http://127.0.0.1:%d" % s.projector_port, "DATABASE_URL": s.dsn,
            "CONSOLE_SUPERVISOR": api.SUPERVISOR, "CONSOLE_AGENT": api.AGENT, "CONSOLE_PASSWORD": api.PASSWORD,
            "SCREENSHOT_DIR": shots}


def drive_browser(s, twilio, shots):
    """Runs the browser script and answers its requests for webhooks."""
    sent = iter(range(501, 10**6))

    def answer(request):
        assert request == "send missed", "unknown request from the browser: %r" % request
        return api.missed_call(twilio, next(sent), time.time())
    run_browser("tests/browser/console.browser.mjs", browser_env(s, shots), answer)


def test(make):
    if not shutil.which("node") or not os.path.isdir(os.path.join(CONSOLE, "node_modules")):
        sys.exit("Node.js and the console's npm packages are needed: run scripts/bootstrap")
    s = make("e2e_console_browser")
    fake = s.start_fake_twilio()
    fake_api = "http://127.0.0.1:%d" % fake
    s.start_ingress(OPERATOR_API_KEYS=api.API_KEY, TWILIO_PHONE_NUMBER="+12125550000", TWILIO_API_BASE_URL=fake_api)
    s.start_projector(CONSOLE_OPERATOR_KEY=api.API_KEY, CONSOLE_INGRESS_URL="http://127.0.0.1:%d" % s.ingress_port,
                      TWILIO_API_BASE_URL=fake_api)
    stack.wait_until(lambda: stack.http_ok(s.projector_port, "/readyz"), 30, "projector /readyz")
    api.add_user(s, api.SUPERVISOR, "supervisor")
    api.add_user(s, api.AGENT, "agent")
    twilio = s.twilio()
    load_sample(s, twilio)
    shots = os.path.join(s.dir, "screenshots")
    os.makedirs(shots, exist_ok=True)
    drive_browser(s, twilio, shots)
    print("screenshots in", shots)


if __name__ == "__main__":
    sys.exit(stack.run(test))
