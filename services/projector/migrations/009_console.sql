-- The console (docs/console.md): its users, their sessions, the sign-in failures that slow
-- guessing down, and the period KPIs the console's cards and the analysts share.

CREATE TABLE console_users (
  user_id             bigserial PRIMARY KEY,
  -- An agent's name is its Twilio client identity and its TaskRouter worker's contact_uri.
  name                text NOT NULL UNIQUE CHECK (name ~ '^[A-Za-z0-9_.@-]{1,64}$'),
  display_name        text,
  role                text NOT NULL CHECK (role IN ('supervisor', 'agent')),
  password_hash       text NOT NULL,  -- Argon2id (libsodium's crypto_pwhash_str): never a fast hash
  disabled_at         timestamptz,
  created_at          timestamptz NOT NULL DEFAULT now(),
  password_changed_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE console_sessions (
  token_hash   bytea PRIMARY KEY,  -- SHA-256 of the cookie's token: the table opens no session
  user_id      bigint NOT NULL REFERENCES console_users ON DELETE CASCADE,
  csrf_token   text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,  -- the absolute expiry; the idle one is last_seen_at + idle
  revoked_at   timestamptz,
  address      text
);
CREATE INDEX console_sessions_user ON console_sessions (user_id);

CREATE TABLE console_signin_failures (
  key       text NOT NULL,  -- 'user:alice' or 'address:203.0.113.7'
  failed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX console_signin_failures_key ON console_signin_failures (key, failed_at);

-- The calls list pages by start time, newest first (analytics.call_facts.started_at).
CREATE INDEX calls_started_at ON calls ((coalesce(initiated_at, ringing_at, first_event_at)), call_sid);

-- A period's KPIs over whole local days [from_day, to_day], for the console's cards and for
-- analysts: SELECT * FROM analytics.period_kpis(current_date - 6, current_date). Same
-- definitions as analytics.call_kpis (docs/analytics.md); the service level counts inbound calls.
CREATE FUNCTION analytics.period_kpis(from_day date, to_day date)
RETURNS TABLE (calls bigint, answered bigint, missed bigint, abandoned bigint,
               avg_duration_seconds numeric, avg_speed_of_answer_seconds numeric,
               avg_handle_seconds numeric, service_level_pct numeric)
LANGUAGE sql STABLE AS $$
  SELECT count(*),
         count(*) FILTER (WHERE f.answered),
         count(*) FILTER (WHERE f.missed),
         count(*) FILTER (WHERE f.abandoned),
         round(avg(f.duration_seconds), 1),
         round(avg(f.answer_seconds) FILTER (WHERE f.answered), 1),
         round(avg(coalesce(f.talk_seconds, 0) + coalesce(f.wrapup_seconds, 0)) FILTER (WHERE f.answered), 1),
         round(100.0 * count(*) FILTER (WHERE f.answered_within_threshold AND f.direction = 'inbound')
               / nullif(count(*) FILTER (WHERE f.direction = 'inbound'), 0), 1)
  FROM analytics.call_facts f
  CROSS JOIN (SELECT coalesce(max(value) FILTER (WHERE key = 'time_zone'), 'UTC') AS tz
              FROM callstream_settings) s
  WHERE f.started_at >= (from_day::timestamp AT TIME ZONE s.tz)
    AND f.started_at < ((to_day + 1)::timestamp AT TIME ZONE s.tz)
$$;

DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'callstream_analyst') THEN
    GRANT EXECUTE ON FUNCTION analytics.period_kpis(date, date) TO callstream_analyst;
  END IF;
END
$$;
