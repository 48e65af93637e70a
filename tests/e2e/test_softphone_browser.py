#!/usr/bin/env python3
"""The agent's softphone in a real browser: Debian's chromium driven by Playwright on the real
projector, ingress, devkafka and PostgreSQL, with the fake Twilio REST API standing in for
TaskRouter (its worker.activity.update event callbacks signed and sent to the ingress, as
TaskRouter does). The browser side is services/projector/console/tests/browser/softphone.browser.mjs;
this harness answers its requests: "send incoming" (a call ringing the agent through a TaskRouter
reservation) and "send missed".

Checks: the Device (a double at the console's one seam) is made with a token for the agent's own
identity and the console's sounds; the caller's number, city, state and queue before accepting;
accept, mute, DTMF 1#, hang up; token refresh; an outbound dial; audio device choice; the activity
switch reaching TaskRouter's API with the agent's worker and the read models by its event
callback; a notification when the tab is hidden, none once refused; a supervisor's missed call;
the real SDK bundle loading from the console with no request elsewhere."""
import json
import os
import shutil
import sys
import time
import urllib.request

import stack
import test_console_api as api
import test_console_browser as browser

CONSOLE = browser.CONSOLE
WORKER = "WK" + "a1" * 16
WORKSPACE = api.WORKSPACE


def taskrouter(twilio, event, **params):
    p = dict({"AccountSid": stack.ACCOUNT, "WorkspaceSid": WORKSPACE, "EventType": event,
              "Sid": "EV%032x" % int(time.time() * 1e6), "TimestampMs": str(int(time.time() * 1000))}, **params)
    status, body = twilio.post("/taskrouter_event", p)
    assert status == 204, (event, status, body)


def incoming(twilio, n):
    """A call from Miami waiting in Sales, reserved for the agent: what rings their softphone."""
    call, frm = api.sid("CA", n), "+1305555%04d" % n
    assert twilio.post("/call_status", {"AccountSid": stack.ACCOUNT, "CallSid": call, "Direction": "inbound",
                                        "From": frm, "To": "+18005551212", "FromCity": "MIAMI", "FromState": "FL",
                                        "CallStatus": "ringing", "SequenceNumber": "0"})[0] == 204
    task = {"TaskSid": api.sid("WT", n), "TaskQueueSid": "WQ" + "3" * 32, "TaskQueueName": "Sales",
            "TaskAttributes": json.dumps({"call_sid": call, "from": frm})}
    taskrouter(twilio, "task.created", **task)
    taskrouter(twilio, "reservation.created", WorkerSid=WORKER, WorkerName=api.AGENT,
               ReservationSid=api.sid("WR", n), **task)
    return "%s %s" % (call, frm)


def drive_browser(s, twilio, fake, shots):
    env = dict(browser.browser_env(s, shots), FAKE_TWILIO_URL="http://127.0.0.1:%d" % fake, AGENT_WORKER=WORKER)
    sent = iter(range(701, 10**6))

    def answer(request):
        n = next(sent)
        if request == "send missed":
            return api.missed_call(twilio, n, time.time())
        assert request == "send incoming", "unknown request from the browser: %r" % request
        ringing = incoming(twilio, n)
        stack.wait_until(lambda: stack.psql(s.dsn, "SELECT count(*) FROM reservations WHERE reservation_sid"
                                            " = '%s'" % api.sid("WR", n)) == "1", 30, "the reservation")
        return ringing
    browser.run_browser("tests/browser/softphone.browser.mjs", env, answer)


def test(make):
    if not shutil.which("node") or not os.path.isdir(os.path.join(CONSOLE, "node_modules")):
        sys.exit("Node.js and the console's npm packages are needed: run scripts/bootstrap")
    s = make("e2e_softphone_browser")
    fake = s.start_fake_twilio("--workspace", WORKSPACE, "--worker", WORKER + "=" + api.AGENT)
    fake_api = "http://127.0.0.1:%d" % fake
    s.start_ingress(OPERATOR_API_KEYS=api.API_KEY, TWILIO_PHONE_NUMBER="+12125550000", TWILIO_API_BASE_URL=fake_api,
                    TWILIO_API_KEY_SID=api.TOKEN_KEY, TWILIO_API_KEY_SECRET=api.TOKEN_SECRET,
                    TWIML_APP_SID="AP" + "6" * 32, TASKROUTER_WORKSPACE_SID=WORKSPACE,
                    TWILIO_TASKROUTER_BASE_URL=fake_api)
    s.start_projector(CONSOLE_OPERATOR_KEY=api.API_KEY, CONSOLE_INGRESS_URL="http://127.0.0.1:%d" % s.ingress_port,
                      TWILIO_API_BASE_URL=fake_api)
    stack.wait_until(lambda: stack.http_ok(s.projector_port, "/readyz"), 30, "projector /readyz")
    body = json.dumps({"url": "http://127.0.0.1:%d/taskrouter_event" % s.ingress_port,
                       "signed_url": stack.BASE_URL + "/taskrouter_event"})
    urllib.request.urlopen(fake_api + "/_fake/event_callback", data=body.encode(), timeout=10).read()
    api.add_user(s, api.SUPERVISOR, "supervisor")
    api.add_user(s, api.AGENT, "agent")
    twilio = s.twilio()
    # The agent signs in to Flex's workspace: TaskRouter reports their worker.
    taskrouter(twilio, "worker.activity.update", WorkerSid=WORKER, WorkerName=api.AGENT,
               WorkerActivitySid="WA" + "1" * 32, WorkerActivityName="Available", ResourceSid=WORKER,
               WorkerAttributes=json.dumps({"contact_uri": "client:" + api.AGENT}))
    api.missed_call(twilio, 699, time.time() - 60)  # something on the supervisor's dashboard
    stack.wait_until(lambda: stack.psql(s.dsn, "SELECT count(*) FROM workers") == "1", 30, "the agent's worker")
    shots = os.path.join(s.dir, "screenshots")
    os.makedirs(shots, exist_ok=True)
    drive_browser(s, twilio, fake, shots)
    print("screenshots in", shots)


if __name__ == "__main__":
    sys.exit(stack.run(test))
