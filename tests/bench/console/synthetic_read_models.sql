-- A big call center written straight into the read models, for the console benchmark:
-- :calls calls over the last 30 days (busier by day than by night), 80 % of them inbound with
-- a TaskRouter task in one of three queues, answered by one of 40 agents or abandoned.
\set ON_ERROR_STOP 1
INSERT INTO workers (worker_sid, name, activity_sid, activity_name, updated_at, events_applied)
SELECT 'WK' || lpad(to_hex(a), 32, '0'), 'agent' || a, 'WA' || repeat('2', 32),
       (ARRAY['Available', 'Busy', 'Break', 'Offline'])[1 + a % 4], now(), 1
FROM generate_series(1, 40) a;

CREATE TEMP TABLE g AS
SELECT i, now() - (random() * 30 * 86400) * interval '1 second' AS at,
       i % 5 <> 0 AS inbound, random() AS r
FROM generate_series(1, :calls) i;

INSERT INTO calls (call_sid, account_sid, direction, from_number, to_number, status, status_rank,
                   status_sequence, status_at, initiated_at, ringing_at, answered_at, ended_at,
                   duration_seconds, first_event_at, last_event_at, events_applied)
SELECT 'CA' || lpad(to_hex(i), 32, '0'), 'AC' || repeat('e', 32),
       CASE WHEN inbound THEN 'inbound' ELSE 'outbound-api' END,
       '+1305555' || lpad((i % 10000)::text, 4, '0'), '+18005551212',
       CASE WHEN r < 0.85 THEN 'completed' ELSE 'no-answer' END, 4, 3, at + interval '5 min',
       at, at + interval '1 s', CASE WHEN r < 0.85 THEN at + interval '20 s' END,
       at + interval '5 min', CASE WHEN r < 0.85 THEN 280 ELSE 0 END, at, at + interval '5 min', 4
FROM g;

INSERT INTO tasks (task_sid, workspace_sid, call_sid, queue_sid, queue_name, status, status_rank,
                   status_at, created_at, accepted_at, worker_sid, worker_name, canceled_at,
                   canceled_reason, wrapup_at, completed_at, first_event_at, last_event_at,
                   events_applied)
SELECT 'WT' || lpad(to_hex(i), 32, '0'), 'WS' || repeat('1', 32), 'CA' || lpad(to_hex(i), 32, '0'),
       'WQ' || lpad(to_hex(i % 3), 32, '0'), (ARRAY['Support', 'Sales', 'Billing'])[1 + i % 3],
       CASE WHEN r < 0.85 THEN 'completed' ELSE 'canceled' END, 4, at + interval '6 min',
       at + interval '2 s', CASE WHEN r < 0.85 THEN at + interval '2 s' + r * 60 * interval '1 s' END,
       CASE WHEN r < 0.85 THEN 'WK' || lpad(to_hex(1 + i % 40), 32, '0') END,
       CASE WHEN r < 0.85 THEN 'agent' || (1 + i % 40) END,
       CASE WHEN r >= 0.85 THEN at + interval '90 s' END,
       CASE WHEN r >= 0.85 THEN 'hangup' END,
       CASE WHEN r < 0.85 THEN at + interval '5 min' END,
       CASE WHEN r < 0.85 THEN at + interval '6 min' END, at, at + interval '6 min', 4
FROM g WHERE inbound;

-- A few callers waiting now.
INSERT INTO tasks (task_sid, workspace_sid, call_sid, queue_sid, queue_name, status, status_rank,
                   status_at, created_at, first_event_at, last_event_at, events_applied)
SELECT 'WT' || lpad(to_hex(10000000 + w), 32, '0'), 'WS' || repeat('1', 32), NULL,
       'WQ' || lpad('0', 32, '0'), 'Support', 'pending', 1, now(), now() - w * interval '20 s',
       now(), now(), 1
FROM generate_series(1, 3) w;
ANALYZE;
