-- When each call event was written into the read models (freshness: received_at -> applied_at).
-- No default for the rows already there (no table rewrite); new rows get the clock at insert.
ALTER TABLE call_events ADD COLUMN applied_at timestamptz;
ALTER TABLE call_events ALTER COLUMN applied_at SET DEFAULT clock_timestamp();
