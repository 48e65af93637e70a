#include "callstream/events/event_types.hpp"

namespace callstream::events {

std::optional<std::string> call_status_event_type(std::string_view s) {
  const std::string prefix(kCallStatusType);
  if (s == "queued" || s == "initiated") return prefix + "initiated";
  if (s == "ringing") return prefix + "ringing";
  if (s == "in-progress") return prefix + "answered";
  if (s == "completed" || s == "busy" || s == "no-answer" || s == "failed" || s == "canceled")
    return prefix + "completed";
  return std::nullopt;
}

std::optional<std::string> recording_status_event_type(std::string_view s) {
  if (s != "in-progress" && s != "completed" && s != "absent" && s != "failed") return std::nullopt;
  return std::string(kRecordingStatusType) + std::string(s);
}

}  // namespace callstream::events
