-- The KPIs kept as the facts arrive, so the console and analysts read them in milliseconds
-- whatever the history's length (docs/analytics.md, "How the KPIs are kept").
--
-- * call_fact_rows: analytics.call_facts materialized, one row per call. The definition moves
--   into callstream_call_facts(sids), and each batch's transaction refreshes the calls it
--   touched (callstream_refresh_call_facts), so the table is exactly as fresh as the read
--   models. analytics.call_facts now reads the table: same columns, same values.
-- * kpi_hourly, kpi_agents_daily: what each call adds to its hour (by direction and queue) and,
--   answered, to its agent's day, as sums and counts. A refresh appends the difference between
--   a call's new and old contributions (no row is updated in place, so batches applied at once
--   never wait on each other); callstream_compact_kpis folds the appended rows of a bucket
--   into one. The KPI views sum them: a month is a few thousand rows.
--
-- The functions name their tables unqualified, so a rebuild's shadow schema (search_path
-- callstream_rebuild,public) keeps its own.

CREATE TABLE call_fact_rows AS SELECT * FROM analytics.call_facts WITH NO DATA;
ALTER TABLE call_fact_rows ADD PRIMARY KEY (call_sid);
ALTER TABLE call_fact_rows SET (fillfactor = 80);  -- room for the updates in place (HOT)
CREATE INDEX call_fact_rows_started ON call_fact_rows (started_at, call_sid);
CREATE INDEX call_fact_rows_agent ON call_fact_rows (agent, started_at);

-- analytics.call_facts as it was defined (003_analytics.sql), for the calls named.
-- Its columns are call_fact_rows' (spelled out: a rebuild swaps that table, and a function
-- returning its row type would go with the old one).
CREATE FUNCTION callstream_call_facts(sids text[])
RETURNS TABLE (call_sid text, direction text, from_number text, to_number text, status text,
               answered_by text, started_at timestamptz, day date, hour integer, task_sid text,
               queue text, agent text, recording_sid text, recording_url text,
               agent_answered_at timestamptz, answered boolean, missed boolean, abandoned boolean,
               duration_seconds integer, ring_seconds numeric, answer_seconds numeric,
               talk_seconds numeric, wrapup_seconds numeric, service_level_threshold_seconds integer,
               answered_within_threshold boolean)
LANGUAGE sql STABLE AS $$
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
WHERE c.direction IS DISTINCT FROM 'outbound-dial' AND c.call_sid = ANY(sids)
$$;

CREATE TABLE kpi_hourly (
  day        date,
  hour       integer,
  direction  text,
  queue      text,
  calls      bigint NOT NULL,
  answered   bigint NOT NULL,
  missed     bigint NOT NULL,
  abandoned  bigint NOT NULL,
  duration_sum numeric NOT NULL, duration_n bigint NOT NULL,  -- duration_seconds
  answer_sum   numeric NOT NULL, answer_n   bigint NOT NULL,  -- answer_seconds of answered calls
  handle_sum   numeric NOT NULL,                              -- talk + wrap-up of answered calls
  within_threshold bigint NOT NULL,
  compacted  boolean NOT NULL DEFAULT false
);
CREATE INDEX kpi_hourly_day ON kpi_hourly (day);
CREATE INDEX kpi_hourly_fresh ON kpi_hourly (day) WHERE NOT compacted;

CREATE TABLE kpi_agents_daily (
  day        date,
  agent      text NOT NULL,
  calls_handled bigint NOT NULL,
  talk_total   numeric NOT NULL,                              -- talk_seconds, missing as 0
  talk_sum     numeric NOT NULL, talk_n   bigint NOT NULL,
  wrapup_sum   numeric NOT NULL, wrapup_n bigint NOT NULL,
  handle_sum   numeric NOT NULL,
  answer_sum   numeric NOT NULL, answer_n bigint NOT NULL,
  compacted  boolean NOT NULL DEFAULT false
);
CREATE INDEX kpi_agents_daily_day ON kpi_agents_daily (day);
CREATE INDEX kpi_agents_daily_fresh ON kpi_agents_daily (day) WHERE NOT compacted;

-- Recomputes the facts of these calls (NULL: every call, from scratch) and appends the change
-- of each call's contribution to the KPI rollups. Runs in the projector's batch transaction.
--
-- A call's facts come from several tables that batches of other topics write at the same time
-- (its call on one partition, its task on another): two transactions each computing the facts
-- without the other's uncommitted rows would both miss something. So each call is locked first
-- (until commit, in one order: no deadlock), and the facts are computed after, in a statement
-- whose snapshot sees whatever the previous holder committed.
CREATE FUNCTION callstream_refresh_call_facts(sids text[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF sids IS NULL THEN
    TRUNCATE call_fact_rows, kpi_hourly, kpi_agents_daily;
    sids := ARRAY(SELECT call_sid FROM calls);
  ELSE
    PERFORM pg_advisory_xact_lock(1, h)
    FROM (SELECT DISTINCT hashtext(sid) AS h FROM unnest(sids) sid ORDER BY 1) calls;
  END IF;
  -- One statement: every part reads the same snapshot.
  WITH fresh AS (SELECT * FROM callstream_call_facts(sids)),
  old AS (SELECT * FROM call_fact_rows WHERE call_sid = ANY(sids)),
  changed AS (SELECT call_sid FROM fresh f FULL JOIN old o USING (call_sid)
              WHERE ROW(f.*) IS DISTINCT FROM ROW(o.*)),
  changes AS (SELECT 1 AS sign, * FROM fresh WHERE call_sid IN (SELECT call_sid FROM changed)
              UNION ALL
              SELECT -1, * FROM old WHERE call_sid IN (SELECT call_sid FROM changed)),
  gone AS (DELETE FROM call_fact_rows
           WHERE call_sid = ANY(ARRAY(SELECT call_sid FROM old EXCEPT SELECT call_sid FROM fresh))),
  put AS (INSERT INTO call_fact_rows
          SELECT
             call_sid, direction, from_number, to_number, status, answered_by, started_at,
             day, hour, task_sid, queue, agent, recording_sid, recording_url,
             agent_answered_at, answered, missed, abandoned, duration_seconds, ring_seconds,
             answer_seconds, talk_seconds, wrapup_seconds, service_level_threshold_seconds,
             answered_within_threshold
          FROM changes WHERE sign = 1
          ON CONFLICT (call_sid) DO UPDATE
             SET
                 direction = excluded.direction,
                 from_number = excluded.from_number,
                 to_number = excluded.to_number,
                 status = excluded.status,
                 answered_by = excluded.answered_by,
                 started_at = excluded.started_at,
                 day = excluded.day,
                 hour = excluded.hour,
                 task_sid = excluded.task_sid,
                 queue = excluded.queue,
                 agent = excluded.agent,
                 recording_sid = excluded.recording_sid,
                 recording_url = excluded.recording_url,
                 agent_answered_at = excluded.agent_answered_at,
                 answered = excluded.answered,
                 missed = excluded.missed,
                 abandoned = excluded.abandoned,
                 duration_seconds = excluded.duration_seconds,
                 ring_seconds = excluded.ring_seconds,
                 answer_seconds = excluded.answer_seconds,
                 talk_seconds = excluded.talk_seconds,
                 wrapup_seconds = excluded.wrapup_seconds,
                 service_level_threshold_seconds = excluded.service_level_threshold_seconds,
                 answered_within_threshold = excluded.answered_within_threshold),
  hourly AS (
    INSERT INTO kpi_hourly (day, hour, direction, queue, calls, answered, missed, abandoned,
                            duration_sum, duration_n, answer_sum, answer_n, handle_sum,
                            within_threshold)
    SELECT day, hour, direction, queue, sum(sign),
           coalesce(sum(sign) FILTER (WHERE answered), 0),
           coalesce(sum(sign) FILTER (WHERE missed), 0),
           coalesce(sum(sign) FILTER (WHERE abandoned), 0),
           coalesce(sum(sign * duration_seconds), 0),
           coalesce(sum(sign) FILTER (WHERE duration_seconds IS NOT NULL), 0),
           coalesce(sum(sign * answer_seconds) FILTER (WHERE answered), 0),
           coalesce(sum(sign) FILTER (WHERE answered AND answer_seconds IS NOT NULL), 0),
           coalesce(sum(sign * (coalesce(talk_seconds, 0) + coalesce(wrapup_seconds, 0)))
                      FILTER (WHERE answered), 0),
           coalesce(sum(sign) FILTER (WHERE answered_within_threshold), 0)
    FROM changes GROUP BY day, hour, direction, queue)
  INSERT INTO kpi_agents_daily (day, agent, calls_handled, talk_total, talk_sum, talk_n,
                                wrapup_sum, wrapup_n, handle_sum, answer_sum, answer_n)
  SELECT day, agent, sum(sign),
         coalesce(sum(sign * coalesce(talk_seconds, 0)), 0),
         coalesce(sum(sign * talk_seconds), 0),
         coalesce(sum(sign) FILTER (WHERE talk_seconds IS NOT NULL), 0),
         coalesce(sum(sign * wrapup_seconds), 0),
         coalesce(sum(sign) FILTER (WHERE wrapup_seconds IS NOT NULL), 0),
         coalesce(sum(sign * (coalesce(talk_seconds, 0) + coalesce(wrapup_seconds, 0))), 0),
         coalesce(sum(sign * answer_seconds), 0),
         coalesce(sum(sign) FILTER (WHERE answer_seconds IS NOT NULL), 0)
  FROM changes WHERE answered AND agent IS NOT NULL GROUP BY day, agent;
END
$$;

-- The calls whose facts these newly applied events (their ids) may change: a call event's
-- call, a recording event's call, a TaskRouter event's task's call (worker events: none).
CREATE FUNCTION callstream_refresh_events(source text, event_ids text[]) RETURNS void
LANGUAGE sql AS $$
  SELECT callstream_refresh_call_facts(ARRAY(
    SELECT e.call_sid FROM call_events e
    WHERE source = 'calls' AND e.event_id = ANY(event_ids)
    UNION
    SELECT e.call_sid FROM recording_events e
    WHERE source = 'recordings' AND e.event_id = ANY(event_ids) AND e.call_sid IS NOT NULL
    UNION
    SELECT t.call_sid FROM taskrouter_events e JOIN tasks t ON t.task_sid = e.task_sid
    WHERE source = 'taskrouter' AND e.event_id = ANY(event_ids) AND t.call_sid IS NOT NULL))
$$;

-- Folds each bucket's appended rows into one. One caller at a time (the others skip); rows
-- appended meanwhile are folded next time.
CREATE FUNCTION callstream_compact_kpis() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF NOT pg_try_advisory_xact_lock(hashtext('callstream_compact_kpis')) THEN
    RETURN;
  END IF;
  WITH buckets AS (SELECT DISTINCT day, hour, direction, queue FROM kpi_hourly WHERE NOT compacted),
  gone AS (DELETE FROM kpi_hourly k USING buckets b
           WHERE k.day IS NOT DISTINCT FROM b.day AND k.hour IS NOT DISTINCT FROM b.hour
             AND k.direction IS NOT DISTINCT FROM b.direction AND k.queue IS NOT DISTINCT FROM b.queue
           RETURNING k.*)
  INSERT INTO kpi_hourly
  SELECT day, hour, direction, queue, sum(calls), sum(answered), sum(missed), sum(abandoned),
         sum(duration_sum), sum(duration_n), sum(answer_sum), sum(answer_n), sum(handle_sum),
         sum(within_threshold), true
  FROM gone GROUP BY day, hour, direction, queue
  HAVING sum(calls) <> 0 OR sum(duration_n) <> 0 OR sum(answer_n) <> 0;
  WITH buckets AS (SELECT DISTINCT day, agent FROM kpi_agents_daily WHERE NOT compacted),
  gone AS (DELETE FROM kpi_agents_daily k USING buckets b
           WHERE k.day IS NOT DISTINCT FROM b.day AND k.agent = b.agent
           RETURNING k.*)
  INSERT INTO kpi_agents_daily
  SELECT day, agent, sum(calls_handled), sum(talk_total), sum(talk_sum), sum(talk_n),
         sum(wrapup_sum), sum(wrapup_n), sum(handle_sum), sum(answer_sum), sum(answer_n), true
  FROM gone GROUP BY day, agent
  HAVING sum(calls_handled) <> 0;
END
$$;

-- What the console's queue view and call-back list look up (docs/console.md).
CREATE INDEX tasks_waiting ON tasks (queue_name) WHERE status IN ('pending', 'reserved');
CREATE INDEX calls_from_number ON calls (from_number, coalesce(initiated_at, ringing_at, first_event_at));
CREATE INDEX calls_to_number ON calls (to_number, coalesce(initiated_at, ringing_at, first_event_at));

-- The calls there are now.
SELECT callstream_refresh_call_facts(NULL);
SELECT callstream_compact_kpis();

-- The views read the kept rows. Same columns, types and values as before.
CREATE OR REPLACE VIEW analytics.call_facts AS SELECT * FROM call_fact_rows;

CREATE OR REPLACE VIEW analytics.call_kpis AS
SELECT CASE GROUPING(hour, direction, queue) WHEN 5 THEN 'day' WHEN 1 THEN 'hour' ELSE 'queue_day' END
         AS grain,
       day, hour, direction, queue,
       sum(calls)::bigint AS calls,
       sum(answered)::bigint AS answered,
       sum(missed)::bigint AS missed,
       sum(abandoned)::bigint AS abandoned,
       round(sum(duration_sum) / nullif(sum(duration_n), 0), 1) AS avg_duration_seconds,
       round(sum(answer_sum) / nullif(sum(answer_n), 0), 1) AS avg_speed_of_answer_seconds,
       round(sum(handle_sum) / nullif(sum(answered), 0), 1) AS avg_handle_seconds,
       CASE WHEN direction = 'inbound' OR GROUPING(direction) = 1
            THEN round(100.0 * sum(within_threshold) / sum(calls), 1)
       END AS service_level_pct
FROM kpi_hourly
GROUP BY GROUPING SETS ((day, direction), (day, hour, direction), (day, queue))
HAVING sum(calls) <> 0;

CREATE OR REPLACE VIEW analytics.agents_daily AS
SELECT day, agent,
       sum(calls_handled)::bigint AS calls_handled,
       round(sum(talk_total), 1) AS talk_seconds,
       round(sum(talk_sum) / nullif(sum(talk_n), 0), 1) AS avg_talk_seconds,
       round(sum(wrapup_sum) / nullif(sum(wrapup_n), 0), 1) AS avg_wrapup_seconds,
       round(sum(handle_sum) / nullif(sum(calls_handled), 0), 1) AS avg_handle_seconds,
       round(sum(answer_sum) / nullif(sum(answer_n), 0), 1) AS avg_speed_of_answer_seconds
FROM kpi_agents_daily
GROUP BY day, agent
HAVING sum(calls_handled) <> 0;

CREATE OR REPLACE FUNCTION analytics.period_kpis(from_day date, to_day date)
RETURNS TABLE (calls bigint, answered bigint, missed bigint, abandoned bigint,
               avg_duration_seconds numeric, avg_speed_of_answer_seconds numeric,
               avg_handle_seconds numeric, service_level_pct numeric)
LANGUAGE sql STABLE AS $$
  SELECT coalesce(sum(k.calls), 0)::bigint,
         coalesce(sum(k.answered), 0)::bigint,
         coalesce(sum(k.missed), 0)::bigint,
         coalesce(sum(k.abandoned), 0)::bigint,
         round(sum(k.duration_sum) / nullif(sum(k.duration_n), 0), 1),
         round(sum(k.answer_sum) / nullif(sum(k.answer_n), 0), 1),
         round(sum(k.handle_sum) / nullif(sum(k.answered), 0), 1),
         round(100.0 * sum(k.within_threshold) FILTER (WHERE k.direction = 'inbound')
               / nullif(sum(k.calls) FILTER (WHERE k.direction = 'inbound'), 0), 1)
  FROM kpi_hourly k
  WHERE k.day BETWEEN from_day AND to_day
$$;

DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'callstream_analyst') THEN
    GRANT SELECT ON call_fact_rows, kpi_hourly, kpi_agents_daily TO callstream_analyst;
  END IF;
END
$$;
