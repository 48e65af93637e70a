#pragma once
// An HTTP/1.1 server on Boost.Beast with Asio coroutines: N threads, each running its own
// io_context, every connection served by one of them (round robin); body limit, header and body
// deadlines, a connection cap with load shedding (at the cap, the connections that owe nothing
// are closed oldest first so a new one is served), a cap per client address, and a graceful drain
// (stop accepting, let in-flight requests finish, close idle keep-alive connections) bounded in
// time.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "callstream/core/metrics.hpp"
#include "callstream/http/message.hpp"

namespace callstream::http {

// Called once per request, on the connection's thread. It must call `respond` exactly once,
// from any thread, now or later (after a Kafka delivery report, say). Descriptors given to
// watch() are served on the first thread.
using Handler = std::function<void(Request&&, Respond)>;

struct ServerSettings {
  std::string address = "0.0.0.0";
  uint16_t port = 8080;  // 0 = any free port (see Server::listen)
  int threads = 2;
  size_t body_limit = 64 * 1024;                    // larger bodies: 413
  size_t header_limit = 16 * 1024;                  // larger headers: 431
  std::chrono::milliseconds header_timeout{15000};  // also the keep-alive idle limit
  std::chrono::milliseconds body_timeout{15000};
  // At this many open connections, idle keep-alive connections and those still sending their
  // request are closed, oldest first, to make room; past it by a shedding batch (a 64th), new
  // connections are closed at once.
  size_t max_connections = 4096;
  // Open connections one client address may hold (0 = no cap); past it, its new ones are closed.
  // Behind a proxy every connection comes from the proxy's few addresses: raise it or set 0.
  size_t max_connections_per_address = 1024;
  std::chrono::milliseconds drain_timeout{20000};
  std::string server_name = "callstream";
};

class Server {
 public:
  Server(ServerSettings settings, Handler handler, core::Registry& metrics);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens; returns the bound port. Throws std::system_error if it cannot.
  uint16_t listen();
  // Serves until stop() (or SIGTERM/SIGINT when handle_signals) and the drain completes.
  void run(bool handle_signals);
  // Starts the graceful drain; safe from any thread, idempotent.
  void stop();

  // Calls `on_readable` on a server thread each time `fd` becomes readable, from run() until the
  // drain has ended (so responses owed to in-flight requests can still be completed by it). For
  // event sources such as Kafka delivery reports. Call before run(); `fd` stays the caller's.
  void watch(int fd, std::function<void()> on_readable);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace callstream::http
