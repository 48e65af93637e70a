#include "taskrouter_projection.hpp"

#include "kpi_rollups.hpp"

namespace callstream::projector {
namespace {

// Follows kEventRowsInput (event_row.hpp), which names the input rows `input`.
const std::string kApply = with_event_rows(R"sql(
inserted AS (
  INSERT INTO taskrouter_events (event_id, event_type, task_sid, reservation_sid, worker_sid,
                                 event_time, received_at, kafka_topic, kafka_partition,
                                 kafka_offset, data)
  SELECT event_id,
         coalesce(NULLIF(data->'params'->>'EventType', ''), regexp_replace(input.event_type, '^io\.callstream\.taskrouter\.', '')),
         NULLIF(data->'params'->>'TaskSid', ''), NULLIF(data->'params'->>'ReservationSid', ''),
         NULLIF(data->'params'->>'WorkerSid', ''),
         event_time, received_at, kafka_topic, kafka_partition, kafka_offset, data
  FROM input ORDER BY data->'params'->>'Sid'
  ON CONFLICT DO NOTHING RETURNING *  -- any unique index: the event id, or the fact (013)
), ev AS (
  SELECT event_id, event_type, task_sid, reservation_sid, worker_sid, event_time, data->'params' AS p
  FROM inserted
), task_ev AS (
  SELECT *, CASE status WHEN 'pending' THEN 0 WHEN 'reserved' THEN 1 WHEN 'assigned' THEN 2
                        WHEN 'wrapping' THEN 3 WHEN 'completed' THEN 4 WHEN 'canceled' THEN 4
                        ELSE -1 END AS rank
  FROM (SELECT *, coalesce(NULLIF(p->>'TaskAssignmentStatus', ''),
                           CASE event_type WHEN 'task.created' THEN 'pending'
                                           WHEN 'task.canceled' THEN 'canceled'
                                           WHEN 'task.wrapup' THEN 'wrapping'
                                           WHEN 'task.completed' THEN 'completed'
                                           WHEN 'reservation.accepted' THEN 'assigned' END) AS status
        FROM ev WHERE task_sid IS NOT NULL) s
), task_folded AS (
  SELECT task_sid,
         min(p->>'WorkspaceSid') AS workspace_sid,
         min(substring(p->>'TaskAttributes' from '"call_sid"\s*:\s*"([A-Za-z0-9]+)"')) AS call_sid,
         (array_agg(p->>'TaskQueueSid' ORDER BY event_time DESC) FILTER (WHERE p->>'TaskQueueSid' <> ''))[1] AS queue_sid,
         (array_agg(p->>'TaskQueueName' ORDER BY event_time DESC) FILTER (WHERE p->>'TaskQueueName' <> ''))[1] AS queue_name,
         coalesce((array_agg(status ORDER BY rank DESC, event_time DESC, status DESC) FILTER (WHERE rank >= 0))[1], '') AS status,
         max(rank) AS status_rank,
         (array_agg(event_time ORDER BY rank DESC, event_time DESC, status DESC))[1] AS status_at,
         min(event_time) FILTER (WHERE event_type = 'task.created') AS created_at,
         min(event_time) FILTER (WHERE event_type = 'reservation.accepted') AS accepted_at,
         (array_agg(p->>'WorkerSid' ORDER BY event_time) FILTER (WHERE event_type = 'reservation.accepted'))[1] AS worker_sid,
         (array_agg(p->>'WorkerName' ORDER BY event_time) FILTER (WHERE event_type = 'reservation.accepted'))[1] AS worker_name,
         min(event_time) FILTER (WHERE event_type = 'task.canceled') AS canceled_at,
         min(NULLIF(p->>'TaskCanceledReason', '')) AS canceled_reason,
         min(event_time) FILTER (WHERE event_type = 'task.wrapup') AS wrapup_at,
         min(event_time) FILTER (WHERE event_type = 'task.completed') AS completed_at,
         min(NULLIF(p->>'TaskCompletedReason', '')) AS completed_reason,
         min(event_time) AS first_event_at,
         max(event_time) AS last_event_at,
         count(*)::integer AS events_applied
  FROM task_ev GROUP BY task_sid
), task_upserted AS (
  INSERT INTO tasks AS t (task_sid, workspace_sid, call_sid, queue_sid, queue_name, status,
                         status_rank, status_at, created_at, accepted_at, worker_sid, worker_name,
                         canceled_at, canceled_reason, wrapup_at, completed_at, completed_reason,
                         first_event_at, last_event_at, events_applied)
  SELECT task_sid, workspace_sid, call_sid, queue_sid, queue_name, status, status_rank, status_at,
         created_at, accepted_at, worker_sid, worker_name, canceled_at, canceled_reason, wrapup_at,
         completed_at, completed_reason, first_event_at, last_event_at, events_applied
  FROM task_folded
  ON CONFLICT (task_sid) DO UPDATE SET
    workspace_sid = LEAST(t.workspace_sid, EXCLUDED.workspace_sid),
    call_sid = LEAST(t.call_sid, EXCLUDED.call_sid),
    queue_sid = CASE WHEN EXCLUDED.last_event_at >= t.last_event_at
                     THEN coalesce(EXCLUDED.queue_sid, t.queue_sid) ELSE coalesce(t.queue_sid, EXCLUDED.queue_sid) END,
    queue_name = CASE WHEN EXCLUDED.last_event_at >= t.last_event_at
                      THEN coalesce(EXCLUDED.queue_name, t.queue_name) ELSE coalesce(t.queue_name, EXCLUDED.queue_name) END,
    status = CASE WHEN (EXCLUDED.status_rank, EXCLUDED.status_at, EXCLUDED.status) > (t.status_rank, t.status_at, t.status)
                  THEN EXCLUDED.status ELSE t.status END,
    status_at = CASE WHEN (EXCLUDED.status_rank, EXCLUDED.status_at, EXCLUDED.status) > (t.status_rank, t.status_at, t.status)
                     THEN EXCLUDED.status_at ELSE t.status_at END,
    status_rank = GREATEST(t.status_rank, EXCLUDED.status_rank),
    created_at = LEAST(t.created_at, EXCLUDED.created_at),
    accepted_at = LEAST(t.accepted_at, EXCLUDED.accepted_at),
    worker_sid = CASE WHEN t.accepted_at IS NULL OR EXCLUDED.accepted_at < t.accepted_at
                      THEN coalesce(EXCLUDED.worker_sid, t.worker_sid) ELSE t.worker_sid END,
    worker_name = CASE WHEN t.accepted_at IS NULL OR EXCLUDED.accepted_at < t.accepted_at
                       THEN coalesce(EXCLUDED.worker_name, t.worker_name) ELSE t.worker_name END,
    canceled_at = LEAST(t.canceled_at, EXCLUDED.canceled_at),
    canceled_reason = LEAST(t.canceled_reason, EXCLUDED.canceled_reason),
    wrapup_at = LEAST(t.wrapup_at, EXCLUDED.wrapup_at),
    completed_at = LEAST(t.completed_at, EXCLUDED.completed_at),
    completed_reason = LEAST(t.completed_reason, EXCLUDED.completed_reason),
    first_event_at = LEAST(t.first_event_at, EXCLUDED.first_event_at),
    last_event_at = GREATEST(t.last_event_at, EXCLUDED.last_event_at),
    events_applied = t.events_applied + EXCLUDED.events_applied
  RETURNING 1
), res_ev AS (
  SELECT *, CASE status WHEN 'pending' THEN 0 WHEN 'accepted' THEN 1 WHEN 'wrapping' THEN 2 ELSE 3 END AS rank
  FROM (SELECT *, CASE event_type WHEN 'reservation.created' THEN 'pending'
                                  WHEN 'reservation.accepted' THEN 'accepted'
                                  WHEN 'reservation.wrapup' THEN 'wrapping'
                                  ELSE substring(event_type from 13) END AS status
        FROM ev WHERE reservation_sid IS NOT NULL AND event_type LIKE 'reservation.%') s
), res_folded AS (
  SELECT reservation_sid,
         min(task_sid) AS task_sid,
         min(worker_sid) AS worker_sid,
         min(p->>'WorkerName') AS worker_name,
         (array_agg(status ORDER BY rank DESC, event_time DESC, status DESC))[1] AS status,
         max(rank) AS status_rank,
         (array_agg(event_time ORDER BY rank DESC, event_time DESC, status DESC))[1] AS status_at,
         min(event_time) FILTER (WHERE status = 'pending') AS created_at,
         min(event_time) FILTER (WHERE status = 'accepted') AS accepted_at,
         min(event_time) FILTER (WHERE rank = 3) AS ended_at,
         max(event_time) AS last_event_at
  FROM res_ev WHERE task_sid IS NOT NULL GROUP BY reservation_sid
), res_upserted AS (
  INSERT INTO reservations AS r (reservation_sid, task_sid, worker_sid, worker_name, status,
                                status_rank, status_at, created_at, accepted_at, ended_at,
                                last_event_at)
  SELECT reservation_sid, task_sid, worker_sid, worker_name, status, status_rank, status_at,
         created_at, accepted_at, ended_at, last_event_at
  FROM res_folded
  ON CONFLICT (reservation_sid) DO UPDATE SET
    worker_sid = LEAST(r.worker_sid, EXCLUDED.worker_sid),
    worker_name = LEAST(r.worker_name, EXCLUDED.worker_name),
    status = CASE WHEN (EXCLUDED.status_rank, EXCLUDED.status_at, EXCLUDED.status) > (r.status_rank, r.status_at, r.status)
                  THEN EXCLUDED.status ELSE r.status END,
    status_at = CASE WHEN (EXCLUDED.status_rank, EXCLUDED.status_at, EXCLUDED.status) > (r.status_rank, r.status_at, r.status)
                     THEN EXCLUDED.status_at ELSE r.status_at END,
    status_rank = GREATEST(r.status_rank, EXCLUDED.status_rank),
    created_at = LEAST(r.created_at, EXCLUDED.created_at),
    accepted_at = LEAST(r.accepted_at, EXCLUDED.accepted_at),
    ended_at = LEAST(r.ended_at, EXCLUDED.ended_at),
    last_event_at = GREATEST(r.last_event_at, EXCLUDED.last_event_at)
  RETURNING 1
), worker_folded AS (
  SELECT DISTINCT ON (worker_sid) worker_sid,
         NULLIF(p->>'WorkerName', '') AS name,
         NULLIF(p->>'WorkerActivitySid', '') AS activity_sid,
         NULLIF(p->>'WorkerActivityName', '') AS activity_name,
         NULLIF(p->>'WorkerAttributes', '') AS attributes,
         event_time AS updated_at,
         (count(*) OVER (PARTITION BY worker_sid))::integer AS events_applied
  FROM ev WHERE worker_sid IS NOT NULL
  ORDER BY worker_sid, event_time DESC, event_id DESC
), worker_upserted AS (
  INSERT INTO workers AS w (worker_sid, name, activity_sid, activity_name, attributes, updated_at,
                            events_applied)
  SELECT worker_sid, name, activity_sid, activity_name, attributes, updated_at, events_applied
  FROM worker_folded
  ON CONFLICT (worker_sid) DO UPDATE SET
    name = CASE WHEN EXCLUDED.updated_at >= w.updated_at THEN coalesce(EXCLUDED.name, w.name) ELSE coalesce(w.name, EXCLUDED.name) END,
    activity_sid = CASE WHEN EXCLUDED.updated_at >= w.updated_at THEN coalesce(EXCLUDED.activity_sid, w.activity_sid) ELSE coalesce(w.activity_sid, EXCLUDED.activity_sid) END,
    activity_name = CASE WHEN EXCLUDED.updated_at >= w.updated_at THEN coalesce(EXCLUDED.activity_name, w.activity_name) ELSE coalesce(w.activity_name, EXCLUDED.activity_name) END,
    attributes = CASE WHEN EXCLUDED.updated_at >= w.updated_at THEN coalesce(EXCLUDED.attributes, w.attributes) ELSE coalesce(w.attributes, EXCLUDED.attributes) END,
    updated_at = GREATEST(w.updated_at, EXCLUDED.updated_at),
    events_applied = w.events_applied + EXCLUDED.events_applied
  RETURNING 1
), activity_inserted AS (
  INSERT INTO worker_activity (event_id, worker_sid, worker_name, activity_sid, activity_name,
                               started_at, ended_at, seconds)
  SELECT event_id, worker_sid, NULLIF(p->>'WorkerName', ''), NULLIF(p->>'WorkerPreviousActivitySid', ''),
         NULLIF(p->>'WorkerPreviousActivityName', ''), event_time - secs * interval '1 second', event_time, secs
  FROM (SELECT *, CASE WHEN p->>'WorkerTimeInPreviousActivityMs' ~ '^[0-9]{1,15}$'
                       THEN (p->>'WorkerTimeInPreviousActivityMs')::numeric / 1000
                       WHEN p->>'WorkerTimeInPreviousActivity' ~ '^[0-9]{1,12}$'
                       THEN (p->>'WorkerTimeInPreviousActivity')::numeric END AS secs
        FROM ev WHERE event_type = 'worker.activity.update' AND worker_sid IS NOT NULL) a
  WHERE secs IS NOT NULL
  ON CONFLICT (event_id) DO NOTHING
  RETURNING 1
)
SELECT (SELECT count(*) FROM inserted) AS events_new,
       (SELECT count(*) FROM task_upserted) AS tasks_changed,
       (SELECT count(*) FROM res_upserted) AS reservations_changed,
       (SELECT count(*) FROM worker_upserted) AS workers_changed,
       (SELECT count(*) FROM activity_inserted) AS activities_new)sql");

}  // namespace

core::Result<EventRow> decode_taskrouter_event(std::string_view value, std::string topic,
                                               int32_t partition, int64_t offset) {
  return decode_event(value, std::move(topic), partition, offset,
                      {"com.twilio.taskrouter.", "io.callstream.taskrouter."},
                      {"AccountSid", "WorkspaceSid"});
}

int64_t apply_taskrouter_events_only(pg::Connection& c, const std::vector<EventRow>& rows,
                                     FactRefresh& refresh) {
  int64_t fresh = exec_with_rows(c, "apply_taskrouter_events", kApply, rows);
  if (fresh > 0)
    for (const auto& r : rows) refresh.add(FactSource::taskrouter, r.event_id);
  return fresh;
}

int64_t apply_taskrouter_events(pg::Connection& c, const std::vector<EventRow>& rows) {
  return apply_then_refresh(c, rows, apply_taskrouter_events_only);
}

}  // namespace callstream::projector
