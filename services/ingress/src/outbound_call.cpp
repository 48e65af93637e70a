#include "outbound_call.hpp"

#include <cctype>

#include "callstream/events/cloudevent.hpp"
#include "callstream/events/json.hpp"

namespace callstream::ingress {

bool valid_identity(std::string_view s) {
  if (s.empty() || s.size() > 121) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' ||
          c == '@'))
      return false;
  return true;
}

twilio::Params call_request(const OutboundCall& call, const CallFlowConfig& flow,
                            const std::string& base) {
  twilio::Params params = {
      {"To", call.to},
      {"From", call.caller_id.number},
      {"Url", base + "/outbound?" + twilio::encode_form({{"agent", call.agent}})},
      {"Method", "POST"},
      {"StatusCallback", base + "/call_status"},
      {"StatusCallbackMethod", "POST"},
      {"StatusCallbackEvent", "initiated"},
      {"StatusCallbackEvent", "ringing"},
      {"StatusCallbackEvent", "answered"},
      {"StatusCallbackEvent", "completed"},
      {"Timeout", std::to_string(flow.outbound_ring_seconds)}};
  if (flow.recording != RecordingMode::off) {
    params.emplace_back("Record", "true");
    params.emplace_back("RecordingChannels",
                        flow.recording == RecordingMode::dual ? "dual" : "mono");
    params.emplace_back("RecordingStatusCallback", base + "/recording_status");
    params.emplace_back("RecordingStatusCallbackEvent", "in-progress completed absent");
  }
  if (flow.machine_detection != MachineDetection::off)
    params.emplace_back("MachineDetection", to_string(flow.machine_detection));
  return params;
}

TwilioRefusal twilio_refusal(const twilio::RestError& e) {
  int status;
  const char* code;
  if (e.http_status == 401 || e.http_status == 403) {
    status = 502, code = "twilio_auth";  // our credentials: an operator's problem
  } else if (e.http_status >= 400 && e.http_status < 500 && e.http_status != 429) {
    status = 422, code = "twilio_rejected";  // the request itself: a bad number, say
  } else if (e.retryable) {
    status = 503, code = "twilio_unavailable";
  } else {
    status = 504, code = "twilio_outcome_unknown";
  }
  events::JsonWriter w;
  w.begin_object().field("error", code).field("message", e.message);
  if (e.code) w.key("twilio_code").integer(e.code);
  if (!e.more_info.empty()) w.field("more_info", e.more_info);
  w.end_object();
  http::Response r{status, "application/json", w.str(), {}};
  if (status == 503) r.headers.emplace_back("Retry-After", "5");
  return {std::move(r), code};
}

std::string placed_body(const OutboundCall& call, const twilio::CreatedCall& created) {
  events::JsonWriter body;
  body.begin_object()
      .field("call_sid", created.sid)
      .field("to", call.to)
      .field("from", call.caller_id.number)
      .field("caller_id_match", call.caller_id.match)
      .field("status", created.status)
      .end_object();
  return body.str();
}

kafka::Message outbound_requested(const OutboundCall& call, const twilio::CreatedCall& created,
                                  const CallOrigin& origin, const events::Contract& contract,
                                  const std::string& base_url, const std::string& account_sid,
                                  core::SysMillis now) {
  const CallerIdChoice& choice = call.caller_id;
  events::JsonWriter data;
  data.begin_object()
      .field("call_sid", created.sid)
      .field("to", call.to)
      .field("from", choice.number)
      .field("caller_id_match", choice.match);
  if (!choice.to_region.empty()) data.field("to_region", choice.to_region);
  data.field("agent", call.agent)
      .field("machine_detection", to_string(origin.machine_detection))
      .field("twilio_status", created.status)
      .key("twilio_attempts")
      .integer(created.attempts)
      .end_object();
  events::CloudEvent e;
  e.id = events::event_id(origin.route, {{"CallSid", created.sid}});
  e.source = base_url + origin.route;
  e.type = "io.callstream.call.outbound-requested";
  e.subject = created.sid;
  e.receivedat = core::format_rfc3339(now);
  e.time = e.receivedat;
  e.dataschema = contract.dataschema_for_type(e.type).value_or("");
  e.twilioaccount = account_sid;
  e.data = data.str();
  return events::to_message(contract.topic("callstream.voice.calls.v1"), created.sid, e);
}

}  // namespace callstream::ingress
