"""A call center's weeks, as Twilio would have sent them: sample data a supervisor can believe.

Inbound calls through TaskRouter queues to named agents (answered, abandoned in the queue, sent
to voicemail after the queue's timeout), outbound calls, dual-channel recordings and voicemails,
the agents' activity changes, and a few callers waiting right now. Every call's times agree
with each other: a completed call's CallDuration is its answer-to-end time, a task is accepted
after it was created and completed after its wrap-up, a recording lasts the talk. Calls follow
the working day (more at 10:00 and 15:00, few at night and on weekends) in the call center's
zone, so the trends have a shape.

    flows = call_center(account, random.Random(7), days=21, now=time.time(), tz_offset_hours=-5)
    for path, params in flows: twilio.post(path, params)
"""
import email.utils
import json
import math

AGENTS = ["alice", "bob", "carol", "dave", "erin"]
QUEUES = [("Support", 0.55), ("Sales", 0.3), ("Billing", 0.15)]
AREA = ["305", "786", "512", "212", "646", "415", "312"]
CITIES = {"305": ("MIAMI", "FL"), "786": ("MIAMI", "FL"), "512": ("AUSTIN", "TX"), "212": ("NEW YORK", "NY"),
          "646": ("NEW YORK", "NY"), "415": ("SAN FRANCISCO", "CA"), "312": ("CHICAGO", "IL")}
WORKSPACE = "WS" + "c" * 32
NUMBER = "+18005551212"


def _sid(prefix, rng):
    return prefix + "".join(rng.choice("0123456789abcdef") for _ in range(32))


def _rfc2822(t):
    return email.utils.formatdate(int(t), usegmt=False).replace("-0000", "+0000")


def _hour_weight(local_hour, weekday):
    """Calls per hour of the day: two humps in working hours, a trickle at night and weekends."""
    day = math.exp(-((local_hour - 10.5) ** 2) / 6) + 0.8 * math.exp(-((local_hour - 15) ** 2) / 5)
    return (0.03 + day) * (0.35 if weekday >= 5 else 1.0)


class _Builder:
    def __init__(self, account, rng, api_base="https://api.twilio.com"):
        self.account, self.rng, self.out, self.api_base = account, rng, [], api_base

    def add(self, t, path, params):
        self.out.append((t, len(self.out), path, params))

    def caller(self):
        area = self.rng.choice(AREA)
        return "+1%s555%04d" % (area, self.rng.randrange(10000)), CITIES[area]

    def call_base(self, call, frm, to, direction):
        return {"AccountSid": self.account, "CallSid": call, "ApiVersion": "2010-04-01", "Direction": direction,
                "From": frm, "To": to, "Caller": frm, "Called": to}

    def statuses(self, base, times):
        """[(status, t)] in order; the terminal one gets CallDuration from the answer."""
        answered = dict(times).get("in-progress")
        for seq, (status, t) in enumerate(times):
            p = dict(base, CallStatus=status, SequenceNumber=str(seq), Timestamp=_rfc2822(t),
                     CallbackSource="call-progress-events")
            if status in ("completed", "busy", "no-answer", "failed", "canceled"):
                p["CallDuration"] = str(int(t) - int(answered)) if answered and status == "completed" else "0"
            self.add(t, "/call_status", p)

    def task(self, call, frm, queue, t, events):
        """events: [(EventType, status, t, agent or None, extra)]"""
        task = _sid("WT", self.rng)
        attrs = json.dumps({"call_sid": call, "from": frm, "type": "inbound"})
        for event_type, status, at, agent, extra in events:
            p = {"AccountSid": self.account, "WorkspaceSid": WORKSPACE, "EventType": event_type, "TaskSid": task,
                 "TaskAssignmentStatus": status, "TaskQueueSid": "WQ" + queue.lower().ljust(32, "0")[:32],
                 "TaskQueueName": queue, "TaskAttributes": attrs, "Sid": _sid("EV", self.rng),
                 "TimestampMs": str(int(at * 1000))}
            if agent:
                p.update(WorkerSid=worker_sid(agent), WorkerName=agent, ReservationSid="WR" + task[2:])
            p.update(extra)
            self.add(at, "/taskrouter_event", p)

    def recording(self, call, start, seconds, source, channels):
        rec = _sid("RE", self.rng)
        p = {"AccountSid": self.account, "CallSid": call, "RecordingSid": rec, "RecordingSource": source,
             "RecordingChannels": str(channels), "RecordingStartTime": _rfc2822(start),
             "RecordingUrl": "%s/2010-04-01/Accounts/%s/Recordings/%s" % (self.api_base, self.account, rec)}
        self.add(start, "/recording_status", dict(p, RecordingStatus="in-progress"))
        self.add(start + seconds + 1, "/recording_status",
                 dict(p, RecordingStatus="completed", RecordingDuration=str(int(seconds))))


def worker_sid(agent):
    return "WK" + agent.encode().hex().ljust(32, "0")[:32]


def _inbound(b, start):
    rng = b.rng
    call = _sid("CA", rng)
    frm, (city, state) = b.caller()
    queue = rng.choices([q for q, _ in QUEUES], [w for _, w in QUEUES])[0]
    base = b.call_base(call, frm, NUMBER, "inbound")
    b.add(start, "/voice", dict(base, CallStatus="ringing", FromCity=city, FromState=state, FromCountry="US"))
    answered = start + 1  # the IVR answers; the caller then waits in the queue
    created = answered + rng.randrange(3, 12)
    wait = rng.choice([rng.randrange(2, 20)] * 5 + [rng.randrange(20, 90), rng.randrange(60, 240)])
    fate = rng.choices(["answered", "abandoned", "voicemail"], [0.78, 0.14, 0.08])[0]
    if fate == "answered":
        agent = rng.choice(AGENTS)
        accepted = created + wait
        talk = rng.randrange(40, 420)
        ended = accepted + 3 + talk
        wrapup = ended + 1
        b.task(call, frm, queue, created, [
            ("task.created", "pending", created, None, {}),
            ("reservation.created", "reserved", accepted - 3, agent, {}),
            ("reservation.accepted", "assigned", accepted, agent, {}),
            ("task.wrapup", "wrapping", wrapup, agent, {}),
            ("task.completed", "completed", wrapup + rng.randrange(10, 90), agent,
             {"TaskCompletedReason": "Task completed"})])
        b.recording(call, accepted + 3, talk, "DialVerb", 2)
    elif fate == "abandoned":
        ended = created + wait
        b.task(call, frm, queue, created, [
            ("task.created", "pending", created, None, {}),
            ("task.canceled", "canceled", ended, None, {"TaskCanceledReason": "Task canceled on hangup"})])
    else:  # the queue's timeout: the caller leaves a message
        timeout = created + 120
        message = rng.randrange(8, 45)
        ended = timeout + 4 + message
        b.task(call, frm, queue, created, [
            ("task.created", "pending", created, None, {}),
            ("task.canceled", "canceled", timeout, None, {"TaskCanceledReason": "Task TTL Exceeded"})])
        b.recording(call, timeout + 4, message, "RecordVerb", 1)
    b.statuses(base, [("initiated", start - 1), ("ringing", start), ("in-progress", answered), ("completed", ended)])


def _outbound(b, start):
    rng = b.rng
    call = _sid("CA", rng)
    to, _ = b.caller()
    base = b.call_base(call, "+13055550100", to, "outbound-api")
    if rng.random() < 0.7:
        answered = start + rng.randrange(4, 25)
        ended = answered + rng.randrange(30, 300)
        b.statuses(base, [("initiated", start), ("ringing", start + 1), ("in-progress", answered), ("completed", ended)])
        b.recording(call, answered, ended - answered, "OutboundAPI", 2)
    else:
        b.statuses(base, [("initiated", start), ("ringing", start + 1), ("no-answer", start + 31)])


def _activity(b, agent, t, name, previous, seconds):
    b.add(t, "/taskrouter_event", {
        "AccountSid": b.account, "WorkspaceSid": WORKSPACE, "EventType": "worker.activity.update",
        "WorkerSid": worker_sid(agent), "WorkerName": agent, "WorkerActivityName": name,
        "WorkerPreviousActivityName": previous, "WorkerTimeInPreviousActivityMs": str(int(seconds * 1000)),
        "WorkerAttributes": json.dumps({"contact_uri": "client:" + agent}),
        "Sid": _sid("EV", b.rng), "TimestampMs": str(int(t * 1000))})


def _waiting_now(b, now):
    """Two callers in the Support queue at this moment, one for over a minute."""
    for wait in (75, 12):
        call = _sid("CA", b.rng)
        frm, (city, state) = b.caller()
        base = b.call_base(call, frm, NUMBER, "inbound")
        start = now - wait - 5
        b.add(start, "/voice", dict(base, CallStatus="ringing", FromCity=city, FromState=state, FromCountry="US"))
        b.statuses(base, [("initiated", start - 1), ("ringing", start), ("in-progress", start + 1)])
        b.task(call, frm, "Support", now - wait, [("task.created", "pending", now - wait, None, {})])


def call_center(account, rng, days=21, now=None, calls_per_day=40, tz_offset_hours=0,
                api_base="https://api.twilio.com"):
    """Every webhook of `days` days up to `now`, in time order: [(path, params)]. Recordings are
    at `api_base` (Twilio's REST API, or a fake of it)."""
    import time as _time
    now = int(now or _time.time())
    b = _Builder(account, rng, api_base)
    hour = 3600
    first = now - days * 86400
    weights = []
    for h in range(days * 24):
        t = first + h * hour
        local = _time.gmtime(t + tz_offset_hours * hour)
        weights.append(_hour_weight(local.tm_hour, local.tm_wday))
    scale = calls_per_day * days / sum(weights)
    for h, w in enumerate(weights):
        for _ in range(int(w * scale + rng.random())):
            start = first + h * hour + rng.randrange(hour)
            if start > now - 900:  # every sample call has ended
                continue
            (_outbound if rng.random() < 0.12 else _inbound)(b, start)
    for agent, (name, since) in zip(AGENTS, [("Available", 900), ("Busy", 240), ("Break", 600),
                                             ("Available", 120), ("Offline", 3600)]):
        _activity(b, agent, now - since - 3600, "Available", "Offline", 8 * 3600)
        _activity(b, agent, now - since, name, "Available", 3600)
    _waiting_now(b, now)
    return [(path, params) for _, _, path, params in sorted(b.out)]
