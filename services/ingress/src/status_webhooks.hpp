#pragma once
// What each status-type webhook becomes: its event type, message key, subject and Twilio's own
// timestamp. Pure functions of the decoded parameters; an error names what is missing or wrong.
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "callstream/core/result.hpp"
#include "callstream/core/time.hpp"
#include "callstream/twilio/form.hpp"

namespace callstream::ingress {

struct EventFacts {
  std::string type;
  std::string key;                      // Kafka message key (partitioning, per-key order)
  std::string subject;                  // CloudEvents subject: the resource the event is about
  std::optional<core::SysMillis> time;  // Twilio's timestamp, when the webhook carries one
};

// A describe function: the facts of a webhook's event, or why its parameters do not make one
// (missing_parameter, unknown_call_status... : the refusal's metric label).
using DescribeWebhook = core::Result<EventFacts> (*)(const twilio::Params&);

// Every parameter in `names` is present and not empty; fails (missing_parameter) naming those
// that are not.
core::Result<void> require_params(const twilio::Params& p,
                                  std::initializer_list<const char*> names);

core::Result<EventFacts> describe_call_status(const twilio::Params& p);
core::Result<EventFacts> describe_recording_status(const twilio::Params& p);
core::Result<EventFacts> describe_taskrouter_event(const twilio::Params& p);
// Answering-machine detection result (AsyncAmdStatusCallback): AnsweredBy human, machine_*...
core::Result<EventFacts> describe_amd_status(const twilio::Params& p);

}  // namespace callstream::ingress
