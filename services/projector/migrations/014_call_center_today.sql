-- The call center's settings as the analytics views compute with them, and its current local
-- day: for dashboards and analysts whose "today" must be the call center's (docs/analytics.md).
CREATE VIEW analytics.call_center AS
SELECT s.tz AS time_zone,
       s.service_level_seconds,
       (now() AT TIME ZONE s.tz)::date AS today
FROM (SELECT coalesce(max(value) FILTER (WHERE key = 'time_zone'), 'UTC') AS tz,
             coalesce(max(value) FILTER (WHERE key = 'service_level_seconds'), '60')::int
               AS service_level_seconds
      FROM callstream_settings) s;

DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'callstream_analyst') THEN
    GRANT SELECT ON analytics.call_center TO callstream_analyst;
  END IF;
END
$$;
