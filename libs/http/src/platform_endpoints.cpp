#include "callstream/http/platform_endpoints.hpp"

namespace callstream::http {

std::optional<Response> platform_response(std::string_view path, const core::Registry& metrics,
                                          const std::function<bool()>& ready) {
  if (path == "/metrics") return text_response(200, "text/plain; version=0.0.4", metrics.render());
  if (path == "/healthz") return text_response(200, "text/plain", "ok\n");
  if (path == "/readyz")
    return ready() ? text_response(200, "text/plain", "ok\n")
                   : text_response(503, "text/plain", "not ready\n");
  return std::nullopt;
}

PlatformEndpoints::PlatformEndpoints(std::string address, uint16_t port, core::Registry& metrics,
                                     std::function<bool()> ready) {
  ServerSettings s;
  s.address = std::move(address);
  s.port = port;
  s.threads = 1;
  s.max_connections = 64;
  s.max_connections_per_address = 0;
  s.drain_timeout = std::chrono::seconds(2);
  s.server_name = "callstream-platform";
  auto handler = [&metrics, ready = std::move(ready)](Request&& r, Respond respond) {
    if (r.method != "GET" && r.method != "HEAD")
      return respond(text_response(405, "text/plain", "method not allowed\n"));
    auto answer = platform_response(r.path(), metrics, ready);
    respond(answer ? std::move(*answer) : text_response(404, "text/plain", "not found\n"));
  };
  // The listener's own counters would mix with the service's: it gets a registry of its own.
  server_ = std::make_unique<Server>(std::move(s), std::move(handler), own_metrics_);
}

PlatformEndpoints::~PlatformEndpoints() { stop(); }

uint16_t PlatformEndpoints::start() {
  uint16_t port = server_->listen();
  thread_ = std::thread([this] { server_->run(false); });
  return port;
}

void PlatformEndpoints::stop() {
  if (!thread_.joinable()) return;
  server_->stop();
  thread_.join();
}

}  // namespace callstream::http
