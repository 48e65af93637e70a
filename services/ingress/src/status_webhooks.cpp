#include "status_webhooks.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "callstream/events/event_types.hpp"

namespace callstream::ingress {
namespace {

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

core::Result<void> require_params(const twilio::Params& p,
                                  std::initializer_list<const char*> names) {
  std::string missing;
  for (const char* n : names) {
    const std::string* v = twilio::find_param(p, n);
    if (!v || v->empty()) missing += (missing.empty() ? "" : ", ") + std::string(n);
  }
  if (missing.empty()) return {};
  return core::fail("missing_parameter", "required parameter(s) missing: " + missing);
}

core::Result<EventFacts> describe_call_status(const twilio::Params& p) {
  if (auto ok = require_params(p, {"CallSid", "AccountSid", "CallStatus"}); !ok)
    return std::unexpected(ok.error());
  const std::string& status = *twilio::find_param(p, "CallStatus");
  auto type = events::call_status_event_type(status);
  if (!type) return core::fail("unknown_call_status", "unknown CallStatus '" + status + "'");
  const std::string& sid = *twilio::find_param(p, "CallSid");
  return EventFacts{*type, sid, sid, rfc2822_param(p, "Timestamp")};
}

core::Result<EventFacts> describe_recording_status(const twilio::Params& p) {
  if (auto ok = require_params(p, {"RecordingSid", "CallSid", "AccountSid", "RecordingStatus"});
      !ok)
    return std::unexpected(ok.error());
  const std::string& status = *twilio::find_param(p, "RecordingStatus");
  auto type = events::recording_status_event_type(status);
  if (!type)
    return core::fail("unknown_recording_status", "unknown RecordingStatus '" + status + "'");
  return EventFacts{*type, *twilio::find_param(p, "CallSid"),
                    *twilio::find_param(p, "RecordingSid"), rfc2822_param(p, "RecordingStartTime")};
}

core::Result<EventFacts> describe_taskrouter_event(const twilio::Params& p) {
  if (auto ok = require_params(p, {"EventType", "AccountSid", "WorkspaceSid"}); !ok)
    return std::unexpected(ok.error());
  const std::string& event_type = *twilio::find_param(p, "EventType");
  if (!lowercase_name(event_type))
    return core::fail("unknown_event_type",
                      "EventType '" + event_type + "' is not a TaskRouter event name");
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
  return EventFacts{std::string(events::kTaskRouterType) + event_type, *key, subject, time};
}

core::Result<EventFacts> describe_amd_status(const twilio::Params& p) {
  if (auto ok = require_params(p, {"CallSid", "AccountSid", "AnsweredBy"}); !ok)
    return std::unexpected(ok.error());
  const std::string& answered_by = *twilio::find_param(p, "AnsweredBy");
  static constexpr std::string_view kKnown[] = {
      "human", "machine_start", "machine_end_beep", "machine_end_silence", "machine_end_other",
      "fax",   "unknown"};
  if (std::find(std::begin(kKnown), std::end(kKnown), answered_by) == std::end(kKnown))
    return core::fail("unknown_answered_by", "unknown AnsweredBy '" + answered_by + "'");
  const std::string& sid = *twilio::find_param(p, "CallSid");
  return EventFacts{std::string(events::kAmdDetectedType), sid, sid, std::nullopt};
}

}  // namespace callstream::ingress
