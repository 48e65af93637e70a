#pragma once
// Turns a Twilio webhook into either an immediate answer or an event to publish, with the
// answers to give once Kafka has (or has not) persisted it. Pure: no sockets, no Kafka, no
// clock (the receive time is passed in), so every decision is testable directly.
#include <optional>
#include <string>

#include "call_flow.hpp"
#include "callstream/core/time.hpp"
#include "callstream/events/contract.hpp"
#include "callstream/http/message.hpp"
#include "callstream/kafka/settings.hpp"
#include "callstream/twilio/signature.hpp"
#include "optouts.hpp"
#include "status_webhooks.hpp"

namespace callstream::ingress {

struct RouterSettings {
  std::string base_url;     // public URL Twilio calls, no trailing slash
  std::string account_sid;  // expected AccountSid; empty = any
  // Expected Authorization header of the Event Streams sink ("Basic ..."); empty = no sink.
  std::string event_streams_authorization;
  // Inbound calls from a number on the opt-out list get <Reject> (REJECT_OPTED_OUT_CALLERS).
  bool reject_opted_out_callers = false;
};

struct Decision {
  std::string route;  // metric label: the route path, or "unknown"
  // The answer to give at once: a refusal, or the instructions of a call-control route (TwiML,
  // assignment JSON), which never wait for Kafka.
  std::optional<http::Response> response;
  // Events to publish. Without `response`, the answer waits for their delivery (2xx only when
  // all are persisted); with it, they are published alongside and their fate is counted.
  std::vector<kafka::Message> publish;
  std::string event_id;
  std::string event_type;
  std::string reject_reason;  // metric label for refusals (signature_invalid, malformed_body...)
  std::string outcome;        // call-control routes: what the call was told (enqueued, dialing...)
  // The answer once every event is persisted, when not the usual 204 (/sms answers TwiML).
  std::optional<http::Response> persisted;
  // Opt-out list changes to apply once persisted (number, opted out).
  std::vector<std::pair<std::string, bool>> optouts;
};

class WebhookRouter {
 public:
  WebhookRouter(RouterSettings settings, const twilio::SignatureValidator& validator,
                const events::Contract& contract, const CallFlow& flow,
                const OptOutList* optouts = nullptr);

  Decision route(const http::Request& request, core::SysMillis received_at) const;

  // The answer once Kafka has persisted the event of a status-type webhook.
  static http::Response persisted_response();
  // The answer when it has not within the deadline: 503, so Twilio's retry/fallback applies.
  static http::Response not_persisted_response(const std::string& why);

 private:
  struct SignedForm {
    twilio::Params params;
    twilio::SortedParams sorted;  // views into params
    std::string url;              // as Twilio signed it: base URL + path + query
  };
  // Method, content type, body, signature and account checks shared by every Twilio route. GET
  // (allowed for status callbacks TaskRouter sends that way) carries its parameters in the query.
  // nullopt with `refusal` filled when the request is refused.
  std::optional<SignedForm> signed_form(const std::string& route, const http::Request& request,
                                        bool allow_get, Decision& refusal) const;
  Decision event_streams(const http::Request& request, core::SysMillis received_at) const;
  Decision publish(const StatusWebhook& webhook, const std::string& topic,
                   const http::Request& request, core::SysMillis received_at) const;
  Decision call_control(std::string_view path, const http::Request& request,
                        core::SysMillis received_at) const;
  Decision sms(const http::Request& request, core::SysMillis received_at) const;

  RouterSettings settings_;
  const twilio::SignatureValidator& validator_;
  const events::Contract& contract_;
  const CallFlow& flow_;
  const OptOutList* optouts_;
  std::vector<std::string> topics_;  // per status_webhooks() entry, with the prefix
  std::string event_streams_topic_;
  std::string calls_topic_;
  std::string taskrouter_topic_;
  std::string deadletter_topic_;
  std::string messaging_topic_;
  std::string optouts_topic_;
};

}  // namespace callstream::ingress
