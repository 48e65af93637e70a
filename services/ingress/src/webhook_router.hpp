#pragma once
// Turns a Twilio webhook into either an immediate answer or an event to publish, with the
// answers to give once Kafka has (or has not) persisted it. Pure: no sockets, no Kafka, no
// clock (the receive time is passed in), so every decision is testable directly.
#include <optional>
#include <string>

#include "callstream/core/time.hpp"
#include "callstream/events/contract.hpp"
#include "callstream/http/message.hpp"
#include "callstream/kafka/settings.hpp"
#include "callstream/twilio/signature.hpp"
#include "status_webhooks.hpp"

namespace callstream::ingress {

struct RouterSettings {
  std::string base_url;     // public URL Twilio calls, no trailing slash
  std::string account_sid;  // expected AccountSid; empty = any
  // Expected Authorization header of the Event Streams sink ("Basic ..."); empty = no sink.
  std::string event_streams_authorization;
};

struct Decision {
  std::string route;  // metric label: the route path, or "unknown"
  // Set when the request is refused or answered without publishing.
  std::optional<http::Response> response;
  // Events to publish; the answer depends on their delivery (2xx only when all persisted).
  std::vector<kafka::Message> publish;
  std::string event_id;
  std::string event_type;
  std::string reject_reason;  // metric label for refusals (signature_invalid, malformed_body...)
};

class WebhookRouter {
 public:
  WebhookRouter(RouterSettings settings, const twilio::SignatureValidator& validator,
                const events::Contract& contract);

  Decision route(const http::Request& request, core::SysMillis received_at) const;

  // The answer once Kafka has persisted the event of a status-type webhook.
  static http::Response persisted_response();
  // The answer when it has not within the deadline: 503, so Twilio's retry/fallback applies.
  static http::Response not_persisted_response(const std::string& why);

 private:
  Decision event_streams(const http::Request& request, core::SysMillis received_at) const;
  Decision publish(const StatusWebhook& webhook, const std::string& topic,
                   const http::Request& request, core::SysMillis received_at) const;

  RouterSettings settings_;
  const twilio::SignatureValidator& validator_;
  const events::Contract& contract_;
  std::vector<std::string> topics_;  // per status_webhooks() entry, with the prefix
  std::string event_streams_topic_;
  std::string deadletter_topic_;
};

}  // namespace callstream::ingress
