#include "optout_projection.hpp"

#include "callstream/events/json.hpp"

namespace callstream::projector {
namespace {

// Follows kEventRowsInput (event_row.hpp), which names the input rows `input`.
const std::string kApply = with_event_rows(R"sql(
inserted AS (
  INSERT INTO optout_events (event_id, number, opted_out, source, event_time, received_at,
                             kafka_topic, kafka_partition, kafka_offset, data)
  SELECT event_id, data->>'number', (data->>'opted_out')::boolean, data->>'source', event_time,
         received_at, kafka_topic, kafka_partition, kafka_offset, data
  FROM input ON CONFLICT (event_id) DO NOTHING RETURNING *
), latest AS (
  SELECT DISTINCT ON (number) number, opted_out, source, data->>'keyword' AS keyword,
         data->>'reason' AS reason, event_time AS changed_at, kafka_partition, kafka_offset
  FROM inserted ORDER BY number, kafka_offset DESC
), upserted AS (
  INSERT INTO optouts AS o (number, opted_out, source, keyword, reason, changed_at, kafka_partition,
                            kafka_offset)
  SELECT number, opted_out, source, keyword, reason, changed_at, kafka_partition, kafka_offset
  FROM latest
  ON CONFLICT (number) DO UPDATE SET
    opted_out = EXCLUDED.opted_out, source = EXCLUDED.source, keyword = EXCLUDED.keyword,
    reason = EXCLUDED.reason, changed_at = EXCLUDED.changed_at,
    kafka_partition = EXCLUDED.kafka_partition, kafka_offset = EXCLUDED.kafka_offset
  WHERE EXCLUDED.kafka_offset > o.kafka_offset
  RETURNING 1
)
SELECT (SELECT count(*) FROM inserted) AS events_new,
       (SELECT count(*) FROM upserted) AS optouts_changed)sql");

}  // namespace

core::Result<EventRow> decode_optout_event(std::string_view value, std::string topic,
                                           int32_t partition, int64_t offset) {
  auto row =
      decode_event(value, std::move(topic), partition, offset, {"io.callstream.optout."}, {});
  if (!row) return row;
  auto data = events::JsonDocument::parse(row->data);
  auto number = data ? data->string_at({"number"}) : std::nullopt;
  auto source = data ? data->string_at({"source"}) : std::nullopt;
  auto opted_out = data ? data->json_at({"opted_out"}) : std::nullopt;
  if (!number || number->empty() || !source || !opted_out ||
      (*opted_out != "true" && *opted_out != "false"))
    return undecodable("data lacks number, source or opted_out (true or false)");
  return row;
}

int64_t apply_optout_events(pg::Connection& c, const std::vector<EventRow>& rows) {
  return exec_with_rows(c, "apply_optout_events", kApply, rows);
}

}  // namespace callstream::projector
