-- The agent of an outbound call is the one who asked for it when nothing else names them: a call
-- back placed by POST /make_call, or a call the agent dialed from the browser softphone
-- (/client_voice), whose status callbacks come from the agent's own client leg. The facts
-- (callstream_call_facts) gain c.requested_agent as the last fallback; the calls it concerns are
-- refreshed once here.

CREATE OR REPLACE FUNCTION callstream_call_facts(sids text[])
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
         coalesce(t.worker_name, dial.agent, c.requested_agent) AS agent,
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

SELECT callstream_refresh_call_facts(ARRAY(SELECT call_sid FROM calls
                                           WHERE requested_agent IS NOT NULL));
