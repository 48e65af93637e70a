#include "projector_app.hpp"

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <string_view>
#include <thread>
#include <utility>

#include "alert_sender.hpp"
#include "callstream/core/log.hpp"
#include "callstream/http/server.hpp"
#include "callstream/kafka/settings.hpp"
#include "projector.hpp"
#include "rebuild.hpp"

namespace callstream::projector {
namespace {

std::atomic<bool> g_stop{false};

void on_signal(int) { g_stop = true; }

void stop_on_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
}

// The projector's route table: the process endpoints the platform polls (docs/operations.md).
enum class ProcessRoute { metrics, healthz, readyz };
constexpr std::pair<std::string_view, ProcessRoute> kRoutes[] = {
    {"/metrics", ProcessRoute::metrics},
    {"/healthz", ProcessRoute::healthz},
    {"/readyz", ProcessRoute::readyz},
};

http::Response serve(ProcessRoute route, const core::Registry& metrics,
                     const Projector& projector) {
  switch (route) {
    case ProcessRoute::metrics:
      return http::text_response(200, "text/plain; version=0.0.4", metrics.render());
    case ProcessRoute::healthz:
      return http::text_response(200, "text/plain", "ok\n");
    case ProcessRoute::readyz:
      break;
  }
  return projector.ready() ? http::text_response(200, "text/plain", "ok\n")
                           : http::text_response(503, "text/plain", "not ready\n");
}

std::unique_ptr<http::Server> process_server(const ProjectorConfig& config, core::Registry& metrics,
                                             const Projector& projector) {
  http::ServerSettings hs;
  hs.address = config.http_address;
  hs.port = config.http_port;
  hs.threads = 1;
  hs.drain_timeout = std::chrono::seconds(2);
  hs.server_name = "callstream-projector";
  auto handler = [&metrics, &projector](http::Request&& r, http::Respond respond) {
    for (const auto& [path, route] : kRoutes)
      if (r.path() == path) return respond(serve(route, metrics, projector));
    respond(http::error_response(404, "not_found", "no route"));
  };
  return std::make_unique<http::Server>(hs, handler, metrics);
}

std::unique_ptr<AlertSender> alert_sender(const ProjectorConfig& config, core::Registry& metrics,
                                          const Projector& projector) {
  if (!config.alerts.enabled()) return nullptr;
  return std::make_unique<AlertSender>(
      config.alerts,
      pg::ConnectionSettings{config.database_url, "callstream-alerts", config.statement_timeout_ms},
      *core::TimeZone::locate(config.time_zone), metrics, [&projector] { return projector.lag(); });
}

// Everything that matters is committed in PostgreSQL by now. Tearing the Kafka handles down can
// take librdkafka a minute (seen with its mock cluster); an orchestrator would kill us first, so
// the shutdown is bounded: past 15 s, exit without waiting for it.
void bound_the_shutdown(int status) {
  std::thread([status] {
    std::this_thread::sleep_for(std::chrono::seconds(15));
    core::log::warn("releasing the Kafka client takes too long; exiting (nothing is pending)");
    std::_Exit(status);
  }).detach();
}

int run(ProjectorConfig config) {
  stop_on_signals();
  core::Registry metrics;
  Projector projector(config, metrics);
  auto health = process_server(config, metrics, projector);
  uint16_t port = health->listen();
  core::log::info("health endpoints", {{"port", std::to_string(port)}});
  std::thread health_thread([&health] { health->run(false); });
  auto sender = alert_sender(config, metrics, projector);
  std::thread sender_thread;
  if (sender) sender_thread = std::thread([&sender] { sender->run(g_stop); });

  int status = 0;
  try {
    projector.run(g_stop);
  } catch (const std::exception& e) {
    core::log::error("projector failed", {{"error", e.what()}});
    status = 1;
  }
  g_stop = true;
  if (sender_thread.joinable()) sender_thread.join();
  health->stop();
  health_thread.join();
  bound_the_shutdown(status);
  return status;
}

}  // namespace

namespace {

int dlq_command(const ProjectorConfig& config, const std::vector<std::string>& args) {
  pg::Connection db(pg::ConnectionSettings{config.database_url, "callstream-projector",
                                           config.statement_timeout_ms});
  run_migrations(db);
  std::string sub = args.empty() ? "list" : args[0];
  if (sub == "list") return dlq_list(db, std::cout) > 0 ? 1 : 0;
  if ((sub == "discard" || sub == "redrive") && !try_lock_letters(db, false)) {
    std::cerr << "a rebuild is running: dead letters cannot change until it has swapped in "
                 "(its decisions would be missing from the rebuilt tables); try again after it\n";
    return 3;
  }
  if (sub == "discard" && args.size() == 2) {
    char* end = nullptr;
    long long id = std::strtoll(args[1].c_str(), &end, 10);
    if (*end != '\0' || id <= 0) {
      std::cerr << "dlq discard ID: ID is the number shown by 'dlq list'\n";
      return 2;
    }
    return dlq_discard(db, id, std::cout) ? 0 : 1;
  }
  if (sub == "redrive" && args.size() <= 2) {
    events::Contract contract(config.topic_prefix);
    TopicProjections projections(contract);
    std::optional<std::string> key;
    if (args.size() == 2) key = args[1];
    dlq_redrive(db, projections, key, std::cout);
    // Exit 1 while letters stay open, so a script sees what is left.
    return dlq_list(db, std::cout) > 0 ? 1 : 0;
  }
  std::cerr << "usage: callstream-projector dlq [list | discard ID | redrive [KEY]]\n";
  return 2;
}

}  // namespace

int run_command(const std::string& command, ProjectorConfig config,
                const std::vector<std::string>& args) {
  core::log::set_level(config.log_level);
  kafka::set_common_properties(config.kafka_properties);  // before any Kafka client exists
  if (command == "run") return run(std::move(config));
  if (command == "migrate") {
    pg::Connection db(pg::ConnectionSettings{config.database_url, "callstream-projector",
                                             config.statement_timeout_ms});
    int ran = run_migrations(db);
    write_settings(db, config);
    std::cout << "applied " << ran << " migration(s)\n";
    return 0;
  }
  if (command == "dlq") return dlq_command(config, args);
  if (command == "rebuild") {
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);
    core::Registry metrics;
    return rebuild(config, g_stop, metrics);
  }
  std::cerr << "unknown command '" << command << "'; see callstream-projector --help\n";
  return 2;
}

}  // namespace callstream::projector
