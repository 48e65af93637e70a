#include "client_voice.hpp"

#include "callstream/twilio/phone_number.hpp"
#include "callstream/twilio/twiml.hpp"

namespace callstream::ingress {
namespace {

// Said to the agent, then the call ends.
ClientDial refused(const CallFlowConfig& flow, std::string_view text, std::string outcome) {
  twilio::TwimlWriter w;
  twilio::TwimlWriter::Attrs attrs;
  if (!flow.language.empty()) attrs.emplace_back("language", flow.language);
  if (!flow.voice.empty()) attrs.emplace_back("voice", flow.voice);
  w.element("Say", std::move(attrs), text);
  w.element("Hangup");
  return ClientDial{FlowAnswer{w.finish(), "application/xml", std::move(outcome)}, std::nullopt};
}

std::string dial_twiml(const OutboundCall& call, const CallFlowConfig& flow,
                       const std::string& base) {
  twilio::TwimlWriter w;
  twilio::TwimlWriter::Attrs dial = {
      {"callerId", call.caller_id.number},
      {"answerOnBridge", "true"},  // the agent hears ringing until the customer answers
      {"timeout", std::to_string(flow.outbound_ring_seconds)},
      {"action", base + "/dial_status?stage=client"}};
  if (flow.recording != RecordingMode::off) {
    dial.emplace_back("record", flow.recording == RecordingMode::dual ? "record-from-answer-dual"
                                                                      : "record-from-answer");
    dial.emplace_back("recordingStatusCallback", base + "/recording_status");
    dial.emplace_back("recordingStatusCallbackEvent", "in-progress completed absent");
  }
  w.open("Dial", std::move(dial));
  w.element("Number",
            {{"statusCallback", base + "/call_status"},
             {"statusCallbackEvent", "initiated ringing answered completed"}},
            call.to);
  w.close();
  return w.finish();
}

}  // namespace

ClientDial client_dial(const twilio::Params& params, const OptOutList* optouts,
                       CallerIdSelector* caller_ids, const CallFlowConfig& flow,
                       const std::string& base_url) {
  const std::string* from = twilio::find_param(params, "From");
  if (!from || !from->starts_with("client:") || !valid_identity(from->substr(7)))
    return refused(flow, "This line takes calls from the softphone only.", "not_a_client");
  const std::string* typed = twilio::find_param(params, "To");
  auto to = twilio::normalize_e164(typed ? *typed : "");
  if (!to)
    return refused(flow, "The number you dialed is not a valid phone number.", "invalid_number");
  if (optouts && optouts->contains(*to))
    return refused(flow, "This number asked not to be called. The call was not placed.",
                   "refused_opted_out");
  auto caller_id = caller_ids ? caller_ids->choose(*to) : std::nullopt;
  if (!caller_id)
    return refused(flow, "No caller ID is configured for outbound calls.", "no_caller_id");
  OutboundCall call{*to, from->substr(7), *caller_id};
  std::string twiml = dial_twiml(call, flow, base_url);
  return ClientDial{FlowAnswer{std::move(twiml), "application/xml", "dialing"}, std::move(call)};
}

}  // namespace callstream::ingress
