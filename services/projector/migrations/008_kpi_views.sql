-- The KPIs of calls_daily, calls_hourly and queues_daily, written once: analytics.call_kpis
-- computes them for the three groupings at once (GROUPING SETS), and each view picks its own
-- grain. Same columns, types and values as before.
CREATE VIEW analytics.call_kpis AS
SELECT CASE GROUPING(hour, direction, queue) WHEN 5 THEN 'day' WHEN 1 THEN 'hour' ELSE 'queue_day' END
         AS grain,
       day, hour, direction, queue,
       count(*) AS calls,
       count(*) FILTER (WHERE answered) AS answered,
       count(*) FILTER (WHERE missed) AS missed,
       count(*) FILTER (WHERE abandoned) AS abandoned,
       round(avg(duration_seconds), 1) AS avg_duration_seconds,
       round(avg(answer_seconds) FILTER (WHERE answered), 1) AS avg_speed_of_answer_seconds,
       round(avg(coalesce(talk_seconds, 0) + coalesce(wrapup_seconds, 0)) FILTER (WHERE answered), 1)
         AS avg_handle_seconds,
       -- By direction, the service level is an inbound measure; a queue's calls are inbound.
       CASE WHEN direction = 'inbound' OR GROUPING(direction) = 1
            THEN round(100.0 * count(*) FILTER (WHERE answered_within_threshold) / count(*), 1)
       END AS service_level_pct
FROM analytics.call_facts
GROUP BY GROUPING SETS ((day, direction), (day, hour, direction), (day, queue));

CREATE OR REPLACE VIEW analytics.calls_daily AS
SELECT day, direction, calls, answered, missed, abandoned, avg_duration_seconds,
       avg_speed_of_answer_seconds, avg_handle_seconds, service_level_pct
FROM analytics.call_kpis WHERE grain = 'day';

CREATE OR REPLACE VIEW analytics.calls_hourly AS
SELECT day, hour, direction, calls, answered, missed, abandoned, avg_duration_seconds,
       avg_speed_of_answer_seconds, avg_handle_seconds, service_level_pct
FROM analytics.call_kpis WHERE grain = 'hour';

CREATE OR REPLACE VIEW analytics.queues_daily AS
SELECT day, queue, calls AS offered, answered, abandoned, avg_speed_of_answer_seconds,
       avg_handle_seconds, service_level_pct
FROM analytics.call_kpis WHERE grain = 'queue_day' AND queue IS NOT NULL;
