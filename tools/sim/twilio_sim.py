#!/usr/bin/env python3
"""Twilio simulator: sends webhooks signed exactly as Twilio signs them.

Signatures come from Twilio's own Python SDK (Debian's python3-twilio), so the ingress is checked
against an independent implementation. Used by scripts/up, the end-to-end tests, and by hand:

    tools/sim/twilio_sim.py --url http://127.0.0.1:8080 --base-url https://calls.example.com \
        --token $TWILIO_AUTH_TOKEN --account $TWILIO_ACCOUNT_SID call-flows --calls 3
"""
import argparse
import email.utils
import http.client
import random
import sys
import time
import urllib.parse

from twilio.request_validator import RequestValidator

TERMINAL = ["completed", "busy", "no-answer", "failed", "canceled"]


def sid(prefix, rng):
    return prefix + "".join(rng.choice("0123456789abcdef") for _ in range(32))


class Twilio:
    """Posts signed form webhooks over one keep-alive connection."""

    def __init__(self, url, base_url, token):
        parsed = urllib.parse.urlsplit(url)
        self.https = parsed.scheme == "https"  # a deployed ingress, behind TLS
        self.host, self.port = parsed.hostname, parsed.port or (443 if self.https else 80)
        self.base_url = base_url.rstrip("/")
        self.validator = RequestValidator(token)
        self.conn = None

    def post(self, path, params, signature=None):
        body = urllib.parse.urlencode(params)
        sig = signature if signature is not None else self.validator.compute_signature(self.base_url + path, params)
        headers = {"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8", "User-Agent": "TwilioProxy/1.1"}
        if sig:
            headers["X-Twilio-Signature"] = sig
        for attempt in range(2):
            if self.conn is None:
                connection = http.client.HTTPSConnection if self.https else http.client.HTTPConnection
                self.conn = connection(self.host, self.port, timeout=30)
            try:
                self.conn.request("POST", path, body=body, headers=headers)
                resp = self.conn.getresponse()
                data = resp.read()
                return resp.status, data
            except (ConnectionError, http.client.HTTPException):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        raise RuntimeError("unreachable")


def call_flow(account, rng, start, outcome=None):
    """The webhooks of one inbound call, in the order Twilio fires them: (path, params)."""
    call_sid = sid("CA", rng)
    base = {
        "AccountSid": account, "CallSid": call_sid, "ApiVersion": "2010-04-01", "Direction": "inbound",
        "From": "+1305555%04d" % rng.randrange(10000), "To": "+18005551212",
        "Caller": "", "Called": "+18005551212", "CallbackSource": "call-progress-events",
    }
    base["Caller"] = base["From"]
    outcome = outcome or rng.choice(["completed"] * 6 + TERMINAL)
    steps = ["initiated", "ringing"] + (["in-progress", "completed"] if outcome == "completed" else [outcome])
    t = int(start)
    voice = {k: v for k, v in base.items() if k != "CallbackSource"}
    voice.update(CallStatus="ringing", FromCity="MIAMI", FromState="FL", FromCountry="US")
    events = [("/voice", voice)]
    answered = None
    for seq, status in enumerate(steps):
        if status == "completed":  # a talk of its own length; CallDuration is answer to end
            t = answered + rng.randrange(5, 600)
        p = dict(base, CallStatus=status, SequenceNumber=str(seq),
                 Timestamp=email.utils.formatdate(t, usegmt=False).replace("-0000", "+0000"))
        if status == "in-progress":
            answered = t
        if status in TERMINAL:
            p["CallDuration"] = str(t - answered) if status == "completed" else "0"
            p["SipResponseCode"] = "200" if status == "completed" else "487"
        events.append(("/call_status", p))
        t += rng.randrange(1, 30)
    return events


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", required=True, help="where the ingress listens, e.g. http://127.0.0.1:8080")
    ap.add_argument("--base-url", required=True, help="the ingress BASE_URL (what Twilio signs)")
    ap.add_argument("--token", required=True, help="TWILIO_AUTH_TOKEN")
    ap.add_argument("--account", required=True, help="TWILIO_ACCOUNT_SID")
    ap.add_argument("--seed", type=int, default=None)
    sub = ap.add_subparsers(dest="command", required=True)
    flows = sub.add_parser("call-flows", help="send the webhooks of N inbound calls (/voice, then status callbacks)")
    flows.add_argument("--calls", type=int, default=3)
    flows.add_argument("--shuffle", action="store_true", help="deliver callbacks out of order")
    flows.add_argument("--duplicates", action="store_true", help="send every callback twice (Twilio retries)")
    flows.add_argument("--event-streams", metavar="USER:PASSWORD",
                       help="send the status callbacks through Event Streams (POST /events/twilio, in one batch) "
                            "instead of as webhooks; /voice stays a webhook")
    sample = sub.add_parser("sample-data", help="send weeks of a believable call center (tools/sim/call_center.py)")
    sample.add_argument("--days", type=int, default=21)
    sample.add_argument("--calls-per-day", type=int, default=40)
    sample.add_argument("--tz-offset-hours", type=int, default=0, help="the call center's UTC offset (working hours)")
    sample.add_argument("--api-base", default="https://api.twilio.com",
                        help="where the recordings' RecordingUrl points (TWILIO_API_BASE_URL)")
    voice = sub.add_parser("voice", help="send one incoming call to /voice and print the TwiML answered")
    voice.add_argument("--from", dest="caller", default="+13055550123")
    voice.add_argument("--to", default="+18005551212")
    args = ap.parse_args()

    rng = random.Random(args.seed)
    twilio = Twilio(args.url, args.base_url, args.token)
    if args.command == "voice":
        p = {"AccountSid": args.account, "CallSid": sid("CA", rng), "ApiVersion": "2010-04-01",
             "Direction": "inbound", "CallStatus": "ringing", "From": args.caller, "To": args.to,
             "Caller": args.caller, "Called": args.to}
        status, body = twilio.post("/voice", p)
        print(body.decode(errors="replace"))
        return 0 if status == 200 else 1
    if args.command == "sample-data":
        import call_center
        events = call_center.call_center(args.account, rng, args.days, time.time(), args.calls_per_day,
                                         args.tz_offset_hours, args.api_base)
        return send(twilio, events, "sample data of %d days" % args.days)
    events = []
    start = time.time() - 300  # recent: alerts ignore facts older than ALERT_MAX_AGE_SECONDS
    for i in range(args.calls):
        events.extend(call_flow(args.account, rng, start + i * 7))
    if args.duplicates:
        events = events + events
    if args.shuffle:
        rng.shuffle(events)
    if args.event_streams:
        return send_streamed(twilio, args.url, args.event_streams, events, rng, "%d calls" % args.calls)
    return send(twilio, events, "%d calls" % args.calls)


def send(twilio, events, what):
    counts = {}
    for path, p in events:
        status, body = twilio.post(path, p)
        counts[status] = counts.get(status, 0) + 1
        if status >= 300:
            print("HTTP %d for %s %s: %s" % (status, path, p.get("CallSid") or p.get("TaskSid") or p.get("WorkerSid"),
                                            body.decode(errors="replace")), file=sys.stderr)
    print("sent %d webhooks for %s: %s" % (
        len(events), what, ", ".join("%d x HTTP %d" % (n, s) for s, n in sorted(counts.items()))))
    return 0 if set(counts) <= {200, 204} else 1


def send_streamed(twilio, url, credentials, events, rng, what):
    """The webhooks that need an answer as webhooks, the rest as one Event Streams batch."""
    import eventstreams
    streamed = [e for path, p in events if (e := eventstreams.event_of(path, p, rng))]
    code = send(twilio, [(path, p) for path, p in events if eventstreams.event_of(path, p, rng) is None], what)
    user, _, password = credentials.partition(":")
    status, body = eventstreams.Sink(url, user, password).post(streamed)
    print("sent %d Event Streams events for %s: HTTP %d %s" % (len(streamed), what, status,
                                                               body.decode(errors="replace")))
    return code if status == 204 else 1


if __name__ == "__main__":
    sys.exit(main())
