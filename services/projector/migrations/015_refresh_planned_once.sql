-- Each batch refreshes the facts of the calls it touched (010_kpi_rollups.sql). That refresh is
-- one large statement, and PostgreSQL planned it again for every batch: at 2,000 webhooks/s
-- planning was more than half of the database's time (docs/performance.md, issue 21). From here
-- the two functions are planned once per connection and the plan is kept:
--
-- * plan_cache_mode = force_generic_plan: the plan is made once for any array of call ids.
-- * enable_seqscan = off: a batch touches a handful of calls, and every table the refresh reads
--   has an index on the call id. A plan made while the tables are still empty (a new database,
--   a rebuild's shadow schema) would otherwise scan them whole, and keep doing so as they grow.
-- * jit = off: the cost that turns the scans off would also pass JIT's threshold, and compiling
--   the statement takes a second where running it takes a millisecond.
-- * callstream_refresh_events gets a PL/pgSQL version that takes the events of every topic at
--   once: an SQL function's statements are planned at every call; PL/pgSQL keeps its plans.
--
-- Same results: the functions read and write the same rows as before.

-- The calls whose facts these newly applied events (their ids, by topic) may change: a call
-- event's call, a recording event's call, a TaskRouter event's task's call (worker events:
-- none). One call for all three, so a transaction that applied several topics' events takes
-- every call's lock in one statement, in one order: two refreshes in one transaction could each
-- hold a lock that the other's transaction waits for.
CREATE FUNCTION callstream_refresh_events(call_event_ids text[], recording_event_ids text[],
                                          taskrouter_event_ids text[]) RETURNS void
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
SET enable_seqscan = off
SET jit = off
AS $$
DECLARE
  sids text[];
BEGIN
  sids := ARRAY(
    SELECT e.call_sid FROM call_events e WHERE e.event_id = ANY(call_event_ids)
    UNION
    SELECT e.call_sid FROM recording_events e
    WHERE e.event_id = ANY(recording_event_ids) AND e.call_sid IS NOT NULL
    UNION
    -- Each event's task looked up by its key (a join would be planned as a merge over both).
    SELECT call_sid
    FROM (SELECT (SELECT t.call_sid FROM tasks t WHERE t.task_sid = e.task_sid) AS call_sid
          FROM taskrouter_events e WHERE e.event_id = ANY(taskrouter_event_ids)) task_calls
    WHERE call_sid IS NOT NULL);
  IF cardinality(sids) > 0 THEN
    PERFORM callstream_refresh_call_facts(sids);
  END IF;
END
$$;

-- What projectors of an earlier release call, until each is replaced.
CREATE OR REPLACE FUNCTION callstream_refresh_events(source text, event_ids text[]) RETURNS void
LANGUAGE sql AS $$
  SELECT callstream_refresh_events(CASE WHEN source = 'calls' THEN event_ids END,
                                   CASE WHEN source = 'recordings' THEN event_ids END,
                                   CASE WHEN source = 'taskrouter' THEN event_ids END)
$$;

ALTER FUNCTION callstream_refresh_call_facts(text[]) SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION callstream_refresh_call_facts(text[]) SET enable_seqscan = off;
ALTER FUNCTION callstream_refresh_call_facts(text[]) SET jit = off;
