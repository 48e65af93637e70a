#!/usr/bin/env python3
"""End to end: Debian's Prometheus scrapes the local stack (both services' platform listeners, with
alerts, the archive and the console on) under a little load, and every query of the Grafana
dashboard (deploy/grafana/dashboards/callstream.json) returns data: its Prometheus queries through
Prometheus's HTTP API, its PostgreSQL ones against the read models. Prometheus loads the alert
rules of deploy/prometheus/alerts.yml, and none of them fires on the healthy stack."""
import json
import os
import random
import sys
import threading
import time
import urllib.parse
import urllib.request

import stack

sys.path.insert(0, os.path.join(stack.SOURCE, "tools/sim"))
import call_center  # noqa: E402

DASHBOARD = os.path.join(stack.SOURCE, "deploy/grafana/dashboards/callstream.json")
RULES = os.path.join(stack.SOURCE, "deploy/prometheus/alerts.yml")
BUCKET, ACCESS_KEY, SECRET_KEY = "callstream-dashboard", "AKIAIOSFODNN7EXAMPLE", "dashboard-test-secret"
# What Grafana puts in a query before sending it: the rate window (four 1 s scrapes and more) and
# the dashboard's range.
GRAFANA_VARIABLES = {"$__rate_interval": "30s", "$__range": "1h"}


def midday_zone():
    """An Etc/GMT zone where it is early afternoon now, so 'today' holds the calls just sent."""
    offset = (14 - time.gmtime().tm_hour + 12) % 24 - 12  # hours east of UTC, in -12..11
    return "Etc/GMT%+d" % -offset if offset else "UTC"  # Etc/GMT-2 is two hours east


def panels():
    for p in json.load(open(DASHBOARD))["panels"]:
        if p["type"] != "row":
            yield p


def prometheus_query(port, expr):
    for name, value in GRAFANA_VARIABLES.items():
        expr = expr.replace(name, value)
    url = "http://127.0.0.1:%d/api/v1/query?%s" % (port, urllib.parse.urlencode({"query": expr}))
    answer = json.load(urllib.request.urlopen(url, timeout=10))
    assert answer["status"] == "success", (expr, answer)
    return answer["data"]["result"]


def start_prometheus(s):
    port = stack.free_port()
    config = os.path.join(s.dir, "prometheus.yml")
    with open(config, "w") as f:
        f.write("""global: {scrape_interval: 1s, evaluation_interval: 1s}
rule_files: [%s]
scrape_configs:
  - job_name: callstream-ingress
    static_configs: [{targets: ["127.0.0.1:%d"]}]
  - job_name: callstream-projector
    static_configs: [{targets: ["127.0.0.1:%d"]}]
""" % (RULES, s.ingress_metrics_port, s.projector_metrics_port))
    s.start("prometheus", ["/usr/bin/prometheus", "--config.file=" + config,
                           "--storage.tsdb.path=" + os.path.join(s.dir, "tsdb"),
                           "--web.listen-address=127.0.0.1:%d" % port], {})
    stack.wait_until(lambda: stack.http_ok(port, "/-/ready"), 30, "Prometheus ready")
    return port


def start_services(s):
    twilio = s.start_fake_twilio()
    s3 = s.start_fake("fake-s3", "fake_s3.py", "--bucket", BUCKET, "--access-key", ACCESS_KEY, "--secret-key", SECRET_KEY)
    slack = s.start_fake("fake-slack", "fake_slack.py")
    s.start_ingress()
    s.start_projector(
        TWILIO_API_BASE_URL="http://127.0.0.1:%d" % twilio, SLACK_WEBHOOK_URL="http://127.0.0.1:%d/services/T0/B0/X" % slack,
        ALERT_SETTLE_SECONDS="1", CALL_CENTER_TIME_ZONE=midday_zone(), ARCHIVE_S3_BUCKET=BUCKET,
        ARCHIVE_S3_ENDPOINT="http://127.0.0.1:%d" % s3, ARCHIVE_S3_PATH_STYLE="true",
        ARCHIVE_S3_ACCESS_KEY_ID=ACCESS_KEY, ARCHIVE_S3_SECRET_ACCESS_KEY=SECRET_KEY, ARCHIVE_TMP_DIR=s.dir)
    stack.wait_until(lambda: stack.http_ok(s.projector_port, "/readyz"), 30, "projector /readyz")
    return "http://127.0.0.1:%d" % twilio


def send_call_center(s, api_base):
    """Two days of a call center, calls of the last hour with their agents, queues and recordings,
    missed calls that alert, and a forged webhook that is refused."""
    rng = random.Random(7)
    twilio = s.twilio()
    events = call_center.call_center(stack.ACCOUNT, rng, days=2, calls_per_day=30, api_base=api_base)
    recent = call_center._Builder(stack.ACCOUNT, rng, api_base)
    for i in range(6):
        call_center._inbound(recent, time.time() - 3000 + i * 300)
    events += [(path, params) for _, _, path, params in sorted(recent.out)]
    for i in range(3):
        events += stack.twilio_sim.call_flow(stack.ACCOUNT, rng, time.time() - 120 + i, outcome="no-answer")
    for path, params in events:
        status, body = twilio.post(path, params)
        assert status in (200, 204), (path, status, body)
    assert twilio.post("/call_status", events[-1][1], signature="AAAA")[0] == 403


def keep_load(s, stop):
    """A status callback every 100 ms, so rates and latencies have something to say."""
    twilio, rng = s.twilio(), random.Random(11)
    while not stop.is_set():
        for path, params in stack.twilio_sim.call_flow(stack.ACCOUNT, rng, time.time() - 5, outcome="completed")[1:]:
            twilio.post(path, params)
            time.sleep(0.1)


def check_prometheus_panels(port):
    missing = {}
    for p in panels():
        for t in p["targets"]:
            if "expr" in t and not prometheus_query(port, t["expr"]):
                missing[p["title"]] = t["expr"]
    return missing


def check_postgres_panels(dsn):
    """As the analysts' read-only role, which Grafana's data source uses (docs/operations.md)."""
    for p in panels():
        for t in p["targets"]:
            if "rawSql" in t:
                rows = stack.psql(dsn, "SET ROLE callstream_analyst; " + t["rawSql"])
                assert rows, "panel %r: its query returned no row:\n%s" % (p["title"], t["rawSql"])


def test(make):
    s = make("e2e_dashboard_queries")
    api_base = start_services(s)
    prometheus = start_prometheus(s)
    send_call_center(s, api_base)
    stop = threading.Event()
    load = threading.Thread(target=keep_load, args=(s, stop), daemon=True)
    load.start()
    try:
        stack.wait_until(lambda: stack.psql(s.dsn, "SELECT count(*) FROM recording_archive") != "0", 60,
                         "a recording archived")
        deadline = time.time() + 90
        while (missing := check_prometheus_panels(prometheus)) and time.time() < deadline:
            time.sleep(2)
        assert not missing, "dashboard panels without data:\n" + "\n".join("%s: %s" % kv for kv in missing.items())
        check_postgres_panels(s.dsn)
    finally:
        stop.set()
        load.join()
    rules = json.load(urllib.request.urlopen("http://127.0.0.1:%d/api/v1/rules" % prometheus, timeout=10))
    loaded = [r["name"] for g in rules["data"]["groups"] for r in g["rules"]]
    assert len(loaded) == open(RULES).read().count("- alert:"), loaded
    firing = [a for a in json.load(urllib.request.urlopen("http://127.0.0.1:%d/api/v1/alerts" % prometheus,
                                                          timeout=10))["data"]["alerts"] if a["state"] == "firing"]
    assert not firing, firing
    print("%d dashboard panels, every query answered; %d alert rules loaded, none firing"
          % (len(list(panels())), len(loaded)))


if __name__ == "__main__":
    raise SystemExit(stack.run(test))
