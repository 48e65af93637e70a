#pragma once
// The console's read API in SQL: each endpoint is one statement over the analytics views (the
// definitions analysts use) that returns its JSON document in one column, `json`.
namespace callstream::projector::console::sql {

// The call center's zone and today's local date, shared by the statements below.
#define CALLSTREAM_CONSOLE_TODAY                                                          \
  "WITH s AS (SELECT coalesce(max(value) FILTER (WHERE key = 'time_zone'), 'UTC') AS tz " \
  "           FROM callstream_settings), "                                                \
  "d AS (SELECT (now() AT TIME ZONE s.tz)::date AS today, s.tz FROM s) "

// $1 period (today, week, month, range), $2 from, $3 to (range only).
inline constexpr const char* kKpis = CALLSTREAM_CONSOLE_TODAY R"sql(,
p AS (SELECT CASE $1 WHEN 'today' THEN today WHEN 'week' THEN date_trunc('week', today)::date
                     WHEN 'month' THEN date_trunc('month', today)::date ELSE $2::date END AS from_day,
             CASE WHEN $1 = 'range' THEN $3::date ELSE today END AS to_day, tz FROM d)
SELECT json_build_object('period', $1, 'from', p.from_day, 'to', p.to_day, 'time_zone', p.tz,
                         'kpis', row_to_json(k)) AS json
FROM p CROSS JOIN LATERAL analytics.period_kpis(p.from_day, p.to_day) k)sql";

// Calls per hour of today, answered and missed, every hour present.
inline constexpr const char* kHourlySeries = CALLSTREAM_CONSOLE_TODAY R"sql(
SELECT json_build_object('grain', 'hour', 'time_zone', d.tz, 'points', json_agg(p ORDER BY p.hour)) AS json
FROM d CROSS JOIN LATERAL (
  SELECT d.today AS day, h AS hour, coalesce(sum(v.calls), 0)::bigint AS calls,
         coalesce(sum(v.answered), 0)::bigint AS answered, coalesce(sum(v.missed), 0)::bigint AS missed
  FROM generate_series(0, 23) h
  LEFT JOIN analytics.calls_hourly v ON v.day = d.today AND v.hour = h
  GROUP BY h) p
GROUP BY d.tz)sql";

// Calls per day of the last 30 days (today included).
inline constexpr const char* kDailySeries = CALLSTREAM_CONSOLE_TODAY R"sql(
SELECT json_build_object('grain', 'day', 'time_zone', d.tz, 'points', json_agg(p ORDER BY p.day)) AS json
FROM d CROSS JOIN LATERAL (
  SELECT g::date AS day, coalesce(sum(v.calls), 0)::bigint AS calls,
         coalesce(sum(v.answered), 0)::bigint AS answered, coalesce(sum(v.missed), 0)::bigint AS missed
  FROM generate_series(d.today - 29, d.today, interval '1 day') g
  LEFT JOIN analytics.calls_daily v ON v.day = g::date
  GROUP BY g) p
GROUP BY d.tz)sql";

// How an activity counts on the floor: Available (or Idle) takes calls, Offline is away, the
// rest (Break, Lunch, Busy...) is unavailable.
#define CALLSTREAM_CONSOLE_AGENT_STATE                                                      \
  "CASE WHEN lower(w.activity_name) IN ('available', 'idle') THEN 'available' "             \
  "     WHEN w.activity_name IS NULL OR lower(w.activity_name) = 'offline' THEN 'offline' " \
  "     ELSE 'unavailable' END"

// The real-time queue view: per queue, tasks waiting and the longest wait now, today's offered,
// answered, abandoned and service level; the floor's agents by state.
inline constexpr const char* kQueues = CALLSTREAM_CONSOLE_TODAY R"sql(,
waiting AS (
  SELECT coalesce(queue_name, queue_sid) AS queue, count(*) AS waiting,
         round(extract(epoch FROM now() - min(coalesce(created_at, first_event_at))))::bigint
           AS longest_wait_seconds
  FROM tasks WHERE status IN ('pending', 'reserved') GROUP BY 1),
today AS (SELECT q.* FROM analytics.queues_daily q, d WHERE q.day = d.today),
rows AS (
  SELECT coalesce(w.queue, t.queue) AS name, coalesce(w.waiting, 0) AS waiting,
         coalesce(w.longest_wait_seconds, 0) AS longest_wait_seconds,
         coalesce(t.offered, 0) AS offered_today, coalesce(t.answered, 0) AS answered_today,
         coalesce(t.abandoned, 0) AS abandoned_today, t.service_level_pct AS service_level_pct_today,
         t.avg_speed_of_answer_seconds AS avg_speed_of_answer_seconds_today
  FROM waiting w FULL JOIN today t ON t.queue = w.queue),
floor AS (
  SELECT count(*) FILTER (WHERE state = 'available') AS available,
         count(*) FILTER (WHERE state = 'unavailable') AS unavailable,
         count(*) FILTER (WHERE state = 'offline') AS offline
  FROM (SELECT )sql" CALLSTREAM_CONSOLE_AGENT_STATE R"sql( AS state FROM workers w) a)
SELECT json_build_object(
  'queues', coalesce((SELECT json_agg(r ORDER BY r.name) FROM rows r), '[]'),
  'agents', (SELECT row_to_json(floor) FROM floor)) AS json)sql";

// The agents: activity now and since when, calls handled today and their handle time.
inline constexpr const char* kAgents = CALLSTREAM_CONSOLE_TODAY R"sql(
SELECT coalesce(json_agg(json_build_object(
         'name', coalesce(w.name, w.worker_sid), 'activity', w.activity_name,
         'state', )sql" CALLSTREAM_CONSOLE_AGENT_STATE R"sql(,
         'since', coalesce(last.ended_at, w.updated_at),
         'calls_today', coalesce(a.calls_handled, 0), 'avg_handle_seconds', a.avg_handle_seconds)
       ORDER BY coalesce(w.name, w.worker_sid)), '[]') AS json
FROM workers w CROSS JOIN d
LEFT JOIN LATERAL (SELECT max(ended_at) AS ended_at FROM worker_activity x
                   WHERE x.worker_sid = w.worker_sid) last ON true
LEFT JOIN analytics.agents_daily a ON a.agent = w.name AND a.day = d.today)sql";

// The calls matching CallFilters ($1 from day .. $10 limit), newest first; `started_us` is the
// keyset cursor's time. Shared by the list and the CSV export.
#define CALLSTREAM_CONSOLE_FILTERED_CALLS                                                       \
  "WITH s AS (SELECT coalesce(max(value) FILTER (WHERE key = 'time_zone'), 'UTC') AS tz "       \
  "           FROM callstream_settings), "                                                      \
  "matched AS ( "                                                                               \
  "  SELECT f.*, CASE WHEN f.answered THEN 'answered' WHEN f.abandoned THEN 'abandoned' "       \
  "                   WHEN f.missed THEN 'missed' END AS outcome, "                             \
  "         (extract(epoch FROM f.started_at) * 1000000)::bigint AS started_us, s.tz "          \
  "  FROM analytics.call_facts f, s "                                                           \
  "  WHERE ($1::date IS NULL OR f.started_at >= ($1::date::timestamp AT TIME ZONE s.tz)) "      \
  "    AND ($2::date IS NULL OR f.started_at < (($2::date + 1)::timestamp AT TIME ZONE s.tz)) " \
  "    AND ($3::text IS NULL OR f.direction = $3) "                                             \
  "    AND ($4::text IS NULL OR ($4 = 'answered' AND f.answered) "                              \
  "         OR ($4 = 'missed' AND f.missed) OR ($4 = 'abandoned' AND f.abandoned)) "            \
  "    AND ($5::text IS NULL OR f.agent = $5) "                                                 \
  "    AND ($6::text IS NULL OR f.queue = $6) "                                                 \
  "    AND ($7::text IS NULL OR f.from_number LIKE '%' || $7 || '%' "                           \
  "         OR f.to_number LIKE '%' || $7 || '%') "                                             \
  "    AND ($8::bigint IS NULL OR (f.started_at, f.call_sid) < "                                \
  "         (timestamptz 'epoch' + $8::bigint * interval '1 microsecond', $9::text)) "          \
  "  ORDER BY f.started_at DESC, f.call_sid DESC LIMIT $10::integer) "

inline constexpr const char* kCallsPage = CALLSTREAM_CONSOLE_FILTERED_CALLS R"sql(
SELECT coalesce(json_agg(json_build_object(
         'call_sid', call_sid, 'started_at', started_at, 'direction', direction,
         'from', from_number, 'to', to_number, 'status', status, 'outcome', outcome,
         'queue', queue, 'agent', agent, 'duration_seconds', duration_seconds,
         'answer_seconds', round(answer_seconds, 1), 'recording_sid', recording_sid)
       ORDER BY started_at DESC, call_sid DESC), '[]') AS json,
       count(*) AS rows,
       (array_agg(started_us ORDER BY started_at, call_sid))[1] AS last_us,
       (array_agg(call_sid ORDER BY started_at, call_sid))[1] AS last_sid
FROM matched)sql";

// The export's rows, one CSV record each (read through a cursor, never all at once).
inline constexpr const char* kCallsCsv = CALLSTREAM_CONSOLE_FILTERED_CALLS R"sql(
SELECT call_sid, to_char(started_at AT TIME ZONE tz, 'YYYY-MM-DD HH24:MI:SS') AS started_local,
       direction, from_number, to_number, status, outcome, queue, agent, duration_seconds,
       round(answer_seconds, 1) AS answer_seconds, round(talk_seconds, 1) AS talk_seconds,
       recording_sid
FROM matched ORDER BY started_at DESC, call_sid DESC)sql";

// One call: its facts, where the caller is, its recordings and its timeline (every event of
// the call, its tasks and its recordings, in time order). $1 CallSid.
inline constexpr const char* kCallDetail = R"sql(
WITH f AS (SELECT * FROM analytics.call_facts WHERE call_sid = $1),
first_params AS (
  SELECT e.data->'params' AS p FROM call_events e
  WHERE e.call_sid = $1 AND e.data->'params' ? 'FromCity' ORDER BY e.event_time LIMIT 1),
timeline AS (
  SELECT e.event_time AS at, 'call' AS source, e.event_type AS type, e.call_status AS status,
         NULL::text AS who
  FROM call_events e WHERE e.call_sid = $1
  UNION ALL
  SELECT t.event_time, 'task', t.event_type,
         coalesce(t.data->'params'->>'TaskAssignmentStatus', t.data->'params'->>'ReservationStatus'),
         coalesce(t.data->'params'->>'WorkerName', t.data->'params'->>'TaskQueueName')
  FROM taskrouter_events t WHERE t.task_sid IN (SELECT task_sid FROM tasks WHERE call_sid = $1)
  UNION ALL
  SELECT r.event_time, 'recording', 'recording.' || r.status, r.status, r.recording_sid
  FROM recording_events r WHERE r.call_sid = $1)
SELECT json_build_object(
  'call', (SELECT row_to_json(f) FROM f),
  'caller', (SELECT json_build_object('city', p->>'FromCity', 'state', p->>'FromState',
                                      'country', p->>'FromCountry') FROM first_params),
  'recordings', coalesce((SELECT json_agg(json_build_object(
       'recording_sid', r.recording_sid, 'status', r.status, 'source', r.source,
       'channels', r.channels, 'duration_seconds', r.duration_seconds, 'started_at', r.started_at)
       ORDER BY r.first_event_at) FROM recordings r WHERE r.call_sid = $1), '[]'),
  'timeline', coalesce((SELECT json_agg(t ORDER BY t.at) FROM timeline t), '[]')) AS json,
  (SELECT agent FROM f) AS agent, (SELECT count(*) FROM f) AS found)sql";

// Missed and abandoned inbound calls of the last 7 days whose number has not been called back
// nor called in again and answered since (the latest missed call per number; the 500 newest).
// Each NOT EXISTS is one range of an index on (number, start).
inline constexpr const char* kCallbacks = R"sql(
WITH missed AS (
  SELECT DISTINCT ON (f.from_number) f.call_sid, f.from_number, f.started_at, f.queue,
         f.abandoned
  FROM analytics.call_facts f
  WHERE f.direction = 'inbound' AND f.missed AND f.from_number IS NOT NULL
    AND f.started_at > now() - interval '7 days'
  ORDER BY f.from_number, f.started_at DESC),
waiting AS (
  SELECT m.* FROM missed m
  WHERE NOT EXISTS (
      SELECT 1 FROM calls c
      WHERE c.to_number = m.from_number
        AND coalesce(c.initiated_at, c.ringing_at, c.first_event_at) > m.started_at
        AND c.direction LIKE 'outbound%' AND c.direction <> 'outbound-dial')
    AND NOT EXISTS (
      SELECT 1 FROM calls c
      WHERE c.from_number = m.from_number
        AND coalesce(c.initiated_at, c.ringing_at, c.first_event_at) > m.started_at
        AND c.direction = 'inbound' AND c.answered_at IS NOT NULL)
    AND NOT EXISTS (SELECT 1 FROM optouts o WHERE o.number = m.from_number AND o.opted_out)
  ORDER BY m.started_at DESC LIMIT 500)
SELECT coalesce(json_agg(json_build_object(
         'call_sid', w.call_sid, 'number', w.from_number, 'missed_at', w.started_at,
         'queue', w.queue, 'abandoned', w.abandoned) ORDER BY w.started_at DESC), '[]') AS json
FROM waiting w)sql";

// A recording and the call it belongs to (for the role check and the media URL). $1 RecordingSid.
inline constexpr const char* kRecording = R"sql(
SELECT r.recording_sid, r.call_sid, f.agent, coalesce(r.archive_location, '') AS archive_location
FROM recordings r LEFT JOIN analytics.call_facts f ON f.call_sid = r.call_sid
WHERE r.recording_sid = $1)sql";

// The number a call back dials. $1 CallSid.
inline constexpr const char* kCallbackNumber =
    "SELECT from_number FROM calls WHERE call_sid = $1 AND direction = 'inbound'";

#undef CALLSTREAM_CONSOLE_TODAY
#undef CALLSTREAM_CONSOLE_AGENT_STATE
#undef CALLSTREAM_CONSOLE_FILTERED_CALLS

}  // namespace callstream::projector::console::sql
