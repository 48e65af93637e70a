#include "topic_projections.hpp"

#include <iterator>

#include "callstream/events/json.hpp"

#include "eventstreams_mapping.hpp"
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
      return "optouts";
    case TopicKind::eventstreams:
      break;
  }
  return "eventstreams";
}

std::vector<TopicKind> TopicRows::kinds() const {
  std::vector<TopicKind> out;
  if (!calls.empty()) out.push_back(TopicKind::calls);
  if (!recordings.empty()) out.push_back(TopicKind::recordings);
  if (!taskrouter.empty()) out.push_back(TopicKind::taskrouter);
  if (!optouts.empty()) out.push_back(TopicKind::optouts);
  return out;
}

void TopicRows::append(TopicRows&& other) {
  auto move_into = [](auto& to, auto& from) {
    to.insert(to.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
  };
  move_into(calls, other.calls);
  move_into(recordings, other.recordings);
  move_into(taskrouter, other.taskrouter);
  move_into(optouts, other.optouts);
  move_into(ignored, other.ignored);
}

TopicProjections::TopicProjections(const events::Contract& contract)
    : calls_(contract.topic("callstream.voice.calls.v1")),
      recordings_(contract.topic("callstream.voice.recordings.v1")),
      taskrouter_(contract.topic("callstream.taskrouter.v1")),
      optouts_(contract.topic("callstream.optouts.v1")),
      eventstreams_(contract.topic("callstream.eventstreams.v1")) {}

std::vector<std::string> TopicProjections::topics() const {
  return {calls_, recordings_, taskrouter_, optouts_, eventstreams_};
}

std::optional<TopicKind> TopicProjections::kind(std::string_view topic) const {
  if (topic == calls_) return TopicKind::calls;
  if (topic == recordings_) return TopicKind::recordings;
  if (topic == taskrouter_) return TopicKind::taskrouter;
  if (topic == optouts_) return TopicKind::optouts;
  if (topic == eventstreams_) return TopicKind::eventstreams;
  return std::nullopt;
}

core::Result<std::string> TopicProjections::decode(TopicKind kind, std::string_view value,
                                                   const std::string& topic, int32_t partition,
                                                   int64_t offset, TopicRows& rows,
                                                   std::string_view received_at) const {
  // PostgreSQL would refuse the batch, and refuse it again on every retry: a dead letter instead.
  if (events::holds_nul(value))
    return undecodable("a string holds U+0000, which PostgreSQL cannot store");
  if (kind == TopicKind::eventstreams)
    return decode_streamed(value, topic, partition, offset, rows, received_at);
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
  auto& into = kind == TopicKind::recordings ? rows.recordings
               : kind == TopicKind::optouts  ? rows.optouts
                                             : rows.taskrouter;
  into.push_back(std::move(*row));
  return into.back().received_at;
}

// An Event Streams event is decoded as the webhook of the same fact would be.
core::Result<std::string> TopicProjections::decode_streamed(std::string_view value,
                                                            const std::string& topic,
                                                            int32_t partition, int64_t offset,
                                                            TopicRows& rows,
                                                            std::string_view received_at) const {
  auto mapped = map_event_streams(value, received_at);
  if (!mapped) return std::unexpected(mapped.error());
  if (!mapped->fact) {
    rows.ignored.push_back(std::move(mapped->type));
    return std::string(received_at);
  }
  TopicKind kind = *mapped->fact == StreamedFact::call        ? TopicKind::calls
                   : *mapped->fact == StreamedFact::recording ? TopicKind::recordings
                                                              : TopicKind::taskrouter;
  return decode(kind, mapped->envelope, topic, partition, offset, rows);
}

int64_t TopicProjections::apply(pg::Connection& c, const TopicRows& rows) const {
  // One order for every transaction (each statement also locks its rows in key order), so two
  // transactions applied at once never wait on each other in a cycle.
  FactRefresh refresh;
  int64_t fresh = apply_call_events_only(c, rows.calls, refresh);
  fresh += apply_recording_events_only(c, rows.recordings, refresh);
  fresh += apply_taskrouter_events_only(c, rows.taskrouter, refresh);
  fresh += apply_optout_events(c, rows.optouts);
  refresh.run(c);
  return fresh;
}

}  // namespace callstream::projector
