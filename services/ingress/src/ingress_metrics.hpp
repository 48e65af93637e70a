#pragma once
// Every metric the ingress exports, declared once: its name, help text and buckets live here and
// nowhere else (docs/operations.md lists them). The HTTP server's own metrics are the http
// library's (callstream_http_*).
#include <functional>

#include "callstream/core/metrics.hpp"

namespace callstream::ingress {

// Webhooks: answers, refusals and what reached Kafka.
struct IngressMetrics {
  explicit IngressMetrics(core::Registry& registry);

  core::CounterFamily requests;            // route, status
  core::CounterFamily rejected;            // route, reason
  core::CounterFamily signature_failures;  // reason
  core::CounterFamily call_flow;           // route, outcome
  core::CounterFamily delivery_failures;   // status
  core::Counter& events_lost;
  core::Histogram& publish_seconds;
  // Read when /metrics renders.
  void producer_queue_depth(std::function<double()> read);

 private:
  core::Registry& registry_;
};

// The operator API: outbound calls, caller ids, tokens, the opt-out list.
struct OperatorApiMetrics {
  explicit OperatorApiMetrics(core::Registry& registry);

  core::CounterFamily outbound_calls;   // result
  core::CounterFamily caller_ids;       // match
  core::CounterFamily worker_activity;  // result: POST /worker_activity outcomes
  core::Counter& tokens_issued;
  core::Histogram& twilio_api_seconds;
  void optouts(std::function<double()> read);

 private:
  core::Registry& registry_;
};

}  // namespace callstream::ingress
