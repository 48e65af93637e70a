#pragma once
// An event as the projector stores it: the CloudEvent's envelope facts, its Kafka coordinates
// and its data, ready to be passed to PostgreSQL as arrays (one statement per batch).
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "callstream/core/result.hpp"
#include "callstream/pg/connection.hpp"

namespace callstream::projector {

struct EventRow {
  std::string event_id, event_type;
  std::string event_time, received_at;  // RFC 3339; received_at may be empty
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  std::string data;  // the event's data object, JSON
};

// The failure of an event that is JSON but not one this projection can apply (a dead letter).
core::Unexpected undecodable(std::string why);

// Decodes a CloudEvent whose type starts with one of `type_prefixes` and whose data.params has
// every `required` parameter (non-empty); fails (invalid_json, undecodable) with the reason
// otherwise.
core::Result<EventRow> decode_event(std::string_view value, std::string topic, int32_t partition,
                                    int64_t offset,
                                    std::initializer_list<std::string_view> type_prefixes,
                                    std::initializer_list<std::string_view> required);

// The rows exec_with_rows binds, as eight arrays ($1 event_id text[], $2 event_type text[],
// $3 event_time timestamptz[], $4 received_at timestamptz[], $5 topic text[], $6 partition
// integer[], $7 offset bigint[], $8 data jsonb[]), named as the common table `input`.
inline constexpr std::string_view kEventRowsInput = R"sql(
WITH input AS (
  SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::timestamptz[], $5::text[],
                       $6::integer[], $7::bigint[], $8::jsonb[])
    AS t(event_id, event_type, event_time, received_at, kafka_topic, kafka_partition, kafka_offset, data)
), )sql";

// A projection's statement: kEventRowsInput, then `rest` (its further common tables and a final
// SELECT whose column `events_new` counts the events not applied before).
inline std::string with_event_rows(std::string_view rest) {
  return std::string(kEventRowsInput) + std::string(rest);
}

// The envelope of a batch of rows (EventRow, CallEventRow) as the eight arrays of
// kEventRowsInput: $1 event_id ... $8 data, in that order.
class EnvelopeArrays {
 public:
  template <typename Row>
  void add(const Row& r) {
    ids_.add(r.event_id);
    types_.add(r.event_type);
    times_.add(r.event_time);
    if (r.received_at.empty())
      received_.add_null();
    else
      received_.add(r.received_at);
    topics_.add(r.topic);
    partitions_.add(std::to_string(r.partition));
    offsets_.add(std::to_string(r.offset));
    data_.add(r.data);
  }
  // The literals, to be bound as $1..$8 (a statement's own arrays follow as $9...).
  std::vector<std::string> literals() const {
    return {ids_.str(),    types_.str(),      times_.str(),   received_.str(),
            topics_.str(), partitions_.str(), offsets_.str(), data_.str()};
  }

 private:
  pg::ArrayLiteral ids_, types_, times_, received_, topics_, partitions_, offsets_, data_;
};

// Runs `sql` (made by with_event_rows) with the rows; returns its `events_new`.
int64_t exec_with_rows(pg::Connection& c, const char* name, const std::string& sql,
                       const std::vector<EventRow>& rows);

}  // namespace callstream::projector
