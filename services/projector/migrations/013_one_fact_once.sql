-- One fact, applied once, whichever way Twilio delivered it (docs/events.md, "Event Streams in
-- the read models"). A call center moving from webhooks to Event Streams runs both for a
-- while: the same status callback then arrives twice, with two event ids. Each event table
-- gains a unique index on what makes the fact itself, and every projection inserts with
-- ON CONFLICT DO NOTHING over all of its unique indexes, so the second copy changes nothing.
--
--   call status       CallSid, CallStatus, SequenceNumber
--   AMD result        CallSid, AnsweredBy
--   recording status  RecordingSid, RecordingStatus
--   TaskRouter event  Twilio's event Sid (EV...)
--
-- A fact already stored twice (one status callback sent to two URLs) keeps its first copy
-- (lowest event id), as a rebuild from Kafka now would.

DELETE FROM call_events e USING call_events f
WHERE e.event_type LIKE 'com.twilio.voice.status-callback.call.%'
  AND f.event_type LIKE 'com.twilio.voice.status-callback.call.%'
  AND (f.call_sid, f.call_status, f.sequence_number) = (e.call_sid, e.call_status, e.sequence_number)
  AND f.event_id < e.event_id;
CREATE UNIQUE INDEX call_events_status_fact ON call_events (call_sid, call_status, sequence_number)
  WHERE event_type LIKE 'com.twilio.voice.status-callback.call.%';

DELETE FROM call_events e USING call_events f
WHERE e.event_type = 'com.twilio.voice.status-callback.amd.detected'
  AND f.event_type = 'com.twilio.voice.status-callback.amd.detected'
  AND f.call_sid = e.call_sid
  AND f.data->'params'->>'AnsweredBy' IS NOT DISTINCT FROM e.data->'params'->>'AnsweredBy'
  AND f.event_id < e.event_id;
CREATE UNIQUE INDEX call_events_amd_fact ON call_events (call_sid, (data->'params'->>'AnsweredBy'))
  WHERE event_type = 'com.twilio.voice.status-callback.amd.detected';

DELETE FROM recording_events e USING recording_events f
WHERE (f.recording_sid, f.status) = (e.recording_sid, e.status) AND f.event_id < e.event_id;
CREATE UNIQUE INDEX recording_events_status_fact ON recording_events (recording_sid, status);

WITH gone AS (
  DELETE FROM taskrouter_events e USING taskrouter_events f
  WHERE e.data->'params'->>'Sid' <> '' AND f.data->'params'->>'Sid' = e.data->'params'->>'Sid'
    AND f.event_id < e.event_id
  RETURNING e.event_id
)
DELETE FROM worker_activity WHERE event_id IN (SELECT event_id FROM gone);
CREATE UNIQUE INDEX taskrouter_events_fact ON taskrouter_events ((data->'params'->>'Sid'))
  WHERE data->'params'->>'Sid' <> '';
