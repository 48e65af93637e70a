-- The analysts' interface: stable views in the "analytics" schema (docs/analytics.md defines each
-- KPI) and a read-only role. The views join the read models at query time, so facts that arrive
-- on different topics in any order meet here. Days and hours are in the call center's time zone
-- (callstream_settings.time_zone, from CALL_CENTER_TIME_ZONE).
CREATE SCHEMA analytics;

-- One row per call (child legs of a <Dial>, direction outbound-dial, are part of their parent).
CREATE VIEW analytics.call_facts AS
SELECT c.call_sid,
       c.direction,
       c.from_number,
       c.to_number,
       c.status,
       c.answered_by,
       start.at AS started_at,
       (start.at AT TIME ZONE s.tz)::date AS day,
       extract(hour FROM start.at AT TIME ZONE s.tz)::integer AS hour,
       t.task_sid,
       t.queue_name AS queue,
       coalesce(t.worker_name, dial.agent) AS agent,
       rec.recording_sid,
       rec.url AS recording_url,
       agent.at AS agent_answered_at,
       agent.at IS NOT NULL AS answered,
       c.direction = 'inbound' AND agent.at IS NULL AS missed,
       c.direction = 'inbound' AND agent.at IS NULL
         AND (queue_left.hangup OR t.canceled_reason ILIKE '%hangup%' OR t.canceled_reason ILIKE '%abandon%')
         AS abandoned,
       c.duration_seconds,
       extract(epoch FROM c.answered_at - c.ringing_at)::numeric AS ring_seconds,
       extract(epoch FROM agent.at - coalesce(t.created_at, start.at))::numeric AS answer_seconds,
       extract(epoch FROM c.ended_at - agent.at)::numeric AS talk_seconds,
       extract(epoch FROM t.completed_at - t.wrapup_at)::numeric AS wrapup_seconds,
       s.sl AS service_level_threshold_seconds,
       agent.at IS NOT NULL
         AND agent.at - coalesce(t.created_at, start.at) <= s.sl * interval '1 second'
         AS answered_within_threshold
FROM calls c
CROSS JOIN (SELECT coalesce(max(value) FILTER (WHERE key = 'time_zone'), 'UTC') AS tz,
                   coalesce(max(value) FILTER (WHERE key = 'service_level_seconds'), '60')::integer AS sl
            FROM callstream_settings) s
CROSS JOIN LATERAL (SELECT coalesce(c.initiated_at, c.ringing_at, c.first_event_at) AS at) start
LEFT JOIN LATERAL (SELECT * FROM tasks
                   WHERE tasks.call_sid = c.call_sid
                   ORDER BY tasks.created_at NULLS LAST, tasks.task_sid LIMIT 1) t ON true
LEFT JOIN LATERAL (SELECT recording_sid, url FROM recordings
                   WHERE recordings.call_sid = c.call_sid
                   ORDER BY recordings.source = 'RecordVerb', recordings.first_event_at LIMIT 1) rec ON true
LEFT JOIN LATERAL (
  SELECT min(e.event_time - (e.data->'params'->>'DialCallDuration')::integer * interval '1 second') AS at,
         min(regexp_replace(replace(replace(substring(e.data->>'query' from 'target=([^&]*)'),
                                            '%3A', ':'), '%2B', '+'), '^client:', '')) AS agent
  FROM call_events e
  WHERE e.call_sid = c.call_sid
    AND e.event_type = 'io.callstream.voice.dial.completed'
    AND e.data->'params'->>'DialCallStatus' IN ('completed', 'answered')
    AND e.data->'params'->>'DialCallDuration' ~ '^[0-9]{1,9}$') dial ON true
LEFT JOIN LATERAL (
  SELECT bool_or(e.data->'params'->>'QueueResult' = 'hangup') AS hangup
  FROM call_events e
  WHERE e.call_sid = c.call_sid AND e.event_type = 'io.callstream.voice.queue.left') queue_left ON true
CROSS JOIN LATERAL (
  SELECT CASE WHEN c.direction = 'inbound' THEN coalesce(t.accepted_at, dial.at)
              WHEN coalesce(c.answered_by, 'human') IN ('human', 'unknown') THEN c.answered_at
         END AS at) agent
WHERE c.direction IS DISTINCT FROM 'outbound-dial';

-- The KPIs of a set of calls, shared by the daily, hourly, agent and queue views.
CREATE VIEW analytics.calls_daily AS
SELECT day, direction,
       count(*) AS calls,
       count(*) FILTER (WHERE answered) AS answered,
       count(*) FILTER (WHERE missed) AS missed,
       count(*) FILTER (WHERE abandoned) AS abandoned,
       round(avg(duration_seconds), 1) AS avg_duration_seconds,
       round(avg(answer_seconds) FILTER (WHERE answered), 1) AS avg_speed_of_answer_seconds,
       round(avg(coalesce(talk_seconds, 0) + coalesce(wrapup_seconds, 0)) FILTER (WHERE answered), 1)
         AS avg_handle_seconds,
       CASE WHEN direction = 'inbound'
            THEN round(100.0 * count(*) FILTER (WHERE answered_within_threshold) / count(*), 1)
       END AS service_level_pct
FROM analytics.call_facts
GROUP BY day, direction;

CREATE VIEW analytics.calls_hourly AS
SELECT day, hour, direction,
       count(*) AS calls,
       count(*) FILTER (WHERE answered) AS answered,
       count(*) FILTER (WHERE missed) AS missed,
       count(*) FILTER (WHERE abandoned) AS abandoned,
       round(avg(duration_seconds), 1) AS avg_duration_seconds,
       round(avg(answer_seconds) FILTER (WHERE answered), 1) AS avg_speed_of_answer_seconds,
       round(avg(coalesce(talk_seconds, 0) + coalesce(wrapup_seconds, 0)) FILTER (WHERE answered), 1)
         AS avg_handle_seconds,
       CASE WHEN direction = 'inbound'
            THEN round(100.0 * count(*) FILTER (WHERE answered_within_threshold) / count(*), 1)
       END AS service_level_pct
FROM analytics.call_facts
GROUP BY day, hour, direction;

CREATE VIEW analytics.agents_daily AS
SELECT day, agent,
       count(*) AS calls_handled,
       round(sum(coalesce(talk_seconds, 0)), 1) AS talk_seconds,
       round(avg(talk_seconds), 1) AS avg_talk_seconds,
       round(avg(wrapup_seconds), 1) AS avg_wrapup_seconds,
       round(avg(coalesce(talk_seconds, 0) + coalesce(wrapup_seconds, 0)), 1) AS avg_handle_seconds,
       round(avg(answer_seconds), 1) AS avg_speed_of_answer_seconds
FROM analytics.call_facts
WHERE answered AND agent IS NOT NULL
GROUP BY day, agent;

CREATE VIEW analytics.queues_daily AS
SELECT day, queue,
       count(*) AS offered,
       count(*) FILTER (WHERE answered) AS answered,
       count(*) FILTER (WHERE abandoned) AS abandoned,
       round(avg(answer_seconds) FILTER (WHERE answered), 1) AS avg_speed_of_answer_seconds,
       round(avg(coalesce(talk_seconds, 0) + coalesce(wrapup_seconds, 0)) FILTER (WHERE answered), 1)
         AS avg_handle_seconds,
       round(100.0 * count(*) FILTER (WHERE answered_within_threshold) / count(*), 1) AS service_level_pct
FROM analytics.call_facts
WHERE queue IS NOT NULL
GROUP BY day, queue;

-- Time each agent spent in each activity (Available, Busy, Break...), by local day of its start.
CREATE VIEW analytics.agent_activity_daily AS
SELECT (a.started_at AT TIME ZONE s.tz)::date AS day,
       coalesce(a.worker_name, a.worker_sid) AS agent,
       a.activity_name AS activity,
       round(sum(a.seconds), 1) AS seconds
FROM worker_activity a
CROSS JOIN (SELECT coalesce(max(value) FILTER (WHERE key = 'time_zone'), 'UTC') AS tz
            FROM callstream_settings) s
GROUP BY 1, 2, 3;

CREATE VIEW analytics.recordings AS
SELECT r.recording_sid, r.call_sid, r.status, r.source, r.channels, r.duration_seconds,
       r.url, r.started_at, r.error_code
FROM recordings r;

-- Read-only role for analysts: the analytics views and nothing else. Creating a role needs the
-- CREATEROLE privilege; without it a notice says what a DBA must run.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'callstream_analyst') THEN
    BEGIN
      CREATE ROLE callstream_analyst NOLOGIN;
    EXCEPTION WHEN insufficient_privilege THEN
      RAISE NOTICE 'callstream_analyst not created (no CREATEROLE): run CREATE ROLE callstream_analyst NOLOGIN; GRANT USAGE ON SCHEMA analytics TO callstream_analyst; GRANT SELECT ON ALL TABLES IN SCHEMA analytics TO callstream_analyst;';
      RETURN;
    END;
  END IF;
  GRANT USAGE ON SCHEMA analytics TO callstream_analyst;
  GRANT SELECT ON ALL TABLES IN SCHEMA analytics TO callstream_analyst;
END
$$;
