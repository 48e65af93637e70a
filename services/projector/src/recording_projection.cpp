#include "recording_projection.hpp"

#include "callstream/events/json.hpp"
#include "kpi_rollups.hpp"

namespace callstream::projector {
namespace {

// Follows kEventRowsInput (event_row.hpp), which names the input rows `input`.
const std::string kApply = with_event_rows(R"sql(
inserted AS (
  INSERT INTO recording_events (event_id, recording_sid, call_sid, status, status_rank, event_time,
                                received_at, kafka_topic, kafka_partition, kafka_offset, data)
  SELECT event_id, data->'params'->>'RecordingSid', data->'params'->>'CallSid',
         data->'params'->>'RecordingStatus',
         CASE data->'params'->>'RecordingStatus' WHEN 'in-progress' THEN 1 ELSE 2 END,
         event_time, received_at, kafka_topic, kafka_partition, kafka_offset, data
  FROM input ORDER BY data->'params'->>'RecordingSid', data->'params'->>'RecordingStatus'
  ON CONFLICT DO NOTHING RETURNING *  -- any unique index: the event id, or the fact (013)
), folded AS (
  SELECT recording_sid,
         min(call_sid) AS call_sid,
         (array_agg(status ORDER BY status_rank DESC, event_time DESC, status DESC))[1] AS status,
         max(status_rank) AS status_rank,
         (array_agg(event_time ORDER BY status_rank DESC, event_time DESC, status DESC))[1] AS status_at,
         min(data->'params'->>'RecordingSource') AS source,
         max(CASE WHEN data->'params'->>'RecordingChannels' ~ '^[0-9]{1,3}$'
                  THEN (data->'params'->>'RecordingChannels')::integer END) AS channels,
         min(data->'params'->>'RecordingTrack') AS track,
         max(CASE WHEN data->'params'->>'RecordingDuration' ~ '^[0-9]{1,9}$'
                  THEN (data->'params'->>'RecordingDuration')::integer END) AS duration_seconds,
         min(NULLIF(data->'params'->>'RecordingUrl', '')) AS url,
         min(event_time) FILTER (WHERE status = 'in-progress') AS started_at,
         max(NULLIF(data->'params'->>'ErrorCode', '0')) AS error_code,
         min(event_time) AS first_event_at,
         max(event_time) AS last_event_at,
         count(*)::integer AS events_applied
  FROM inserted GROUP BY recording_sid
), upserted AS (
  INSERT INTO recordings AS r (recording_sid, call_sid, status, status_rank, status_at, source,
                               channels, track, duration_seconds, url, started_at, error_code,
                               first_event_at, last_event_at, events_applied)
  SELECT recording_sid, call_sid, status, status_rank, status_at, source, channels, track,
         duration_seconds, url, started_at, error_code, first_event_at, last_event_at,
         events_applied
  FROM folded
  ON CONFLICT (recording_sid) DO UPDATE SET
    status = CASE WHEN (EXCLUDED.status_rank, EXCLUDED.status_at, EXCLUDED.status)
                     > (r.status_rank, r.status_at, r.status) THEN EXCLUDED.status ELSE r.status END,
    status_at = CASE WHEN (EXCLUDED.status_rank, EXCLUDED.status_at, EXCLUDED.status)
                        > (r.status_rank, r.status_at, r.status) THEN EXCLUDED.status_at ELSE r.status_at END,
    status_rank = GREATEST(r.status_rank, EXCLUDED.status_rank),
    source = LEAST(r.source, EXCLUDED.source),
    channels = GREATEST(r.channels, EXCLUDED.channels),
    track = LEAST(r.track, EXCLUDED.track),
    duration_seconds = GREATEST(r.duration_seconds, EXCLUDED.duration_seconds),
    url = LEAST(r.url, EXCLUDED.url),
    started_at = LEAST(r.started_at, EXCLUDED.started_at),
    error_code = GREATEST(r.error_code, EXCLUDED.error_code),
    first_event_at = LEAST(r.first_event_at, EXCLUDED.first_event_at),
    last_event_at = GREATEST(r.last_event_at, EXCLUDED.last_event_at),
    events_applied = r.events_applied + EXCLUDED.events_applied
  RETURNING 1
)
SELECT (SELECT count(*) FROM inserted) AS events_new,
       (SELECT count(*) FROM upserted) AS recordings_changed)sql");

constexpr std::string_view kArchiveTypes = "io.callstream.recording.";
constexpr std::string_view kArchived = "io.callstream.recording.archived";
constexpr std::string_view kMediaDeleted = "io.callstream.recording.media-deleted";

// The copy's location, size and digest; a replay of the same copy changes nothing.
const std::string kApplyArchived = with_event_rows(R"sql(
changed AS (
  UPDATE recordings r
  SET archive_location = i.data->>'location', archive_size = (i.data->>'size')::bigint,
      archive_sha256 = i.data->>'sha256', archived_at = (i.data->>'archived_at')::timestamptz
  FROM input i
  WHERE i.event_type = 'io.callstream.recording.archived'
    AND r.recording_sid = i.data->>'recording_sid'
    AND (r.archive_location, r.archive_sha256, r.archived_at)
        IS DISTINCT FROM (i.data->>'location', i.data->>'sha256', (i.data->>'archived_at')::timestamptz)
  RETURNING 1
)
SELECT count(*) AS events_new FROM changed)sql");

const std::string kApplyMediaDeleted = with_event_rows(R"sql(
changed AS (
  UPDATE recordings r SET media_deleted_at = i.event_time
  FROM input i
  WHERE i.event_type = 'io.callstream.recording.media-deleted'
    AND r.recording_sid = i.data->>'recording_sid' AND r.media_deleted_at IS NULL
  RETURNING 1
)
SELECT count(*) AS events_new FROM changed)sql");

core::Result<EventRow> check_archive_event(EventRow row) {
  if (row.event_type != kArchived && row.event_type != kMediaDeleted)
    return undecodable("unexpected event type " + row.event_type + " on " + row.topic);
  auto data = events::JsonDocument::parse(row.data);
  if (!data) return std::unexpected(data.error());
  std::vector<const char*> required = {"recording_sid", "call_sid", "location"};
  if (row.event_type == kArchived) required.insert(required.end(), {"sha256", "archived_at"});
  for (const char* name : required)
    if (auto v = data->string_at({name}); !v || v->empty())
      return undecodable("data lacks " + std::string(name));
  return row;
}

}  // namespace

core::Result<EventRow> decode_recording_event(std::string_view value, std::string topic,
                                              int32_t partition, int64_t offset) {
  if (value.find(kArchiveTypes) == std::string_view::npos)  // the common case: no second look
    return decode_event(value, std::move(topic), partition, offset,
                        {"io.callstream.voice.recording."},
                        {"RecordingSid", "CallSid", "RecordingStatus"});
  auto row = decode_event(value, std::move(topic), partition, offset,
                          {"io.callstream.voice.recording.", kArchiveTypes}, {});
  if (!row) return row;
  if (row->event_type.starts_with(kArchiveTypes)) return check_archive_event(std::move(*row));
  return decode_event(value, row->topic, partition, offset, {"io.callstream.voice.recording."},
                      {"RecordingSid", "CallSid", "RecordingStatus"});
}

// Status events first: an archived event in the same batch as its recording's completion finds
// the row made.
int64_t apply_recording_events_only(pg::Connection& c, const std::vector<EventRow>& rows,
                                    FactRefresh& refresh) {
  std::vector<EventRow> status, archived, deleted;
  for (const auto& r : rows)
    (!r.event_type.starts_with(kArchiveTypes) ? status
     : r.event_type == kArchived              ? archived
                                              : deleted)
        .push_back(r);
  int64_t fresh = exec_with_rows(c, "apply_recording_events", kApply, status);
  if (fresh > 0)
    for (const auto& r : status) refresh.add(FactSource::recordings, r.event_id);
  return fresh + exec_with_rows(c, "apply_recording_archived", kApplyArchived, archived) +
         exec_with_rows(c, "apply_recording_media_deleted", kApplyMediaDeleted, deleted);
}

int64_t apply_recording_events(pg::Connection& c, const std::vector<EventRow>& rows) {
  return apply_then_refresh(c, rows, apply_recording_events_only);
}

}  // namespace callstream::projector
