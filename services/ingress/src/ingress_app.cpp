#include "ingress_app.hpp"

#include <atomic>
#include <chrono>
#include <mutex>

#include <sys/resource.h>

#include "callstream/core/log.hpp"
#include "callstream/twilio/basic_auth.hpp"

namespace callstream::ingress {
namespace {

// Every connection is a descriptor: take the hard limit, and keep the connection cap under it
// (with room for Kafka's sockets and the rest), so the cap, not the kernel, says no first.
void fit_connection_cap(http::ServerSettings& http) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);
  getrlimit(RLIMIT_NOFILE, &limit);
  auto room = static_cast<size_t>(limit.rlim_cur > 512 ? limit.rlim_cur - 256 : limit.rlim_cur / 2);
  if (http.max_connections <= room) return;
  core::log::warn("HTTP_MAX_CONNECTIONS lowered to fit the open file limit",
                  {{"configured", std::to_string(http.max_connections)},
                   {"limit", std::to_string(limit.rlim_cur)},
                   {"max_connections", std::to_string(room)}});
  http.max_connections = room;
}

}  // namespace

IngressApp::IngressApp(IngressConfig config)
    : config_(std::move(config)),
      counted_(metrics_),
      validator_({config_.auth_token, config_.auth_token_secondary}),
      contract_(config_.topic_prefix),
      flow_(config_.call_flow, config_.base_url),
      caller_ids_(config_.caller_ids),
      router_({config_.base_url, config_.account_sid,
               config_.event_streams_user.empty()
                   ? std::string()
                   : twilio::basic_authorization(config_.event_streams_user,
                                                 config_.event_streams_password),
               config_.reject_opted_out_callers},
              validator_, contract_, flow_, &optouts_, &caller_ids_) {
  kafka::set_common_properties(config_.kafka_properties);  // before any Kafka client exists
  kafka::ProducerSettings ps;
  ps.extra = config_.producer_properties;
  ps.brokers = config_.kafka_brokers;
  ps.client_id = "callstream-ingress";
  ps.delivery_timeout = config_.delivery_timeout;
  ps.linger = config_.linger;
  producer_ = std::make_unique<kafka::Producer>(std::move(ps));
  fit_connection_cap(config_.http);
  counted_.producer_queue_depth([this] { return static_cast<double>(producer_->queue_depth()); });
  server_ = std::make_unique<http::Server>(
      config_.http,
      [this](http::Request&& r, http::Respond respond) {
        handle(std::move(r), std::move(respond));
      },
      metrics_);
  platform_ = std::make_unique<http::PlatformEndpoints>(
      config_.metrics_address, config_.metrics_port, metrics_, [this] { return ready(); });
  // Delivery reports are served on the server's threads, where the answers they complete go.
  int reports = producer_->take_over_polling();
  server_->watch(reports, [this] { producer_->serve_reports(); });

  OperatorApiSettings api;
  api.api_keys = config_.operator_api_keys;
  api.base_url = config_.base_url;
  api.rest.base_url = config_.twilio_api_base_url;
  api.rest.taskrouter_base_url = config_.taskrouter_base_url;
  api.rest.account_sid = config_.account_sid;
  api.rest.username = config_.account_sid;
  api.rest.password = config_.auth_token;
  api.rest.timeout = config_.twilio_api_timeout;
  api.rest.max_attempts = config_.twilio_api_max_attempts;
  api.token = {config_.account_sid, config_.api_key_sid, config_.api_key_secret, config_.token_ttl};
  api.outgoing_application_sid = config_.twiml_app_sid;
  api.workspace_sid = config_.workspace_sid;
  operator_api_ = std::make_unique<OperatorApi>(
      std::move(api), config_.call_flow, contract_, optouts_, caller_ids_, metrics_,
      [this](std::vector<kafka::Message> m, Published done) {
        publish_all(std::move(m), std::move(done));
      },
      [this](kafka::Message m, const std::string& route) {
        std::string id;
        for (const auto& h : m.headers)
          if (h.name == "ce_id") id = h.value;
        publish_retrying(std::make_shared<kafka::Message>(std::move(m)), route, id,
                         std::chrono::steady_clock::now());
      });
}

IngressApp::~IngressApp() {
  following_ = false;
  if (optout_follower_.joinable()) optout_follower_.join();
  operator_api_.reset();  // its workers finish the calls being placed
  retrying_ = false;      // the producer's destructor completes what is left: no new attempts
}

void IngressApp::load_optouts() {
  const std::string topic = contract_.topic(kOptOutsTopic);
  auto deadline = std::chrono::steady_clock::now() + config_.optouts_load_timeout;
  for (;;) {
    try {
      optout_reader_ = std::make_unique<kafka::TopicReader>(
          config_.kafka_brokers, topic, "callstream-ingress-optouts", std::chrono::seconds(5));
      size_t events = 0;
      bool done = optout_reader_->catch_up(
          [this, &events](const kafka::ConsumedMessage& m) {
            events += optouts_.apply(m.key(), m.header("ce_type"), m.value().empty());
          },
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                std::chrono::steady_clock::now()));
      if (!done) throw kafka::KafkaError("reading " + topic + " took too long", true);
      core::log::info("opt-out list loaded", {{"topic", topic},
                                              {"events", std::to_string(events)},
                                              {"numbers", std::to_string(optouts_.size())}});
      return;
    } catch (const kafka::KafkaError& e) {
      optout_reader_.reset();
      // Calls must never go to a number that opted out: without the list, no start.
      if (std::chrono::steady_clock::now() >= deadline)
        throw std::runtime_error("cannot load the opt-out list (OPTOUTS_LOAD_TIMEOUT_MS): " +
                                 std::string(e.what()));
      core::log::warn("waiting for the opt-out topic", {{"error", e.what()}});
      std::this_thread::sleep_for(std::chrono::seconds(1));
    }
  }
}

void IngressApp::follow_optouts() {
  while (following_) {
    try {
      optout_reader_->poll(
          [this](const kafka::ConsumedMessage& m) {
            optouts_.apply(m.key(), m.header("ce_type"), m.value().empty());
          },
          std::chrono::milliseconds(200));
    } catch (const std::exception& e) {
      core::log::error("following the opt-out topic failed", {{"error", e.what()}});
      std::this_thread::sleep_for(std::chrono::seconds(1));
    }
  }
}

uint16_t IngressApp::listen() {
  uint16_t port = server_->listen();
  if (platform_port_ == 0) platform_port_ = platform_->start();
  return port;
}

void IngressApp::run(bool handle_signals) {
  uint16_t port = listen();
  // Not ready (503 on /readyz) until Kafka answers: webhooks sent earlier would wait for the
  // connection and could miss their delivery deadline.
  while (!producer_->connect(std::chrono::seconds(5)))
    core::log::warn("waiting for Kafka", {{"brokers", config_.kafka_brokers}});
  load_optouts();
  optout_follower_ = std::thread([this] { follow_optouts(); });
  ready_ = true;
  core::log::info("listening", {{"port", std::to_string(port)},
                                {"metrics_port", std::to_string(platform_port_)},
                                {"base_url", config_.base_url},
                                {"brokers", config_.kafka_brokers}});
  server_->run(handle_signals);
  ready_ = false;
  // Every acknowledged event was persisted before its 2xx; what is still queued belongs to
  // requests answered 503 or to /voice-type answers. Give it the delivery timeout to land.
  bool flushed = producer_->flush(config_.delivery_timeout);
  platform_->stop();
  core::log::info("stopped", {{"producer_flushed", flushed ? "true" : "false"}});
}

void IngressApp::stop() {
  ready_ = false;
  server_->stop();
}

void IngressApp::count(const std::string& route, int status) {
  std::lock_guard lock(request_counters_mutex_);
  auto by_route = request_counters_.find(std::string_view(route));
  if (by_route == request_counters_.end()) by_route = request_counters_.try_emplace(route).first;
  core::Counter*& counter = by_route->second[status];
  if (!counter)
    counter = &counted_.requests.at({{"route", route}, {"status", std::to_string(status)}});
  counter->inc();
}

void IngressApp::publish_alongside(const std::vector<kafka::Message>& messages,
                                   const std::string& route, const std::string& event_id) {
  auto started = std::chrono::steady_clock::now();
  for (const auto& message : messages)
    publish_retrying(std::make_shared<kafka::Message>(message), route, event_id, started);
}

void IngressApp::publish_retrying(std::shared_ptr<const kafka::Message> message,
                                  const std::string& route, const std::string& event_id,
                                  std::chrono::steady_clock::time_point started) {
  producer_->publish(*message, [=, this](const kafka::DeliveryReport& report) {
    auto waited = std::chrono::steady_clock::now() - started;
    if (report.status == kafka::Delivery::persisted) {
      counted_.publish_seconds.observe(std::chrono::duration<double>(waited).count());
      return;
    }
    counted_.delivery_failures.at({{"status", kafka::to_string(report.status)}}).inc();
    // The answer is given: nobody will send this event again, so it is retried (same id, a
    // duplicate is harmless) for as long as the retry budget allows.
    if (waited < config_.call_control_retry && retrying_) {
      core::log::warn("retrying the event of an answered call-control request",
                      {{"route", route}, {"event_id", event_id}, {"error", report.error}});
      return publish_retrying(message, route, event_id, started);
    }
    counted_.events_lost.inc();
    core::log::error("event of an answered call-control request not persisted; giving up",
                     {{"route", route}, {"event_id", event_id}, {"error", report.error}});
  });
}

void IngressApp::handle(http::Request&& request, http::Respond respond) {
  auto route = match(request);
  if (!route) {
    std::string label =
        route.error().reason == "not_found" ? "unknown" : std::string(request.path());
    return refused(label, std::move(route.error()), respond);
  }
  const Route& r = **route;
  switch (r.auth) {
    case Auth::none:
      return respond(*http::platform_response(r.path, metrics_, [this] { return ready(); }));
    case Auth::api_key:  // every answer of the operator API is counted under its route
      return operator_api_->handle(
          r, request, [this, label = std::string(r.path), respond](http::Response answer) {
            count(label, answer.status);
            respond(std::move(answer));
          });
    default:
      return carry_out(router_.route(r, request, core::now_millis()), respond);
  }
}

void IngressApp::refused(const std::string& route, Refusal refusal, const http::Respond& respond) {
  counted_.rejected.at({{"route", route}, {"reason", refusal.reason}}).inc();
  if (refusal.reason.starts_with("signature_"))
    counted_.signature_failures.at({{"reason", refusal.reason}}).inc();
  core::log::warn("webhook refused", {{"route", route},
                                      {"reason", refusal.reason},
                                      {"status", std::to_string(refusal.response.status)}});
  count(route, refusal.response.status);
  respond(std::move(refusal.response));
}

void IngressApp::carry_out(Decision d, const http::Respond& respond) {
  if (auto* refusal = std::get_if<Refusal>(&d.action))
    return refused(d.route, std::move(*refusal), respond);
  if (auto* now = std::get_if<AnswerThenPublish>(&d.action)) {
    // Call control (TwiML, assignment): the call must not wait for Kafka.
    counted_.call_flow.at({{"route", d.route}, {"outcome", now->outcome}}).inc();
    publish_alongside(now->publish, d.route, d.event_id);
    count(d.route, now->response.status);
    return respond(std::move(now->response));
  }
  // The answer waits for every event's delivery report: 2xx only when all are persisted.
  auto& after = std::get<PublishThenAnswer>(d.action);
  if (after.publish.empty()) {
    count(d.route, after.persisted.status);
    return respond(std::move(after.persisted));
  }
  publish_all(std::move(after.publish),
              [this, route = d.route, event_id = d.event_id, optouts = std::move(after.optouts),
               persisted = std::move(after.persisted), respond](core::Result<void> done) mutable {
                if (done) {
                  for (const auto& [number, opted_out] : optouts) optouts_.set(number, opted_out);
                  count(route, persisted.status);
                  return respond(std::move(persisted));
                }
                core::log::warn(
                    "event not persisted; answering 503",
                    {{"route", route}, {"event_id", event_id}, {"error", done.error().message}});
                count(route, 503);
                respond(WebhookRouter::not_persisted_response(done.error().message));
              });
}

void IngressApp::publish_all(std::vector<kafka::Message> messages, Published done) {
  struct Pending {
    std::atomic<size_t> remaining;
    std::mutex mutex;
    bool failed = false;
    std::string error;  // the first failure
    Published done;
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  };
  auto pending = std::make_shared<Pending>();
  pending->remaining = messages.size();
  pending->done = std::move(done);
  for (const auto& message : messages) {
    producer_->publish(message, [this, pending](const kafka::DeliveryReport& report) {
      counted_.publish_seconds.observe(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - pending->started)
              .count());
      if (report.status != kafka::Delivery::persisted) {
        counted_.delivery_failures.at({{"status", kafka::to_string(report.status)}}).inc();
        std::lock_guard lock(pending->mutex);
        if (!pending->failed) pending->error = report.error;
        pending->failed = true;
      }
      if (--pending->remaining > 0) return;
      bool failed;
      std::string error;
      {
        std::lock_guard lock(pending->mutex);
        failed = pending->failed;
        error = pending->error;
      }
      if (failed)
        pending->done(core::fail("not_persisted", error, true));
      else
        pending->done({});
    });
  }
}

}  // namespace callstream::ingress
