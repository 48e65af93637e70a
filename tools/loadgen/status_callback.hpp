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

}  // namespace callstream::loadgen
