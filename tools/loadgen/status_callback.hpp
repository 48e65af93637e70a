#pragma once
// The status callback the load tools send: request i of a run is call i / 4 at status i % 4
// (initiated, ringing, in-progress, completed), with the parameters Twilio sends. Shared by
// callstream-loadgen and callstream-bench-webhook, so the microbenchmark times what the load
// generator sends.
#include <cstdio>
#include <string>

#include "callstream/twilio/form.hpp"

namespace callstream::loadgen {

inline twilio::Params status_callback(int i, const std::string& account) {
  static const char* const kStatuses[] = {"initiated", "ringing", "in-progress", "completed"};
  char sid[40];
  std::snprintf(sid, sizeof sid, "CA%032x", i / 4 + 1);
  int seq = i % 4;
  twilio::Params p = {{"AccountSid", account},
                      {"ApiVersion", "2010-04-01"},
                      {"CallSid", sid},
                      {"CallStatus", kStatuses[seq]},
                      {"Called", "+18005551212"},
                      {"Caller", "+13055550100"},
                      {"CallbackSource", "call-progress-events"},
                      {"Direction", "inbound"},
                      {"From", "+13055550100"},
                      {"SequenceNumber", std::to_string(seq)},
                      {"Timestamp", "Thu, 12 Feb 2026 11:48:25 +0000"},
                      {"To", "+18005551212"}};
  if (seq == 3) p.emplace_back("CallDuration", std::to_string(30 + i % 500));
  return p;
}

struct Webhook {
  const char* path;
  twilio::Params params;
};

// The agents who answer a mixed run's calls, in turn: a floor of agents shares the calls, as
// a call center's does (one agent on every call would make every batch of TaskRouter events
// wait on that agent's row).
constexpr int kMixAgents = 500;

// Request i of a mixed run: call i / 10's webhooks in the order Twilio sends them, the kinds a
// call center's ingress answers (the /voice TwiML, status callbacks, TaskRouter events,
// recording callbacks) in their real proportions.
inline Webhook mixed_webhook(int i, const std::string& account) {
  int call = i / 10, step = i % 10;
  char call_sid[40], task_sid[40], recording_sid[40], event_sid[40], worker_sid[40];
  std::snprintf(worker_sid, sizeof worker_sid, "WK%032x", call % kMixAgents + 1);
  std::snprintf(call_sid, sizeof call_sid, "CA%032x", call + 1);
  std::snprintf(event_sid, sizeof event_sid, "EV%031x%d", call + 1, step);
  std::snprintf(task_sid, sizeof task_sid, "WT%032x", call + 1);
  std::snprintf(recording_sid, sizeof recording_sid, "RE%032x", call + 1);
  static const int kStatusOf[10] = {-1, 0, 1, -1, -1, -1, 2, -1, -1, 3};
  if (kStatusOf[step] >= 0) {
    twilio::Params p = status_callback(call * 4 + kStatusOf[step], account);
    return {"/call_status", std::move(p)};
  }
  twilio::Params base = {{"AccountSid", account}, {"CallSid", call_sid}};
  if (step == 0) {
    base.insert(base.end(), {{"ApiVersion", "2010-04-01"},
                             {"CallStatus", "ringing"},
                             {"Direction", "inbound"},
                             {"From", "+13055550100"},
                             {"FromState", "FL"},
                             {"To", "+18005551212"}});
    return {"/voice", std::move(base)};
  }
  if (step == 7 || step == 8) {
    base.insert(base.end(), {{"RecordingSid", recording_sid},
                             {"RecordingSource", "DialVerb"},
                             {"RecordingChannels", "2"},
                             {"RecordingStartTime", "Thu, 12 Feb 2026 11:48:30 +0000"},
                             {"RecordingStatus", step == 7 ? "in-progress" : "completed"},
                             {"RecordingUrl", "https://api.twilio.com/2010-04-01/Accounts/" +
                                                  account + "/Recordings/" + recording_sid}});
    if (step == 8) base.emplace_back("RecordingDuration", "42");
    return {"/recording_status", std::move(base)};
  }
  static const char* const kEvents[] = {"task.created", "reservation.created",
                                        "reservation.accepted"};
  twilio::Params p = {
      {"AccountSid", account},
      {"WorkspaceSid", "WS00000000000000000000000000000001"},
      {"EventType", kEvents[step - 3]},
      {"TaskSid", task_sid},
      {"TaskAssignmentStatus", step == 3   ? "pending"
                               : step == 4 ? "reserved"
                                           : "assigned"},
      {"TaskQueueSid", "WQ00000000000000000000000000000001"},
      {"TaskQueueName", "Support"},
      {"TaskAttributes", std::string("{\"call_sid\":\"") + call_sid + "\",\"type\":\"inbound\"}"},
      {"Sid", event_sid},
      {"TimestampMs", std::to_string(1770896905000LL + i)}};
  if (step > 3)
    p.insert(p.end(), {{"WorkerSid", worker_sid},
                       {"WorkerName", "agent-" + std::to_string(call % kMixAgents + 1)},
                       {"ReservationSid", std::string("WR") + (task_sid + 2)}});
  return {"/taskrouter_event", std::move(p)};
}

}  // namespace callstream::loadgen
