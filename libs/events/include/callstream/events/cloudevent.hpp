#pragma once
// CloudEvents 1.0 in structured JSON mode: the envelope every callstream message carries.
#include <optional>
#include <string>
#include <string_view>

#include "callstream/core/result.hpp"
#include "callstream/kafka/settings.hpp"
#include "callstream/twilio/form.hpp"

namespace callstream::events {

inline constexpr std::string_view kContentType = "application/cloudevents+json";

struct CloudEvent {
  std::string id;       // idempotency key: deterministic from the signed content
  std::string source;   // the webhook URL that received it
  std::string type;     // e.g. com.twilio.voice.status-callback.call.completed
  std::string subject;  // CallSid, TaskSid, WorkerSid...
  std::string time;     // Twilio's timestamp when the webhook carries one, else receivedat
  std::string dataschema;
  std::string receivedat;     // extension: when the ingress received it
  std::string twilioaccount;  // extension: AccountSid
  std::string data;           // serialized JSON object
};

std::string serialize(const CloudEvent& event);

// The Kafka message of an event, as every callstream producer writes it: the key orders the
// subject's events, the value is the structured-mode envelope (`value`, or serialize(event)), and
// the headers ce_type, ce_id and content-type let consumers route without parsing the value.
kafka::Message to_message(std::string topic, std::string key, const CloudEvent& event,
                          std::string value);
kafka::Message to_message(std::string topic, std::string key, const CloudEvent& event);

// Parses an envelope; fails (invalid_json, not_a_cloudevent) with the reason when it is not JSON
// or required attributes are missing.
core::Result<CloudEvent> parse_cloudevent(std::string_view json);

// SHA-256 (hex) of the route and its sorted parameters, each length-prefixed, so that a retried
// webhook yields the same id and two different callbacks never do.
std::string event_id(std::string_view route, const twilio::Params& params);
// The same from parameters already sorted (twilio::sort_params).
std::string event_id_of_sorted(std::string_view route, const twilio::SortedParams& sorted);

// What the ingress answered a webhook that asks for instructions (TwiML, assignment JSON).
struct WebhookAnswer {
  std::string_view outcome;  // enqueued, dialing, voicemail, dequeue...
  std::string_view content_type;
  std::string_view body;
};

// The data of a webhook event: request facts plus every parameter verbatim, a repeated key as an
// array of its values in the order received, and the answer given when there is one.
std::string webhook_data(std::string_view route, std::string_view method, std::string_view query,
                         const twilio::Params& params, const WebhookAnswer* answer = nullptr);

// serialize() of `event` with webhook_data(...) as its data (event.data unused), written in one
// pass: what the ingress does for every webhook.
std::string serialize_webhook(const CloudEvent& event, std::string_view route,
                              std::string_view method, std::string_view query,
                              const twilio::Params& params, const WebhookAnswer* answer = nullptr);

}  // namespace callstream::events
