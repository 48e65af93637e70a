#pragma once
// The CloudEvent types of Twilio's status callbacks, named once for both ways they arrive: the
// ingress names a webhook with them, the projector maps an Event Streams event onto them.
#include <optional>
#include <string>
#include <string_view>

namespace callstream::events {

inline constexpr std::string_view kCallStatusType = "com.twilio.voice.status-callback.call.";
inline constexpr std::string_view kAmdDetectedType =
    "com.twilio.voice.status-callback.amd.detected";
inline constexpr std::string_view kRecordingStatusType = "io.callstream.voice.recording.";
inline constexpr std::string_view kTaskRouterType = "com.twilio.taskrouter.";

// CallStatus -> event type (Event Streams names): in-progress is "answered", every terminal
// status is "completed" with the status kept in data. nullopt for an unknown status.
std::optional<std::string> call_status_event_type(std::string_view call_status);

// RecordingStatus -> event type. Event Streams has no confirmed recording type: ours, one per
// status. nullopt for an unknown status.
std::optional<std::string> recording_status_event_type(std::string_view recording_status);

}  // namespace callstream::events
