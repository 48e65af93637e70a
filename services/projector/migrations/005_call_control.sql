-- Outbound calls placed by POST /make_call: the caller id chosen (local presence) and the agent
-- the call was placed for.
ALTER TABLE calls ADD COLUMN caller_id text, ADD COLUMN requested_agent text;

-- Every opt-out event applied, append-only (callstream.optouts.v1 is compacted: after a rebuild
-- only the latest events of each number may be left).
CREATE TABLE optout_events (
  event_id        text PRIMARY KEY,
  number          text NOT NULL,
  opted_out       boolean NOT NULL,
  source          text NOT NULL,
  event_time      timestamptz NOT NULL,
  received_at     timestamptz,
  kafka_topic     text NOT NULL,
  kafka_partition integer NOT NULL,
  kafka_offset    bigint NOT NULL,
  data            jsonb NOT NULL
);
CREATE INDEX optout_events_number ON optout_events (number, kafka_offset);

-- The opt-out list: one row per number ever listed, its latest state (a number's events share a
-- partition, so the highest offset is the latest).
CREATE TABLE optouts (
  number          text PRIMARY KEY,
  opted_out       boolean NOT NULL,
  source          text NOT NULL,       -- sms, api
  keyword         text,                -- STOP, PARAR, START... when by SMS
  reason          text,
  changed_at      timestamptz NOT NULL,
  kafka_partition integer NOT NULL,
  kafka_offset    bigint NOT NULL
);
CREATE INDEX optouts_opted_out ON optouts (number) WHERE opted_out;

-- For analysts: the numbers that asked not to be called, and since when.
CREATE VIEW analytics.optouts AS
SELECT number, source, keyword, reason, changed_at AS opted_out_at
FROM optouts WHERE opted_out;

DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'callstream_analyst') THEN
    GRANT SELECT ON analytics.optouts TO callstream_analyst;
  END IF;
END $$;
