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

// Each topic feeds the read models of its kind; Event Streams' topic feeds calls, recordings
// and TaskRouter's alike (eventstreams_mapping.hpp).
enum class TopicKind { calls, recordings, taskrouter, optouts, eventstreams };
// "calls", "recordings", "taskrouter", "optouts", "eventstreams": the kind the console's live
// stream names.
const char* to_string(TopicKind kind);

// A batch's decoded rows, by the read models they feed.
struct TopicRows {
  std::vector<CallEventRow> calls;
  std::vector<EventRow> recordings, taskrouter, optouts;
  std::vector<std::string> ignored;  // Event Streams types no read model uses
  size_t size() const {
    return calls.size() + recordings.size() + taskrouter.size() + optouts.size();
  }
  // The kinds of read model the rows change.
  std::vector<TopicKind> kinds() const;
  // Moves `other`'s rows after these.
  void append(TopicRows&& other);
};

class TopicProjections {
 public:
  explicit TopicProjections(const events::Contract& contract);

  // The topics consumed, with the prefix.
  std::vector<std::string> topics() const;
  std::optional<TopicKind> kind(std::string_view topic) const;

  // Decodes one message and appends its row (an Event Streams type no read model uses: its
  // type to rows.ignored); returns the event's ingress receive time (RFC 3339, empty when
  // unknown). `received_at`: the message's receivedat header, for Event Streams events, whose
  // value is Twilio's. Fails with the reason when it cannot be applied (a dead letter).
  core::Result<std::string> decode(TopicKind kind, std::string_view value, const std::string& topic,
                                   int32_t partition, int64_t offset, TopicRows& rows,
                                   std::string_view received_at = {}) const;
  // Applies the rows; returns how many events were new.
  int64_t apply(pg::Connection& c, const TopicRows& rows) const;

 private:
  core::Result<std::string> decode_streamed(std::string_view value, const std::string& topic,
                                            int32_t partition, int64_t offset, TopicRows& rows,
                                            std::string_view received_at) const;

  std::string calls_, recordings_, taskrouter_, optouts_, eventstreams_;
};

}  // namespace callstream::projector
