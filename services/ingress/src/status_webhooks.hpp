#pragma once
// What each status-type webhook becomes: its event type, message key, subject and Twilio's own
// timestamp. Pure functions of the decoded parameters; an error names what is missing or wrong.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "callstream/core/time.hpp"
#include "callstream/twilio/form.hpp"

namespace callstream::ingress {

struct EventFacts {
  std::string type;
  std::string key;                      // Kafka message key (partitioning, per-key order)
  std::string subject;                  // CloudEvents subject: the resource the event is about
  std::optional<core::SysMillis> time;  // Twilio's timestamp, when the webhook carries one
};

struct FactsError {
  const char* reason;  // metric label: missing_parameter, unknown_call_status...
  std::string message;
};

using DescribeWebhook = std::optional<EventFacts> (*)(const twilio::Params&, FactsError&);

// A webhook answered 204 once its event is persisted.
struct StatusWebhook {
  std::string_view path;        // "/call_status"
  std::string_view topic_base;  // "callstream.voice.calls.v1"
  DescribeWebhook describe;
  bool allow_get = false;  // TaskRouter's dequeue status callbacks come as GET
};

// Every status-type route of the ingress.
const std::vector<StatusWebhook>& status_webhooks();

// CallStatus -> event type (Event Streams names): in-progress is "answered", every terminal
// status is "completed" with the status kept in data. nullopt for an unknown status.
std::optional<std::string> call_status_event_type(std::string_view call_status);

std::optional<EventFacts> describe_call_status(const twilio::Params& p, FactsError& error);
std::optional<EventFacts> describe_recording_status(const twilio::Params& p, FactsError& error);
std::optional<EventFacts> describe_taskrouter_event(const twilio::Params& p, FactsError& error);
// Answering-machine detection result (AsyncAmdStatusCallback): AnsweredBy human, machine_*...
std::optional<EventFacts> describe_amd_status(const twilio::Params& p, FactsError& error);

}  // namespace callstream::ingress
