-- Events the projector could not apply, kept with their error and coordinates (they are also on
-- the dead-letter topic). An open letter parks its key: later events of the same key wait here,
-- in order, until `callstream-projector dlq redrive` applies them (or `dlq discard` drops one).
CREATE TABLE dead_letters (
  id              bigserial PRIMARY KEY,
  kafka_topic     text NOT NULL,
  kafka_partition integer NOT NULL,
  kafka_offset    bigint NOT NULL,
  message_key     text NOT NULL,
  event_id        text,
  kind            text NOT NULL CHECK (kind IN ('poison', 'parked')),
  error           text NOT NULL,
  value           bytea NOT NULL,
  dead_at         timestamptz NOT NULL DEFAULT now(),
  resolved_at     timestamptz,
  resolution      text CHECK (resolution IN ('redriven', 'discarded')),
  UNIQUE (kafka_topic, kafka_partition, kafka_offset)
);
CREATE INDEX dead_letters_open ON dead_letters (kafka_topic, message_key) WHERE resolved_at IS NULL;
