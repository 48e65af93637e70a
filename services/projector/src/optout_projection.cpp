#include "optout_projection.hpp"

#include "callstream/events/json.hpp"

namespace callstream::projector {
namespace {

constexpr const char* kApply = R"sql(
WITH input AS (
  SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::timestamptz[], $5::text[],
                       $6::integer[], $7::bigint[], $8::jsonb[])
    AS t(event_id, event_type, event_time, received_at, kafka_topic, kafka_partition, kafka_offset, data)
), inserted AS (
  INSERT INTO optout_events
  SELECT event_id, data->>'number', (data->>'opted_out')::boolean, data->>'source', event_time,
         received_at, kafka_topic, kafka_partition, kafka_offset, data
  FROM input ON CONFLICT (event_id) DO NOTHING RETURNING *
), latest AS (
  SELECT DISTINCT ON (number) number, opted_out, source, data->>'keyword' AS keyword,
         data->>'reason' AS reason, event_time, kafka_partition, kafka_offset
  FROM inserted ORDER BY number, kafka_offset DESC
), upserted AS (
  INSERT INTO optouts AS o SELECT * FROM latest
  ON CONFLICT (number) DO UPDATE SET
    opted_out = EXCLUDED.opted_out, source = EXCLUDED.source, keyword = EXCLUDED.keyword,
    reason = EXCLUDED.reason, changed_at = EXCLUDED.changed_at,
    kafka_partition = EXCLUDED.kafka_partition, kafka_offset = EXCLUDED.kafka_offset
  WHERE EXCLUDED.kafka_offset > o.kafka_offset
  RETURNING 1
)
SELECT (SELECT count(*) FROM inserted), (SELECT count(*) FROM upserted))sql";

}  // namespace

std::optional<EventRow> decode_optout_event(std::string_view value, std::string topic,
                                            int32_t partition, int64_t offset, std::string* error) {
  auto row = decode_event(value, std::move(topic), partition, offset, {"io.callstream.optout."}, {},
                          error);
  if (!row) return row;
  auto data = events::JsonDocument::parse(row->data);
  auto number = data ? data->string_at({"number"}) : std::nullopt;
  auto source = data ? data->string_at({"source"}) : std::nullopt;
  auto opted_out = data ? data->json_at({"opted_out"}) : std::nullopt;
  if (!number || number->empty() || !source || !opted_out ||
      (*opted_out != "true" && *opted_out != "false")) {
    if (error) *error = "data lacks number, source or opted_out (true or false)";
    return std::nullopt;
  }
  return row;
}

int64_t apply_optout_events(pg::Connection& c, const std::vector<EventRow>& rows) {
  return exec_with_rows(c, "apply_optout_events", kApply, rows);
}

}  // namespace callstream::projector
