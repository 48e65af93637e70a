#pragma once
// The steps of POST /make_call that do not touch the network, each testable alone: the request
// Twilio's REST API gets, what a refusal by Twilio means for the caller, the answer and the
// outbound-requested event once the call exists.
#include <string>

#include "call_flow_config.hpp"
#include "caller_id.hpp"
#include "callstream/core/time.hpp"
#include "callstream/events/contract.hpp"
#include "callstream/http/message.hpp"
#include "callstream/kafka/settings.hpp"
#include "callstream/twilio/form.hpp"
#include "callstream/twilio/rest_client.hpp"

namespace callstream::ingress {

// A validated request to call `to` for `agent`, from the chosen caller id.
struct OutboundCall {
  std::string to;     // E.164
  std::string agent;  // the agent's client identity
  CallerIdChoice caller_id;
};

// Agent identities as Twilio Client names them: letters, digits, _ - . @ (at most 121).
bool valid_identity(std::string_view identity);

// The parameters of POST /Calls.json: TwiML from `base_url`/outbound, status and recording
// callbacks back to the ingress, ring time, recording and answering-machine detection per the flow.
twilio::Params call_request(const OutboundCall& call, const CallFlowConfig& flow,
                            const std::string& base_url);

// What the caller of /make_call is told when Twilio did not create the call, and the word the
// outcome metric counts it under: 422 twilio_rejected (the request: a bad number), 502
// twilio_auth (our credentials), 503 twilio_unavailable (retry shortly), 504
// twilio_outcome_unknown.
struct TwilioRefusal {
  http::Response response;
  std::string outcome;
};
TwilioRefusal twilio_refusal(const twilio::RestError& error);

// 201's body: the call sid, both numbers, how the caller id matched, Twilio's status.
std::string placed_body(const OutboundCall& call, const twilio::CreatedCall& created);

// Where an outbound call came from: its route (/make_call, /client_voice) and the answering
// machine detection it was placed with.
struct CallOrigin {
  std::string route;
  MachineDetection machine_detection = MachineDetection::off;
};

// io.callstream.call.outbound-requested on the calls topic, keyed by the call sid.
kafka::Message outbound_requested(const OutboundCall& call, const twilio::CreatedCall& created,
                                  const CallOrigin& origin, const events::Contract& contract,
                                  const std::string& base_url, const std::string& account_sid,
                                  core::SysMillis now);

}  // namespace callstream::ingress
