#include "ingress_metrics.hpp"

namespace callstream::ingress {

IngressMetrics::IngressMetrics(core::Registry& registry)
    : requests(registry, "callstream_ingress_requests_total", "Requests by route and HTTP status"),
      rejected(registry, "callstream_ingress_rejected_total", "Webhooks refused, by reason"),
      signature_failures(registry, "callstream_ingress_signature_failures_total",
                         "Webhooks with a missing or bad signature"),
      call_flow(registry, "callstream_ingress_call_flow_total", "Call-control answers by outcome"),
      delivery_failures(registry, "callstream_ingress_delivery_failures_total",
                        "Events Kafka did not confirm in time"),
      events_lost(registry.counter(
          "callstream_ingress_events_lost_total",
          "Events of answered call-control requests given up after the retry budget")),
      publish_seconds(registry.histogram("callstream_ingress_publish_seconds",
                                         "Time from enqueue to Kafka delivery report",
                                         core::latency_buckets())),
      registry_(registry) {}

void IngressMetrics::producer_queue_depth(std::function<double()> read) {
  registry_.gauge_callback("callstream_ingress_producer_queue_depth",
                           "Messages waiting in the Kafka producer", std::move(read));
}

OperatorApiMetrics::OperatorApiMetrics(core::Registry& registry)
    : outbound_calls(registry, "callstream_ingress_outbound_calls_total",
                     "POST /make_call outcomes"),
      caller_ids(registry, "callstream_ingress_caller_id_total",
                 "Caller ids chosen, by how they matched"),
      worker_activity(registry, "callstream_ingress_worker_activity_total",
                      "POST /worker_activity outcomes (TaskRouter worker activity changes)"),
      tokens_issued(registry.counter("callstream_ingress_tokens_issued_total",
                                     "Voice SDK access tokens issued")),
      twilio_api_seconds(
          registry.histogram("callstream_ingress_twilio_api_seconds",
                             "Time to create a call with Twilio's REST API, retries included",
                             core::latency_buckets())),
      registry_(registry) {}

void OperatorApiMetrics::optouts(std::function<double()> read) {
  registry_.gauge_callback("callstream_ingress_optouts", "Numbers on the opt-out list",
                           std::move(read));
}

}  // namespace callstream::ingress
