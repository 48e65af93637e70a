#pragma once
// Which read models each topic feeds: decoding a message into rows and applying a batch of them
// in the caller's transaction. Shared by the consumer loop and the dead-letter redrive.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "call_projection.hpp"
#include "callstream/events/contract.hpp"
#include "event_row.hpp"

namespace callstream::projector {

enum class TopicKind { calls, recordings, taskrouter, optouts };
// "calls", "recordings", "taskrouter", "optouts": the kind the console's live stream names.
const char* to_string(TopicKind kind);

struct TopicRows {
  std::vector<CallEventRow> calls;
  std::vector<EventRow> events;
  size_t size() const { return calls.size() + events.size(); }
};

class TopicProjections {
 public:
  explicit TopicProjections(const events::Contract& contract);

  // The topics consumed, with the prefix.
  std::vector<std::string> topics() const;
  std::optional<TopicKind> kind(std::string_view topic) const;

  // Decodes one message and appends its row; returns the event's ingress receive time (RFC 3339,
  // empty when unknown). Fails with the reason when it cannot be applied (a dead letter).
  core::Result<std::string> decode(TopicKind kind, std::string_view value, const std::string& topic,
                                   int32_t partition, int64_t offset, TopicRows& rows) const;
  // Applies the rows; returns how many events were new.
  int64_t apply(TopicKind kind, pg::Connection& c, const TopicRows& rows) const;

 private:
  std::string calls_, recordings_, taskrouter_, optouts_;
};

}  // namespace callstream::projector
