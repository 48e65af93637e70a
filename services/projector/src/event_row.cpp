#include "event_row.hpp"

#include "callstream/events/json.hpp"

namespace callstream::projector {

core::Unexpected undecodable(std::string why) { return core::fail("undecodable", std::move(why)); }

core::Result<EventRow> decode_event(std::string_view value, std::string topic, int32_t partition,
                                    int64_t offset,
                                    std::initializer_list<std::string_view> type_prefixes,
                                    std::initializer_list<std::string_view> required) {
  auto doc = events::JsonDocument::parse(value);
  if (!doc) return std::unexpected(doc.error());
  auto id = doc->string_at({"id"});
  auto type = doc->string_at({"type"});
  auto time = doc->string_at({"time"});
  if (!id || id->empty() || !type || !time) return undecodable("envelope lacks id, type or time");
  bool known = false;
  for (auto prefix : type_prefixes) known = known || type->substr(0, prefix.size()) == prefix;
  if (!known) return undecodable("unexpected event type " + std::string(*type) + " on " + topic);
  std::string missing;
  for (auto name : required) {
    auto v = doc->string_at({"data", "params", name});
    if (!v || v->empty()) missing += (missing.empty() ? "" : ", ") + std::string(name);
  }
  if (!missing.empty()) return undecodable("data.params lacks " + missing);
  EventRow row;
  row.event_id = *id;
  row.event_type = *type;
  row.event_time = *time;
  row.received_at = doc->string_at({"receivedat"}).value_or("");
  row.topic = std::move(topic);
  row.partition = partition;
  row.offset = offset;
  row.data = doc->json_at({"data"}).value_or("{}");
  return row;
}

int64_t exec_with_rows(pg::Connection& c, const char* name, const std::string& sql,
                       const std::vector<EventRow>& rows) {
  if (rows.empty()) return 0;
  EnvelopeArrays envelope;
  for (const auto& r : rows) envelope.add(r);
  auto literals = envelope.literals();
  std::vector<pg::Param> params(literals.begin(), literals.end());
  return c.exec_prepared(name, sql.c_str(), params).get_int(0, "events_new");
}

}  // namespace callstream::projector
