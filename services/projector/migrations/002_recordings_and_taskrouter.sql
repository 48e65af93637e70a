-- Recording status callbacks: every event applied (append-only) and one row per recording.
CREATE TABLE recording_events (
  event_id        text PRIMARY KEY,
  recording_sid   text NOT NULL,
  call_sid        text NOT NULL,
  status          text NOT NULL,
  status_rank     smallint NOT NULL,         -- in-progress 1 < completed | absent | failed 2
  event_time      timestamptz NOT NULL,
  received_at     timestamptz,
  kafka_topic     text NOT NULL,
  kafka_partition integer NOT NULL,
  kafka_offset    bigint NOT NULL,
  data            jsonb NOT NULL
);
CREATE INDEX recording_events_recording ON recording_events (recording_sid, event_time);

CREATE TABLE recordings (
  recording_sid    text PRIMARY KEY,
  call_sid         text NOT NULL,
  status           text NOT NULL,
  status_rank      smallint NOT NULL,
  status_at        timestamptz NOT NULL,
  source           text,              -- DialVerb, RecordVerb (voicemail), OutboundAPI...
  channels         integer,           -- 2 = dual channel
  track            text,
  duration_seconds integer,
  url              text,              -- RecordingUrl (append .mp3 or .wav for the media)
  started_at       timestamptz,
  error_code       text,
  first_event_at   timestamptz NOT NULL,
  last_event_at    timestamptz NOT NULL,
  events_applied   integer NOT NULL
);
CREATE INDEX recordings_call_sid ON recordings (call_sid);

-- TaskRouter: every workspace event and assignment applied (append-only).
CREATE TABLE taskrouter_events (
  event_id        text PRIMARY KEY,
  event_type      text NOT NULL,             -- EventType (task.created...) or assignment.requested
  task_sid        text,
  reservation_sid text,
  worker_sid      text,
  event_time      timestamptz NOT NULL,
  received_at     timestamptz,
  kafka_topic     text NOT NULL,
  kafka_partition integer NOT NULL,
  kafka_offset    bigint NOT NULL,
  data            jsonb NOT NULL
);
CREATE INDEX taskrouter_events_task ON taskrouter_events (task_sid, event_time);
CREATE INDEX taskrouter_events_worker ON taskrouter_events (worker_sid, event_time);

-- One row per task (a call waiting for or handled by an agent). Times are the first event of
-- each kind; the status moves forward on pending < reserved < assigned < wrapping < completed |
-- canceled.
CREATE TABLE tasks (
  task_sid         text PRIMARY KEY,
  workspace_sid    text,
  call_sid         text,              -- from TaskAttributes.call_sid
  queue_sid        text,
  queue_name       text,
  status           text NOT NULL,
  status_rank      smallint NOT NULL,
  status_at        timestamptz NOT NULL,
  created_at       timestamptz,
  accepted_at      timestamptz,       -- first reservation.accepted
  worker_sid       text,              -- the agent who accepted
  worker_name      text,
  canceled_at      timestamptz,
  canceled_reason  text,
  wrapup_at        timestamptz,
  completed_at     timestamptz,
  completed_reason text,
  first_event_at   timestamptz NOT NULL,
  last_event_at    timestamptz NOT NULL,
  events_applied   integer NOT NULL
);
CREATE INDEX tasks_call_sid ON tasks (call_sid);
CREATE INDEX tasks_created_at ON tasks (created_at);

CREATE TABLE reservations (
  reservation_sid text PRIMARY KEY,
  task_sid        text NOT NULL,
  worker_sid      text,
  worker_name     text,
  status          text NOT NULL,      -- pending, accepted, wrapping, completed, rejected, timeout, canceled, rescinded, failed
  status_rank     smallint NOT NULL,  -- pending 0 < accepted 1 < wrapping 2 < ended 3
  status_at       timestamptz NOT NULL,
  created_at      timestamptz,
  accepted_at     timestamptz,
  ended_at        timestamptz,
  last_event_at   timestamptz NOT NULL
);
CREATE INDEX reservations_task ON reservations (task_sid);

-- The agents as last reported (the latest event wins, whatever the arrival order).
CREATE TABLE workers (
  worker_sid     text PRIMARY KEY,
  name           text,
  activity_sid   text,
  activity_name  text,
  attributes     text,
  updated_at     timestamptz NOT NULL,  -- time of the event the row reflects
  events_applied integer NOT NULL
);

-- Time spent in each activity: one row per worker.activity.update (the activity just left).
CREATE TABLE worker_activity (
  event_id      text PRIMARY KEY,
  worker_sid    text NOT NULL,
  worker_name   text,
  activity_sid  text,
  activity_name text,
  started_at    timestamptz NOT NULL,
  ended_at      timestamptz NOT NULL,
  seconds       numeric(12, 3) NOT NULL
);
CREATE INDEX worker_activity_worker ON worker_activity (worker_sid, ended_at);

-- Settings the analytics views read (written by the projector at start from its environment).
CREATE TABLE callstream_settings (
  key   text PRIMARY KEY,
  value text NOT NULL
);
INSERT INTO callstream_settings VALUES ('service_level_seconds', '60'), ('time_zone', 'UTC');

-- Finds the call-flow events of a call quickly (the analytics views read them per call).
CREATE INDEX call_events_flow ON call_events (call_sid)
  WHERE event_type IN ('io.callstream.voice.dial.completed', 'io.callstream.voice.queue.left');
