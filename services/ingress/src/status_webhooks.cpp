#include "status_webhooks.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace callstream::ingress {
namespace {

// The value of a required parameter; records the error and returns nullptr when absent or empty.
const std::string* require(const twilio::Params& p, std::initializer_list<const char*> names,
                           FactsError& error) {
  const std::string* first = nullptr;
  std::string missing;
  for (const char* n : names) {
    const std::string* v = twilio::find_param(p, n);
    if (!v || v->empty()) missing += (missing.empty() ? "" : ", ") + std::string(n);
    if (!first) first = v;
  }
  if (!missing.empty()) {
    error = {"missing_parameter", "required parameter(s) missing: " + missing};
    return nullptr;
  }
  return first;
}

std::optional<core::SysMillis> rfc2822_param(const twilio::Params& p, const char* name) {
  const std::string* v = twilio::find_param(p, name);
  return v ? core::parse_rfc2822(*v) : std::nullopt;
}

std::optional<core::SysMillis> epoch_param(const twilio::Params& p, const char* name,
                                           int64_t unit_ms) {
  const std::string* v = twilio::find_param(p, name);
  int64_t n = 0;
  if (!v || std::from_chars(v->data(), v->data() + v->size(), n).ptr != v->data() + v->size() ||
      n <= 0)
    return std::nullopt;
  return core::SysMillis(std::chrono::milliseconds(n * unit_ms));
}

bool lowercase_name(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s)
    if (!(std::islower(static_cast<unsigned char>(c)) || c == '.' || c == '-')) return false;
  return true;
}

}  // namespace

std::optional<std::string> call_status_event_type(std::string_view s) {
  constexpr std::string_view prefix = "com.twilio.voice.status-callback.call.";
  if (s == "queued" || s == "initiated") return std::string(prefix) + "initiated";
  if (s == "ringing") return std::string(prefix) + "ringing";
  if (s == "in-progress") return std::string(prefix) + "answered";
  if (s == "completed" || s == "busy" || s == "no-answer" || s == "failed" || s == "canceled")
    return std::string(prefix) + "completed";
  return std::nullopt;
}

std::optional<EventFacts> describe_call_status(const twilio::Params& p, FactsError& error) {
  if (!require(p, {"CallSid", "AccountSid", "CallStatus"}, error)) return std::nullopt;
  const std::string& status = *twilio::find_param(p, "CallStatus");
  auto type = call_status_event_type(status);
  if (!type) {
    error = {"unknown_call_status", "unknown CallStatus '" + status + "'"};
    return std::nullopt;
  }
  const std::string& sid = *twilio::find_param(p, "CallSid");
  return EventFacts{*type, sid, sid, rfc2822_param(p, "Timestamp")};
}

std::optional<EventFacts> describe_recording_status(const twilio::Params& p, FactsError& error) {
  if (!require(p, {"RecordingSid", "CallSid", "AccountSid", "RecordingStatus"}, error))
    return std::nullopt;
  const std::string& status = *twilio::find_param(p, "RecordingStatus");
  if (status != "in-progress" && status != "completed" && status != "absent" &&
      status != "failed") {
    error = {"unknown_recording_status", "unknown RecordingStatus '" + status + "'"};
    return std::nullopt;
  }
  // Event Streams has no confirmed recording type: ours, one per RecordingStatus.
  return EventFacts{"io.callstream.voice.recording." + status, *twilio::find_param(p, "CallSid"),
                    *twilio::find_param(p, "RecordingSid"), rfc2822_param(p, "RecordingStartTime")};
}

std::optional<EventFacts> describe_taskrouter_event(const twilio::Params& p, FactsError& error) {
  if (!require(p, {"EventType", "AccountSid", "WorkspaceSid"}, error)) return std::nullopt;
  const std::string& event_type = *twilio::find_param(p, "EventType");
  if (!lowercase_name(event_type)) {
    error = {"unknown_event_type", "EventType '" + event_type + "' is not a TaskRouter event name"};
    return std::nullopt;
  }
  // Task and reservation events are keyed by task, worker events by worker, the rest by resource.
  const std::string* task = twilio::find_param(p, "TaskSid");
  const std::string* worker = twilio::find_param(p, "WorkerSid");
  const std::string* resource = twilio::find_param(p, "ResourceSid");
  const std::string* key = nullptr;
  if (event_type.rfind("worker.", 0) == 0)
    key = worker;
  else if (event_type.rfind("task.", 0) == 0 || event_type.rfind("reservation.", 0) == 0)
    key = task;
  if (!key || key->empty()) key = resource;
  if (!key || key->empty()) key = twilio::find_param(p, "WorkspaceSid");
  auto time = epoch_param(p, "TimestampMs", 1);
  if (!time) time = epoch_param(p, "Timestamp", 1000);
  std::string subject = resource && !resource->empty() ? *resource : *key;
  return EventFacts{"com.twilio.taskrouter." + event_type, *key, subject, time};
}

std::optional<EventFacts> describe_amd_status(const twilio::Params& p, FactsError& error) {
  if (!require(p, {"CallSid", "AccountSid", "AnsweredBy"}, error)) return std::nullopt;
  const std::string& answered_by = *twilio::find_param(p, "AnsweredBy");
  static constexpr std::string_view kKnown[] = {
      "human", "machine_start", "machine_end_beep", "machine_end_silence", "machine_end_other",
      "fax",   "unknown"};
  if (std::find(std::begin(kKnown), std::end(kKnown), answered_by) == std::end(kKnown)) {
    error = {"unknown_answered_by", "unknown AnsweredBy '" + answered_by + "'"};
    return std::nullopt;
  }
  const std::string& sid = *twilio::find_param(p, "CallSid");
  return EventFacts{"com.twilio.voice.status-callback.amd.detected", sid, sid, std::nullopt};
}

const std::vector<StatusWebhook>& status_webhooks() {
  static const std::vector<StatusWebhook> kRoutes = {
      {"/call_status", "callstream.voice.calls.v1", describe_call_status, true},
      {"/amd_status", "callstream.voice.calls.v1", describe_amd_status},
      {"/recording_status", "callstream.voice.recordings.v1", describe_recording_status},
      {"/taskrouter_event", "callstream.taskrouter.v1", describe_taskrouter_event},
  };
  return kRoutes;
}

}  // namespace callstream::ingress
