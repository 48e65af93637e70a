#pragma once
// The endpoints a platform polls, on a listener of their own (METRICS_ADDRESS:METRICS_PORT):
// GET /metrics (Prometheus text), /healthz (the process is alive) and /readyz (it can do its
// work). Not on the public port that Twilio or a browser reaches: what a service's metrics say
// about its internals is for the platform only.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "callstream/core/metrics.hpp"
#include "callstream/http/server.hpp"

namespace callstream::http {

class PlatformEndpoints {
 public:
  PlatformEndpoints(std::string address, uint16_t port, core::Registry& metrics,
                    std::function<bool()> ready);
  ~PlatformEndpoints();  // stop()
  PlatformEndpoints(const PlatformEndpoints&) = delete;
  PlatformEndpoints& operator=(const PlatformEndpoints&) = delete;

  // Binds and serves on a thread of its own; returns the bound port. Throws std::system_error.
  uint16_t start();
  void stop();

 private:
  core::Registry own_metrics_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
};

// The answer to a platform path (/metrics, /healthz, /readyz), or nothing for any other path.
std::optional<Response> platform_response(std::string_view path, const core::Registry& metrics,
                                          const std::function<bool()>& ready);

}  // namespace callstream::http
