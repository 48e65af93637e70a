#pragma once
// The call flow: turns the Twilio requests of a call into TwiML (and TaskRouter's assignment
// callback into its instruction), following CallFlowConfig. Pure and fast: no I/O, no Kafka, the
// clock is passed in, so /voice and /assignment answer within Twilio's budget whatever the broker
// does.
//
//   /voice                       greeting, then Flex <Enqueue> | <Dial> chain | voicemail;
//                                after hours: the message, then voicemail
//   /queue_wait                  hold message/music; <Leave/> past the maximum queue wait
//   /dial_status?stage=queue     <Enqueue action>: left the queue -> failover chain -> voicemail
//   /dial_status?stage=chain&step=N
//                                <Dial action>: unanswered -> chain step N+1 -> voicemail
//   /dial_status?stage=voicemail <Record action>: goodbye
//   /whisper?caller=...          said to the agent before the legs are bridged
//   /assignment                  {"instruction":"dequeue", ...}
//   /outbound?agent=alice        an outbound call answered: a machine gets the message (or a
//                                hang-up), a person is bridged to the agent's client
//   /dial_status?stage=outbound&step=N
//                                unanswered: the failover numbers in turn, then the no-agent
//                                message
//   /dial_status?stage=client    the softphone's <Dial> (/client_voice, client_voice.hpp) ended
#include <string>

#include "call_flow_config.hpp"
#include "callstream/core/time.hpp"
#include "callstream/twilio/form.hpp"

namespace callstream::ingress {

struct FlowAnswer {
  std::string body;
  std::string content_type = "application/xml";
  // What the call was told to do: enqueued, dialing, after_hours, voicemail, hangup, holding,
  // leave, whisper, dequeue, accept. Kept in the event and counted in metrics.
  std::string outcome;
};

class CallFlow {
 public:
  CallFlow(CallFlowConfig config, std::string base_url);

  FlowAnswer voice(const twilio::Params& params, core::SysMillis now) const;
  FlowAnswer queue_wait(const twilio::Params& params) const;
  FlowAnswer dial_status(const twilio::Params& params, const twilio::Params& query) const;
  FlowAnswer whisper(const twilio::Params& query) const;
  FlowAnswer assignment(const twilio::Params& params) const;
  FlowAnswer outbound(const twilio::Params& params, const twilio::Params& query) const;

  // Inside business hours (always, when none are configured)?
  bool open_at(core::SysMillis t) const;
  const CallFlowConfig& config() const { return config_; }

 private:
  class Builder;
  // Ring chain step `step` (dial targets, then failover numbers), or voicemail past its end.
  FlowAnswer chain_step(Builder& b, size_t step, const twilio::Params& caller) const;
  FlowAnswer voicemail(Builder& b) const;
  // Outbound: step 0 rings the agent, then each failover number, then the no-agent message.
  FlowAnswer outbound_step(Builder& b, size_t step, const std::string& agent,
                           const std::string& callee) const;
  std::string url(std::string_view path, const twilio::Params& query = {}) const;

  CallFlowConfig config_;
  std::string base_url_;
  std::vector<std::string> chain_;  // dial targets (dial mode), then failover
};

}  // namespace callstream::ingress
