#!/usr/bin/env python3
"""Writes dashboards/callstream.json, the Grafana dashboard of both services and the call center's
KPIs: edit the panels here, run it, commit both. tests/e2e/test_dashboard_queries.py checks that
every query answers on the local stack."""
import os
import json
PROM = {"type": "prometheus", "uid": "callstream-prometheus"}
PG = {"type": "postgres", "uid": "callstream-postgres"}
# The call center's day and zone, readable by the analysts' role (Grafana's data source user).
TODAY = "(SELECT today FROM analytics.call_center)"
TZ = "(SELECT time_zone FROM analytics.call_center)"
panels, y, pid = [], 0, 1

def row(title):
    global y, pid
    panels.append({"type": "row", "title": title, "id": pid, "collapsed": False,
                   "gridPos": {"h": 1, "w": 24, "x": 0, "y": y}, "panels": []})
    pid += 1; y += 1

x = 0
def panel(title, kind, targets, desc, w=8, h=7, unit=None, ds=PROM, extra=None):
    global x, y, pid
    if x + w > 24:
        x = 0; y += h
    p = {"id": pid, "type": kind, "title": title, "description": desc, "datasource": ds,
         "gridPos": {"h": h, "w": w, "x": x, "y": y}, "targets": targets,
         "fieldConfig": {"defaults": {"unit": unit} if unit else {}, "overrides": []}, "options": {}}
    if extra: p.update(extra)
    panels.append(p)
    pid += 1; x += w
    if x >= 24:
        x = 0; y += h

def prom(expr, legend="", ref="A"):
    return {"refId": ref, "datasource": PROM, "expr": expr, "legendFormat": legend}

def sql(text, fmt="table", ref="A"):
    return {"refId": ref, "datasource": PG, "rawSql": " ".join(text.split()), "format": fmt, "rawQuery": True, "editorMode": "code"}

def endrow():
    global x, y
    if x: x = 0; y += 7

row("Call center today (PostgreSQL: analytics views)")
panel("Calls today", "stat", [sql(f"""SELECT calls AS "calls", answered AS "answered", missed AS "missed", abandoned AS "abandoned"
    FROM analytics.period_kpis({TODAY}, {TODAY})""")],
    "Calls started today in the call center's time zone (analytics.period_kpis, the console's KPI cards).", w=8, h=5)
panel("Service level", "stat", [sql(f"""SELECT service_level_pct AS "service level"
    FROM analytics.period_kpis({TODAY}, {TODAY})""")],
    "Inbound calls answered within SERVICE_LEVEL_SECONDS, in %, today.", w=4, h=5, unit="percent")
panel("Speed of answer and handle time", "stat", [sql(f"""SELECT avg_speed_of_answer_seconds AS "ASA", avg_handle_seconds AS "AHT"
    FROM analytics.period_kpis({TODAY}, {TODAY})""")],
    "ASA: average time to answer; AHT: talk plus wrap-up, of today's answered calls.", w=6, h=5, unit="s")
panel("Alerts sent today", "stat", [prom('sum(increase(callstream_alerts_sent_total[24h]))', "sent")],
    "Slack and WhatsApp alerts delivered (missed calls, voicemails, failures).", w=6, h=5)
endrow(); y += 0
panel("Calls per day, last 30 days", "timeseries", [sql(f"""SELECT (day::timestamp AT TIME ZONE {TZ}) AS time,
    sum(calls) AS calls, sum(answered) AS answered, sum(missed) AS missed
    FROM analytics.calls_daily WHERE day > {TODAY} - 30 GROUP BY day ORDER BY day""", "time_series")],
    "Calls started per local day, both directions.", w=12)
panel("Service level per day", "timeseries", [sql(f"""SELECT (day::timestamp AT TIME ZONE {TZ}) AS time,
    service_level_pct AS "service level" FROM analytics.calls_daily
    WHERE direction = 'inbound' AND day > {TODAY} - 30 ORDER BY day""", "time_series")],
    "Inbound calls answered within the threshold, in %, per local day.", w=12, unit="percent")
panel("Agents today", "table", [sql(f"""SELECT agent, calls_handled AS calls, avg_talk_seconds AS "avg talk (s)",
    avg_wrapup_seconds AS "avg wrap-up (s)", avg_handle_seconds AS "AHT (s)"
    FROM analytics.agents_daily WHERE day = {TODAY} ORDER BY calls_handled DESC""")],
    "Calls each agent handled today, with their talk, wrap-up and handle times.", w=12, h=8)
panel("Queues today", "table", [sql(f"""SELECT queue, offered, answered, abandoned, service_level_pct AS "service level %"
    FROM analytics.queues_daily WHERE day = {TODAY} ORDER BY offered DESC""")],
    "Per TaskRouter queue: calls offered, answered and abandoned today.", w=12, h=8)
x = 0; y += 8

row("Ingress")
panel("Requests by route", "timeseries", [prom('sum by (route) (rate(callstream_ingress_requests_total[$__rate_interval]))', "{{route}}")],
    "Webhooks and operator requests per second.", unit="reqps")
panel("Share of 5xx answers", "timeseries", [prom('(sum(rate(callstream_ingress_requests_total{status=~"5.."}[$__rate_interval])) or vector(0)) / sum(rate(callstream_ingress_requests_total[$__rate_interval]))', "5xx")],
    "503: Kafka did not persist in time (Twilio retries). Alerts: CallstreamIngressErrors, CallstreamIngressNotPersisting.", unit="percentunit")
panel("Kafka delivery (what a status callback waits)", "timeseries", [
    prom('histogram_quantile(0.5, sum by (le) (rate(callstream_ingress_publish_seconds_bucket[$__rate_interval])))', "p50", "A"),
    prom('histogram_quantile(0.99, sum by (le) (rate(callstream_ingress_publish_seconds_bucket[$__rate_interval])))', "p99", "B")],
    "From enqueue to Kafka's delivery report; a status callback is answered then. Alert: CallstreamStatusCallbacksSlow.", unit="s")
panel("Refused webhooks", "timeseries", [prom('sum by (reason) (rate(callstream_ingress_rejected_total[$__rate_interval]))', "{{reason}}")],
    "Missing or bad signatures, unknown accounts, malformed requests.", unit="reqps")
panel("Connections", "timeseries", [
    prom('sum(callstream_http_connections{job="callstream-ingress"})', "open", "A"),
    prom('sum(rate(callstream_http_connections_shed_total{job="callstream-ingress"}[$__rate_interval]))', "shed /s", "B")],
    "Open connections, and idle ones shed at HTTP_MAX_CONNECTIONS. Alert: CallstreamConnectionFlood.")
panel("Kafka producer queue", "timeseries", [prom('sum by (instance) (callstream_ingress_producer_queue_depth)', "{{instance}}")],
    "Messages waiting for Kafka in each ingress.")

row("Projector")
panel("Events applied", "timeseries", [prom('sum(rate(callstream_projector_events_applied_total[$__rate_interval]))', "events/s")],
    "Events applied to the read models per second, all instances.", unit="ops")
panel("Lag per partition", "timeseries", [prom('max by (topic, partition) (callstream_projector_partition_lag_events)', "{{topic}}/{{partition}}")],
    "Events not yet applied. Alerts: CallstreamProjectorLagging, CallstreamProjectorLagGrowing.")
panel("Freshness (received by the ingress to committed)", "timeseries", [
    prom('histogram_quantile(0.99, sum by (le) (rate(callstream_projector_event_to_commit_seconds_bucket[$__rate_interval])))', "p99")],
    "How late the console, the alerts and the analysts see an event.", unit="s")
panel("Batch time", "timeseries", [prom('histogram_quantile(0.99, sum by (le) (rate(callstream_projector_batch_seconds_bucket[$__rate_interval])))', "p99")],
    "One partition batch applied in one PostgreSQL transaction.", unit="s")
panel("Dead letters and PostgreSQL errors", "timeseries", [
    prom('sum(callstream_projector_dead_letters_total)', "dead letters (total)", "A"),
    prom('sum(rate(callstream_projector_pg_errors_total[$__rate_interval]))', "PostgreSQL errors /s", "B")],
    "Alerts: CallstreamDeadLetters, CallstreamPostgresUnreachable.")
panel("Console live views", "timeseries", [prom('sum(callstream_console_streams)', "open streams")],
    "Dashboards and softphones following the live view.")

row("Alerts and archive")
panel("Alerts sent", "timeseries", [prom('sum by (channel) (rate(callstream_alerts_sent_total[$__rate_interval]))', "{{channel}}")],
    "Alerts delivered per channel. Alert: CallstreamAlertsDead.", unit="ops")
panel("Alert outbox", "timeseries", [prom('max(callstream_alerts_outbox_pending)', "waiting")],
    "Alerts waiting to be sent. Alert: CallstreamAlertOutboxBacklog.")
panel("Recordings archived", "timeseries", [prom('sum by (outcome) (increase(callstream_archive_recordings_total[$__range]))', "{{outcome}}")],
    "Recordings copied to S3 (and deleted at Twilio) in the dashboard's range. Alert: CallstreamArchiveFailures.")

dash = {"uid": "callstream", "title": "callstream", "tags": ["callstream"], "timezone": "browser",
        "schemaVersion": 39, "version": 1, "refresh": "10s", "time": {"from": "now-1h", "to": "now"},
        "editable": False, "panels": panels, "templating": {"list": []}, "annotations": {"list": []},
        "description": "Both services and the call center's KPIs (docs/operations.md, Monitoring)."}
json.dump(dash, open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "dashboards/callstream.json"), "w"), indent=2)
print(len([p for p in panels if p["type"] != "row"]), "panels")
