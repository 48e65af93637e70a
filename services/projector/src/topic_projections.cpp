#include "topic_projections.hpp"

#include "callstream/events/json.hpp"

#include "optout_projection.hpp"
#include "recording_projection.hpp"
#include "taskrouter_projection.hpp"

namespace callstream::projector {

const char* to_string(TopicKind kind) {
  switch (kind) {
    case TopicKind::calls:
      return "calls";
    case TopicKind::recordings:
      return "recordings";
    case TopicKind::taskrouter:
      return "taskrouter";
    case TopicKind::optouts:
      break;
  }
  return "optouts";
}

TopicProjections::TopicProjections(const events::Contract& contract)
    : calls_(contract.topic("callstream.voice.calls.v1")),
      recordings_(contract.topic("callstream.voice.recordings.v1")),
      taskrouter_(contract.topic("callstream.taskrouter.v1")),
      optouts_(contract.topic("callstream.optouts.v1")) {}

std::vector<std::string> TopicProjections::topics() const {
  return {calls_, recordings_, taskrouter_, optouts_};
}

std::optional<TopicKind> TopicProjections::kind(std::string_view topic) const {
  if (topic == calls_) return TopicKind::calls;
  if (topic == recordings_) return TopicKind::recordings;
  if (topic == taskrouter_) return TopicKind::taskrouter;
  if (topic == optouts_) return TopicKind::optouts;
  return std::nullopt;
}

core::Result<std::string> TopicProjections::decode(TopicKind kind, std::string_view value,
                                                   const std::string& topic, int32_t partition,
                                                   int64_t offset, TopicRows& rows) const {
  // PostgreSQL would refuse the batch, and refuse it again on every retry: a dead letter instead.
  if (events::holds_nul(value))
    return undecodable("a string holds U+0000, which PostgreSQL cannot store");
  if (kind == TopicKind::calls) {
    auto row = decode_call_event(value, topic, partition, offset);
    if (!row) return std::unexpected(row.error());
    rows.calls.push_back(std::move(*row));
    return rows.calls.back().received_at;
  }
  auto row = kind == TopicKind::recordings ? decode_recording_event(value, topic, partition, offset)
             : kind == TopicKind::optouts
                 ? decode_optout_event(value, topic, partition, offset)
                 : decode_taskrouter_event(value, topic, partition, offset);
  if (!row) return std::unexpected(row.error());
  rows.events.push_back(std::move(*row));
  return rows.events.back().received_at;
}

int64_t TopicProjections::apply(TopicKind kind, pg::Connection& c, const TopicRows& rows) const {
  switch (kind) {
    case TopicKind::calls:
      return apply_call_events(c, rows.calls);
    case TopicKind::recordings:
      return apply_recording_events(c, rows.events);
    case TopicKind::taskrouter:
      return apply_taskrouter_events(c, rows.events);
    case TopicKind::optouts:
      return apply_optout_events(c, rows.events);
  }
  return 0;
}

}  // namespace callstream::projector
