#pragma once
// An event as the projector stores it: the CloudEvent's envelope facts, its Kafka coordinates
// and its data, ready to be passed to PostgreSQL as arrays (one statement per batch).
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

// Decodes a CloudEvent whose type starts with one of `type_prefixes` and whose data.params has
// every `required` parameter (non-empty); nullopt with the reason otherwise.
std::optional<EventRow> decode_event(std::string_view value, std::string topic, int32_t partition,
                                     int64_t offset,
                                     std::initializer_list<std::string_view> type_prefixes,
                                     std::initializer_list<std::string_view> required,
                                     std::string* error);

// Runs `sql` with the rows as eight arrays: $1 event_id text[], $2 event_type text[],
// $3 event_time timestamptz[], $4 received_at timestamptz[], $5 topic text[],
// $6 partition integer[], $7 offset bigint[], $8 data jsonb[]. Returns the first column of
// the first row (the statement reports how many events were new).
int64_t exec_with_rows(pg::Connection& c, const char* name, const char* sql,
                       const std::vector<EventRow>& rows);

}  // namespace callstream::projector
