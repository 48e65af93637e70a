#pragma once
// callstream-ingress assembled: config -> signature validator, contract, producer, router,
// HTTP server. run() serves until SIGTERM, drains, then flushes the producer.
#include <atomic>
#include <memory>

#include "callstream/core/metrics.hpp"
#include "callstream/events/contract.hpp"
#include "callstream/http/server.hpp"
#include "callstream/kafka/producer.hpp"
#include "callstream/twilio/signature.hpp"
#include "ingress_config.hpp"
#include "webhook_router.hpp"

namespace callstream::ingress {

class IngressApp {
 public:
  explicit IngressApp(IngressConfig config);
  ~IngressApp();

  // Binds the listening socket; returns the port (useful with HTTP_PORT=0).
  uint16_t listen();
  // Serves until stop() or SIGTERM/SIGINT (when handle_signals), then drains and flushes.
  void run(bool handle_signals = true);
  void stop();

  core::Registry& metrics() { return metrics_; }

 private:
  void handle(http::Request&& request, http::Respond respond);
  void count(const std::string& route, int status);
  // Publishes the events of an answer already given; failures are counted and logged.
  void publish_alongside(const Decision& d);
  void publish_retrying(std::shared_ptr<const kafka::Message> message, const std::string& route,
                        const std::string& event_id, std::chrono::steady_clock::time_point started);

  IngressConfig config_;
  core::Registry metrics_;
  twilio::SignatureValidator validator_;
  events::Contract contract_;
  CallFlow flow_;
  WebhookRouter router_;
  std::unique_ptr<kafka::Producer> producer_;
  std::unique_ptr<http::Server> server_;
  std::atomic<bool> ready_{false};
  std::atomic<bool> retrying_{true};
  core::Histogram& publish_latency_;
};

}  // namespace callstream::ingress
