#pragma once
// Turns a Twilio request into a Decision: refuse it, answer it now and publish its event after,
// or publish its events and answer once Kafka has persisted them. Pure: no sockets, no Kafka, no
// clock (the receive time is passed in), so every decision is testable directly.
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "call_flow.hpp"
#include "caller_id.hpp"
#include "callstream/core/time.hpp"
#include "callstream/events/contract.hpp"
#include "callstream/http/message.hpp"
#include "callstream/kafka/settings.hpp"
#include "callstream/twilio/signature.hpp"
#include "optouts.hpp"
#include "outbound_call.hpp"
#include "routes.hpp"

namespace callstream::ingress {

struct RouterSettings {
  std::string base_url;     // public URL Twilio calls, no trailing slash
  std::string account_sid;  // expected AccountSid; empty = any
  // Expected Authorization header of the Event Streams sink ("Basic ..."); empty = no sink.
  std::string event_streams_authorization;
  // Inbound calls from a number on the opt-out list get <Reject> (REJECT_OPTED_OUT_CALLERS).
  bool reject_opted_out_callers = false;
};

// Call control (TwiML, assignment JSON): the call must not wait for Kafka, so the answer goes at
// once and the event is published alongside (retried within KAFKA_CALL_CONTROL_RETRY_MS).
struct AnswerThenPublish {
  http::Response response;
  std::vector<kafka::Message> publish;
  std::string outcome;  // what the call was told (enqueued, dialing, voicemail...): a metric label
};

// Everything else: the answer waits for every event's delivery report, 2xx only once all are
// persisted (503 otherwise, so Twilio retries).
struct PublishThenAnswer {
  std::vector<kafka::Message> publish;
  http::Response persisted;                           // 204, or TwiML for /sms
  std::vector<std::pair<std::string, bool>> optouts;  // (number, opted out) to apply once persisted
  std::string outcome;                                // /sms: opted_out, opted_in; else empty
};

struct Decision {
  std::string route;                 // metric label: the route path, or "unknown"
  std::string event_id, event_type;  // the (first) event's, for logs
  std::variant<Refusal, AnswerThenPublish, PublishThenAnswer> action;

  const Refusal* refusal() const { return std::get_if<Refusal>(&action); }
  // The answer given at once (a refusal's or call control's); nullptr when it waits for Kafka.
  const http::Response* response() const;
  // The events to publish (none for a refusal).
  const std::vector<kafka::Message>& publish() const;
  // A refusal's reason, or empty.
  std::string_view reject_reason() const {
    return refusal() ? std::string_view(refusal()->reason) : std::string_view();
  }
  std::string_view outcome() const;
};

class WebhookRouter {
 public:
  WebhookRouter(RouterSettings settings, const twilio::SignatureValidator& validator,
                const events::Contract& contract, const CallFlow& flow,
                const OptOutList* optouts = nullptr, CallerIdSelector* caller_ids = nullptr);

  // A request to any path: matched against the route table first (404, 405).
  Decision route(const http::Request& request, core::SysMillis received_at) const;
  // A request already matched to one of the Twilio-facing routes.
  Decision route(const Route& route, const http::Request& request,
                 core::SysMillis received_at) const;

  // The answer once Kafka has persisted the event of a status-type webhook.
  static http::Response persisted_response();
  // The answer when it has not within the deadline: 503, so Twilio's retry/fallback applies.
  static http::Response not_persisted_response(const std::string& why);

 private:
  struct SignedForm {
    twilio::Params params;
    twilio::SortedParams sorted;  // views into params
    std::string url;              // as Twilio signed it: base URL + path + query
    std::string source() const { return url.substr(0, url.find('?')); }
  };
  // Content type, body, signature and account checks shared by every Twilio route. A GET (some
  // status callbacks) carries its parameters in the query and is signed over its URL alone.
  core::Result<SignedForm, Refusal> signed_form(const http::Request& request) const;
  Decision event_streams(const http::Request& request, core::SysMillis received_at) const;
  Decision status_webhook(const Route& route, const http::Request& request,
                          core::SysMillis received_at) const;
  Decision call_control(const Route& route, const http::Request& request,
                        core::SysMillis received_at) const;
  // What the flow tells the call, the type of the event that records it and, for a call the
  // softphone places, that call.
  FlowAnswer instructions(Handler handler, const twilio::Params& p, const twilio::Params& query,
                          core::SysMillis received_at, std::string& type,
                          std::optional<OutboundCall>& placed) const;
  Decision sms(const http::Request& request, core::SysMillis received_at) const;
  std::optional<kafka::Message> optout_of_sms(const http::Request& request, const SignedForm& form,
                                              core::SysMillis received_at, bool& opted_out) const;

  RouterSettings settings_;
  const twilio::SignatureValidator& validator_;
  const events::Contract& contract_;
  const CallFlow& flow_;
  const OptOutList* optouts_;
  CallerIdSelector* caller_ids_;  // /client_voice's caller ids; shared with the operator API
  std::vector<std::pair<const Route*, std::string>> status_topics_;  // with the prefix
  std::string event_streams_topic_;
  std::string calls_topic_;
  std::string taskrouter_topic_;
  std::string deadletter_topic_;
  std::string messaging_topic_;
};

}  // namespace callstream::ingress
