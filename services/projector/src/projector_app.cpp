#include "projector_app.hpp"

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <string_view>
#include <thread>
#include <utility>

#include "alert_sender.hpp"
#include "archive/archiver.hpp"
#include "backup_upload.hpp"
#include "callstream/core/log.hpp"
#include "callstream/http/platform_endpoints.hpp"
#include "callstream/http/server.hpp"
#include "callstream/kafka/settings.hpp"
#include "console/console.hpp"
#include "console/users.hpp"
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

using Readiness = std::function<bool()>;

// The public port: /healthz and /readyz for load balancers, and the console's routes when
// `console` is given (docs/console.md). /metrics is on the platform listener only.
std::unique_ptr<http::Server> http_server(const ProjectorConfig& config, core::Registry& metrics,
                                          Readiness ready, console::Console* console) {
  http::ServerSettings hs;
  hs.address = config.http_address;
  hs.port = config.http_port;
  hs.threads = 1;
  hs.drain_timeout = std::chrono::seconds(2);
  hs.server_name = "callstream-projector";
  auto handler = [&metrics, ready = std::move(ready), console](http::Request&& r,
                                                               http::Respond respond) {
    if (r.path() == "/healthz" || r.path() == "/readyz")
      return respond(*http::platform_response(r.path(), metrics, ready));
    if (!console) return respond(http::text_response(404, "text/plain", "not found\n"));
    console->handle(std::move(r), std::move(respond));
  };
  return std::make_unique<http::Server>(hs, handler, metrics);
}

// /metrics, /healthz and /readyz on METRICS_ADDRESS:METRICS_PORT, for the platform.
std::unique_ptr<http::PlatformEndpoints> platform_endpoints(const ProjectorConfig& config,
                                                            core::Registry& metrics,
                                                            Readiness ready) {
  auto endpoints = std::make_unique<http::PlatformEndpoints>(
      config.metrics_address, config.metrics_port, metrics, std::move(ready));
  uint16_t port = endpoints->start();
  core::log::info("platform endpoints (/metrics, /healthz, /readyz)",
                  {{"port", std::to_string(port)}});
  return endpoints;
}

pg::ConnectionSettings console_database(const ProjectorConfig& config) {
  return pg::ConnectionSettings{config.database_url, "callstream-console",
                                config.statement_timeout_ms};
}

console::ConsoleSettings console_settings(const ProjectorConfig& config) {
  console::ConsoleSettings s = config.console;
  if (s.static_dir.empty()) s.static_dir = CALLSTREAM_CONSOLE_DIR;  // built with the binary
  s.time_zone = config.time_zone;
  s.service_level_seconds = config.service_level_seconds;
  s.archive = config.archive.s3;
  s.playback_expiry = config.archive.playback_expiry;
  return s;
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
  console::Console console(console_settings(config), console_database(config), metrics);
  auto platform = platform_endpoints(config, metrics, [&projector] { return projector.ready(); });
  auto health = http_server(
      config, metrics, [&projector] { return projector.ready(); }, &console);
  uint16_t port = health->listen();
  core::log::info("console and health endpoints", {{"port", std::to_string(port)}});
  std::thread health_thread([&health] { health->run(false); });
  auto sender = alert_sender(config, metrics, projector);
  std::thread sender_thread;
  if (sender) sender_thread = std::thread([&sender] { sender->run(g_stop); });
  std::unique_ptr<archive::Archiver> archiver;
  std::thread archiver_thread;
  if (config.archive.enabled()) {
    archiver = std::make_unique<archive::Archiver>(config, metrics);
    archiver_thread = std::thread([&archiver] { archiver->run(g_stop); });
  }

  int status = 0;
  try {
    projector.run(g_stop);
  } catch (const std::exception& e) {
    core::log::error("projector failed", {{"error", e.what()}});
    status = 1;
  }
  g_stop = true;
  if (sender_thread.joinable()) sender_thread.join();
  if (archiver_thread.joinable()) archiver_thread.join();
  console.stop();
  health->stop();
  health_thread.join();
  bound_the_shutdown(status);
  return status;
}

// The console alone: no consuming, so read capacity scales apart from projection.
int serve_console(const ProjectorConfig& config) {
  stop_on_signals();
  core::Registry metrics;
  {
    pg::Connection db(console_database(config));
    run_migrations(db);
  }
  console::Console console(console_settings(config), console_database(config), metrics);
  auto platform = platform_endpoints(config, metrics, [&console] { return console.ready(); });
  auto server = http_server(
      config, metrics, [&console] { return console.ready(); }, &console);
  uint16_t port = server->listen();
  core::log::info("serving the console", {{"port", std::to_string(port)}});
  std::thread server_thread([&server] { server->run(false); });
  while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  console.stop();
  server->stop();
  server_thread.join();
  return 0;
}

// The archiver alone: its own consumer group, its own health and metrics endpoints.
int archive_only(const ProjectorConfig& config) {
  stop_on_signals();
  core::Registry metrics;
  archive::Archiver archiver(config, metrics);
  auto platform = platform_endpoints(config, metrics, [&archiver] { return archiver.ready(); });
  auto server = http_server(
      config, metrics, [&archiver] { return archiver.ready(); }, nullptr);
  uint16_t port = server->listen();
  core::log::info("archiver health endpoints", {{"port", std::to_string(port)}});
  std::thread server_thread([&server] { server->run(false); });
  int status = 0;
  try {
    archiver.run(g_stop);
  } catch (const std::exception& e) {
    core::log::error("archiver failed", {{"error", e.what()}});
    status = 1;
  }
  server->stop();
  server_thread.join();
  bound_the_shutdown(status);
  return status;
}

}  // namespace

namespace {

int users_command(const ProjectorConfig& config, const std::vector<std::string>& args) {
  pg::Connection db(console_database(config));
  run_migrations(db);
  return console::users_command(db, args, std::cin, std::cout, std::cerr);
}

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
    if (config.archive.enabled() && !config.kafka_brokers.empty()) {
      core::Registry metrics;
      archive::Archiver(config, metrics).redrive(key, std::cout);
    } else if (config.archive.enabled()) {
      std::cerr << "archive letters are redone with KAFKA_BROKERS set (their events go there)\n";
    }
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
  if (command == "serve") return serve_console(config);
  if (command == "archive") return archive_only(config);
  if (command == "users") return users_command(config, args);
  if (command == "backup-upload") {
    if (args.size() != 1) {
      std::cerr << "usage: callstream-projector backup-upload FILE\n";
      return 2;
    }
    return backup_upload(config.archive, config.backup_prefix, args[0], std::cout, std::cerr);
  }
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
