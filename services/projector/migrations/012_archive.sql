-- The recording archive (docs/archive.md). Three changes:
--
-- 1. `recordings` gains where its copy is: applied by the projector from the archiver's
--    io.callstream.recording.archived and .media-deleted events, so a rebuild from Kafka
--    restores them like every other column.
-- 2. `recording_archive` is the archiver's own ledger, written by it alone: what it copied,
--    whether the event went out and whether Twilio's copy is deleted, so a redelivered or
--    redone recording makes no second upload. Also where an operator sees each recording's
--    attempts and last error.
-- 3. Dead letters name their consumer: the archiver's letters (a recording it gave up on) sit
--    beside the projector's without parking the projector's keys or colliding with its
--    coordinates.

ALTER TABLE recordings
  ADD COLUMN archive_location text,         -- s3://bucket/key
  ADD COLUMN archive_size     bigint,       -- bytes
  ADD COLUMN archive_sha256   text,         -- hex
  ADD COLUMN archived_at      timestamptz,
  ADD COLUMN media_deleted_at timestamptz;  -- when Twilio's copy was deleted (ARCHIVE_DELETE_AT_TWILIO)

CREATE TABLE recording_archive (
  recording_sid  text PRIMARY KEY,
  call_sid       text NOT NULL,
  object_key     text NOT NULL,
  location       text,
  size           bigint,
  sha256         text,
  etag           text,
  archived_at    timestamptz,        -- the copy is in the bucket, verified by HEAD
  announced_at   timestamptz,        -- io.callstream.recording.archived is on the topic
  deleted_at     timestamptz,        -- Twilio's copy deleted, and that event announced
  attempts       integer NOT NULL DEFAULT 0,
  last_error     text,
  updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX recording_archive_pending ON recording_archive (updated_at) WHERE archived_at IS NULL;

ALTER TABLE dead_letters
  ADD COLUMN consumer text NOT NULL DEFAULT 'projector' CHECK (consumer IN ('projector', 'archive'));
ALTER TABLE dead_letters DROP CONSTRAINT dead_letters_kafka_topic_kafka_partition_kafka_offset_key;
ALTER TABLE dead_letters ADD UNIQUE (consumer, kafka_topic, kafka_partition, kafka_offset);
