#pragma once
// Twilio Event Streams events -> the webhook-shaped events the projections read. Where the two
// shapes differ (field names, time formats, what one carries and the other does not), this is
// the one place that says how; docs/events.md has the same table for people.
#include <optional>
#include <string>
#include <string_view>

#include "callstream/core/result.hpp"

namespace callstream::projector {

enum class StreamedFact { call, recording, taskrouter };

struct MappedEvent {
  std::string type;                  // Twilio's type, as it arrived
  std::optional<StreamedFact> fact;  // nullopt: a type no read model uses (kept on the topic)
  std::string envelope;              // the CloudEvent a webhook of the same fact gives
};

// Maps one Event Streams CloudEvent (`received_at`: when the ingress received it, RFC 3339, may
// be empty). Fails (invalid_json, undecodable) with the reason when it is not JSON, has no id or
// type, or is of a type the read models use but lacks what they need.
core::Result<MappedEvent> map_event_streams(std::string_view value, std::string_view received_at);

}  // namespace callstream::projector
