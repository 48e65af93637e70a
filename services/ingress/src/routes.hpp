#pragma once
// Every route of callstream-ingress, in one table: its path, the methods it takes, who may call
// it and what handles it. docs/configuration.md's route table is this one, row for row. Each kind
// of authentication is checked in one place: the Twilio signature and Event Streams' HTTP Basic
// by the WebhookRouter, the operator API's keys by the OperatorApi.
#include <span>
#include <string>
#include <string_view>

#include "callstream/core/result.hpp"
#include "callstream/http/message.hpp"
#include "status_webhooks.hpp"

namespace callstream::ingress {

enum class Auth {
  none,              // health: for load balancers (metrics are on the platform listener)
  twilio_signature,  // X-Twilio-Signature over BASE_URL + path (+ the form), AccountSid checked
  event_streams,     // HTTP Basic: EVENT_STREAMS_USER / EVENT_STREAMS_PASSWORD
  api_key,           // Authorization: Bearer <one of OPERATOR_API_KEYS>
};

enum class Handler {
  healthz,
  readyz,
  status_webhook,  // 204 once the event is durable
  voice,
  outbound,
  queue_wait,
  dial_status,
  whisper,
  assignment,
  client_voice,  // call control: answered at once
  sms,
  event_streams,  // publish, then answer
  make_call,
  token,
  optouts,
  optout,
  activities,
  worker_activity,  // the operator API
};

struct Route {
  std::string_view path;     // exact, or ending in a {placeholder}: any one segment there
  std::string_view methods;  // "POST", "POST, GET": the Allow header of a 405 (GET takes HEAD)
  Auth auth;
  Handler handler;
  std::string_view topic = {};         // status webhooks: the topic (base name) of the event
  DescribeWebhook describe = nullptr;  // status webhooks: what the event is
};

std::span<const Route> routes();

// A refused request: the answer (4xx, never waits for Kafka) and the metric label of the reason.
struct Refusal {
  http::Response response;
  std::string reason;  // not_found, method_not_allowed, signature_invalid, missing_parameter...
};
Refusal refuse(int status, std::string reason, std::string message);

// The route of a request: 404 when no route has its path, 405 (with Allow) when the route does
// not take its method.
core::Result<const Route*, Refusal> match(const http::Request& request);

}  // namespace callstream::ingress
