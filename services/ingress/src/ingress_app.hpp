#pragma once
// callstream-ingress assembled: config -> signature validator, contract, producer, router,
// HTTP server. run() serves until SIGTERM, drains, then flushes the producer.
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "callstream/core/metrics.hpp"
#include "callstream/events/contract.hpp"
#include "callstream/http/platform_endpoints.hpp"
#include "callstream/http/server.hpp"
#include "callstream/kafka/producer.hpp"
#include "callstream/kafka/topic_reader.hpp"
#include "callstream/twilio/signature.hpp"
#include "ingress_config.hpp"
#include "ingress_metrics.hpp"
#include "operator_api.hpp"
#include "optouts.hpp"
#include "webhook_router.hpp"

namespace callstream::ingress {

class IngressApp {
 public:
  explicit IngressApp(IngressConfig config);
  ~IngressApp();

  // Binds the public socket and starts the platform listener (/metrics, /healthz, /readyz on
  // METRICS_ADDRESS:METRICS_PORT); returns the public port (useful with HTTP_PORT=0).
  uint16_t listen();
  // The platform listener's port, once listen() has run.
  uint16_t platform_port() const { return platform_port_; }
  // Serves until stop() or SIGTERM/SIGINT (when handle_signals), then drains and flushes.
  void run(bool handle_signals = true);
  void stop();
  // Serving: Kafka answered and the opt-out list is loaded (what /readyz says).
  bool ready() const { return ready_; }

  core::Registry& metrics() { return metrics_; }

 private:
  // Every request: the route table, then the route's handler.
  void handle(http::Request&& request, http::Respond respond);
  // A refusal: counted by reason, logged, answered.
  void refused(const std::string& route, Refusal refusal, const http::Respond& respond);
  // A Twilio request's decision: answered now and published after, or published then answered.
  void carry_out(Decision d, const http::Respond& respond);
  void count(const std::string& route, int status);
  // Publishes the events of an answer already given; failures are counted and logged.
  void publish_alongside(const std::vector<kafka::Message>& messages, const std::string& route,
                         const std::string& event_id);
  void publish_retrying(std::shared_ptr<const kafka::Message> message, const std::string& route,
                        const std::string& event_id, std::chrono::steady_clock::time_point started);
  // Publishes every message; `done` once all are persisted, or (not_persisted, the first
  // failure) as soon as the last report is in and one is not.
  void publish_all(std::vector<kafka::Message> messages, Published done);
  // Rebuilds the opt-out list from its topic (before ready), then follows it until stopped.
  void load_optouts();
  void follow_optouts();

  IngressConfig config_;
  core::Registry metrics_;
  IngressMetrics counted_;
  // requests_total by route and status, counted on every request: looked up without allocating.
  std::mutex request_counters_mutex_;
  std::map<std::string, std::map<int, core::Counter*>, std::less<>> request_counters_;
  twilio::SignatureValidator validator_;
  events::Contract contract_;
  CallFlow flow_;
  OptOutList optouts_;
  CallerIdSelector caller_ids_;  // local presence, for /make_call and /client_voice alike
  WebhookRouter router_;
  std::unique_ptr<kafka::Producer> producer_;
  std::unique_ptr<http::Server> server_;
  std::unique_ptr<http::PlatformEndpoints> platform_;
  uint16_t platform_port_ = 0;
  std::unique_ptr<OperatorApi> operator_api_;
  std::unique_ptr<kafka::TopicReader> optout_reader_;
  std::thread optout_follower_;
  std::atomic<bool> ready_{false};
  std::atomic<bool> retrying_{true};
  std::atomic<bool> following_{true};
};

}  // namespace callstream::ingress
