#include "eventstreams_mapping.hpp"

#include <utility>
#include <vector>

#include "callstream/core/time.hpp"
#include "callstream/events/event_types.hpp"
#include "callstream/events/json.hpp"
#include "event_row.hpp"

namespace callstream::projector {
namespace {

using Params = std::vector<std::pair<std::string, std::string>>;

// ---- The mapping table -------------------------------------------------------------------
// Voice: data.request.parameters are the status callback's own parameters, names and values as
// the webhook carries them. The deprecated names (before 2024-02-28) say "webhook." first.
constexpr std::string_view kVoicePrefixes[] = {"com.twilio.voice.status-callback.",
                                               "com.twilio.voice.webhook.status-callback."};
// After the prefix: call.* (CallStatus gives the type), amd.detected, recording.*.
constexpr std::string_view kCall = "call.";
constexpr std::string_view kAmd = "amd.detected";
constexpr std::string_view kRecording = "recording.";
// TaskRouter: data.payload's snake_case fields are the webhook's PascalCase parameters
// (task_queue_name -> TaskQueueName), except these.
constexpr std::pair<std::string_view, std::string_view> kTaskRouterRenames[] = {
    {"eventtype", "EventType"}};
// payload.timestamp (ISO 8601, ms) is the webhook's Timestamp (s) and TimestampMs (ms).
constexpr std::string_view kTimestamp = "timestamp";
// -------------------------------------------------------------------------------------------

// The facts of the Event Streams envelope every mapped event keeps.
struct Envelope {
  std::string_view id, source, type, time, dataschema, received_at;
};

std::string find(const Params& p, std::string_view name) {
  for (const auto& [k, v] : p)
    if (k == name) return v;
  return {};
}

std::string rfc3339(std::optional<core::SysMillis> t) {
  return t ? core::format_rfc3339(*t) : std::string();
}

// The first of the candidate times that parses; else the ingress's receive time.
std::string first_time(std::initializer_list<std::string> candidates, const Envelope& e) {
  for (const auto& c : candidates)
    if (!c.empty()) return c;
  if (auto t = core::parse_rfc3339(e.time)) return core::format_rfc3339(*t);
  return std::string(e.received_at);
}

std::string write_envelope(const Envelope& e, std::string_view type, std::string_view subject,
                           std::string_view time, const Params& params) {
  events::JsonWriter w(512 + params.size() * 48);
  w.begin_object().field("specversion", "1.0").field("id", e.id).field("source", e.source);
  w.field("type", type).field("subject", subject).field("time", time);
  w.field("datacontenttype", "application/json");
  if (!e.received_at.empty()) w.field("receivedat", e.received_at);
  w.key("data").begin_object().field("route", "/events/twilio").field("method", "POST");
  w.key("params").begin_object();
  for (const auto& [k, v] : params) w.field(k, v);
  w.end_object();
  w.key("eventstreams").begin_object().field("type", e.type).field("dataschema", e.dataschema);
  w.end_object().end_object().end_object();
  return w.str();
}

// The mapped event, once it has a time: without one it would fail in PostgreSQL on every retry.
core::Result<MappedEvent> mapped(const Envelope& e, StreamedFact fact, std::string_view type,
                                 std::string_view subject, std::string_view time,
                                 const Params& params) {
  if (time.empty()) return undecodable("no time: neither Twilio's nor the receive time");
  return MappedEvent{std::string(e.type), fact, write_envelope(e, type, subject, time, params)};
}

core::Result<void> require(const Params& p, std::initializer_list<std::string_view> names,
                           std::string_view where) {
  std::string missing;
  for (auto n : names)
    if (find(p, n).empty()) missing += (missing.empty() ? "" : ", ") + std::string(n);
  if (missing.empty()) return {};
  return undecodable(std::string(where) + " lacks " + missing);
}

// What the ingress names a voice webhook of the same fact: its type, subject and time.
struct VoiceFacts {
  StreamedFact fact;
  std::string type, subject, time;
};

constexpr std::string_view kParameters = "data.request.parameters";

core::Result<VoiceFacts> call_facts(const Params& p, const std::string& twilio_time,
                                    const Envelope& e) {
  if (auto ok = require(p, {"CallSid", "CallStatus"}, kParameters); !ok)
    return std::unexpected(ok.error());
  auto type = events::call_status_event_type(find(p, "CallStatus"));
  if (!type) return undecodable("unknown CallStatus " + find(p, "CallStatus"));
  return VoiceFacts{
      StreamedFact::call, *type, find(p, "CallSid"),
      first_time({rfc3339(core::parse_rfc2822(find(p, "Timestamp"))), twilio_time}, e)};
}

core::Result<VoiceFacts> amd_facts(const Params& p, const std::string& twilio_time,
                                   const Envelope& e) {
  if (auto ok = require(p, {"CallSid", "AnsweredBy"}, kParameters); !ok)
    return std::unexpected(ok.error());
  return VoiceFacts{StreamedFact::call, std::string(events::kAmdDetectedType), find(p, "CallSid"),
                    first_time({twilio_time}, e)};
}

core::Result<VoiceFacts> recording_facts(const Params& p, const std::string& twilio_time,
                                         const Envelope& e) {
  if (auto ok = require(p, {"RecordingSid", "CallSid", "RecordingStatus"}, kParameters); !ok)
    return std::unexpected(ok.error());
  auto type = events::recording_status_event_type(find(p, "RecordingStatus"));
  if (!type) return undecodable("unknown RecordingStatus " + find(p, "RecordingStatus"));
  auto started = rfc3339(core::parse_rfc2822(find(p, "RecordingStartTime")));
  return VoiceFacts{StreamedFact::recording, *type, find(p, "RecordingSid"),
                    first_time({started, twilio_time}, e)};
}

// `what`: the type after its voice prefix (call.completed, amd.detected, recording.*).
core::Result<MappedEvent> map_voice(const events::JsonDocument& doc, std::string_view what,
                                    const Envelope& e) {
  auto params = doc.members_at({"data", "request", "parameters"});
  if (!params) return undecodable(std::string(kParameters) + " missing or not an object");
  std::string twilio_time =
      rfc3339(core::parse_rfc3339(doc.string_at({"data", "timestamp"}).value_or("")));
  auto facts = what.starts_with(kCall) ? call_facts(*params, twilio_time, e)
               : what == kAmd          ? amd_facts(*params, twilio_time, e)
                                       : recording_facts(*params, twilio_time, e);
  if (!facts) return std::unexpected(facts.error());
  return mapped(e, facts->fact, facts->type, facts->subject, facts->time, *params);
}

// task_queue_name -> TaskQueueName.
std::string pascal_case(std::string_view snake) {
  for (const auto& [from, to] : kTaskRouterRenames)
    if (snake == from) return std::string(to);
  std::string out;
  bool upper = true;
  for (char c : snake) {
    if (c == '_') {
      upper = true;
      continue;
    }
    out += upper && c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
    upper = false;
  }
  return out;
}

// The parameters a TaskRouter webhook of the same event carries.
Params taskrouter_params(const events::JsonDocument& doc, const Params& payload,
                         std::string_view event_name, std::optional<core::SysMillis> at) {
  Params params;
  params.emplace_back("EventType", std::string(event_name));
  for (const auto& [k, v] : payload)
    if (k != kTimestamp && k != "eventtype") params.emplace_back(pascal_case(k), v);
  if (find(params, "Sid").empty())
    params.emplace_back("Sid", std::string(doc.string_at({"data", "sid"}).value_or("")));
  if (find(params, "AccountSid").empty())
    params.emplace_back("AccountSid",
                        std::string(doc.string_at({"data", "account_sid"}).value_or("")));
  if (at) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(at->time_since_epoch());
    params.emplace_back("Timestamp", std::to_string(ms.count() / 1000));
    params.emplace_back("TimestampMs", std::to_string(ms.count()));
  }
  return params;
}

core::Result<MappedEvent> map_taskrouter(const events::JsonDocument& doc,
                                         std::string_view event_name, const Envelope& e) {
  auto payload = doc.members_at({"data", "payload"});
  if (!payload) return undecodable("data.payload missing or not an object");
  auto at = core::parse_rfc3339(find(*payload, kTimestamp));
  if (!at) at = core::parse_rfc3339(doc.string_at({"data", "timestamp"}).value_or(""));
  Params params = taskrouter_params(doc, *payload, event_name, at);
  std::string subject = find(params, "ResourceSid");
  if (subject.empty()) subject = find(params, "TaskSid");
  if (subject.empty()) subject = find(params, "WorkerSid");
  std::string type = std::string(events::kTaskRouterType) + std::string(event_name);
  return mapped(e, StreamedFact::taskrouter, type, subject, first_time({rfc3339(at)}, e), params);
}

}  // namespace

core::Result<MappedEvent> map_event_streams(std::string_view value, std::string_view received_at) {
  auto doc = events::JsonDocument::parse(value);
  if (!doc) return std::unexpected(doc.error());
  auto id = doc->string_at({"id"});
  auto type = doc->string_at({"type"});
  if (!id || id->empty() || !type || type->empty()) return undecodable("envelope lacks id or type");
  Envelope e{*id,
             doc->string_at({"source"}).value_or(""),
             *type,
             doc->string_at({"time"}).value_or(""),
             doc->string_at({"dataschema"}).value_or(""),
             received_at};
  for (auto prefix : kVoicePrefixes) {
    if (!type->starts_with(prefix)) continue;
    std::string_view what = type->substr(prefix.size());
    if (what.starts_with(kCall) || what == kAmd || what.starts_with(kRecording))
      return map_voice(*doc, what, e);
  }
  if (type->starts_with(events::kTaskRouterType))
    return map_taskrouter(*doc, type->substr(events::kTaskRouterType.size()), e);
  return MappedEvent{std::string(*type), std::nullopt, {}};
}

}  // namespace callstream::projector
