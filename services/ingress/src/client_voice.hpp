#pragma once
// POST /client_voice, the Voice URL of the softphone's TwiML App: an agent's browser dials a
// number (Device.connect({params: {To}})) and Twilio asks what to do. The number is checked
// (E.164, not on the opt-out list), the caller id picked by local presence, and the answer is a
// <Dial> recorded as the flow records (dual channel: the customer left, the agent right), with
// the dialed leg's status callbacks. Pure but for the caller id rotation.
#include <optional>
#include <string>

#include "call_flow.hpp"
#include "call_flow_config.hpp"
#include "caller_id.hpp"
#include "callstream/twilio/form.hpp"
#include "optouts.hpp"
#include "outbound_call.hpp"

namespace callstream::ingress {

struct ClientDial {
  FlowAnswer answer;  // outcome: dialing, refused_opted_out, invalid_number, not_a_client,
                      // no_caller_id
  std::optional<OutboundCall> call;  // the call going out; none when refused
};

// `params`: Twilio's request (From "client:alice", To the number the agent typed).
ClientDial client_dial(const twilio::Params& params, const OptOutList* optouts,
                       CallerIdSelector* caller_ids, const CallFlowConfig& flow,
                       const std::string& base_url);

}  // namespace callstream::ingress
