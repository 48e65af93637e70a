-- Where each partition's projection stands. Advanced in the same transaction as the read-model
-- change it accounts for, and only from the value the writer last saw (fencing a zombie).
CREATE TABLE projector_offsets (
  topic       text    NOT NULL,
  partition   integer NOT NULL,
  next_offset bigint  NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (topic, partition)
);

-- Every call event applied, append-only: the history of each call as Twilio reported it.
CREATE TABLE call_events (
  event_id        text PRIMARY KEY,
  call_sid        text NOT NULL,
  event_type      text NOT NULL,
  call_status     text NOT NULL,
  status_rank     smallint NOT NULL,
  sequence_number integer NOT NULL,          -- -1 when Twilio sent none
  event_time      timestamptz NOT NULL,
  received_at     timestamptz,
  kafka_topic     text NOT NULL,
  kafka_partition integer NOT NULL,
  kafka_offset    bigint NOT NULL,
  data            jsonb NOT NULL
);
CREATE INDEX call_events_call_sid ON call_events (call_sid, event_time);

-- One row per call, whichever event arrived first created it; the status only moves forward on
-- queued < initiated < ringing < in-progress < terminal, ties broken by SequenceNumber, then time.
CREATE TABLE calls (
  call_sid          text PRIMARY KEY,
  account_sid       text,
  direction         text,
  from_number       text,
  to_number         text,
  status            text NOT NULL,
  status_rank       smallint NOT NULL,
  status_sequence   integer NOT NULL,
  status_at         timestamptz NOT NULL,
  initiated_at      timestamptz,
  ringing_at        timestamptz,
  answered_at       timestamptz,
  ended_at          timestamptz,
  duration_seconds  integer,
  sip_response_code integer,
  answered_by       text,
  first_event_at    timestamptz NOT NULL,
  last_event_at     timestamptz NOT NULL,
  events_applied    integer NOT NULL
);
CREATE INDEX calls_first_event_at ON calls (first_event_at);
