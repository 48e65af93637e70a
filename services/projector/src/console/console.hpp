#pragma once
// The console's server side (docs/console.md): the web app's files, the JSON read API under
// /api/, the live stream, sign-in and the commands it forwards to the ingress. Requests run on
// a few worker threads, each with a PostgreSQL connection, never on the HTTP event loop.
#include <memory>

#include "callstream/core/metrics.hpp"
#include "callstream/http/message.hpp"
#include "callstream/pg/connection.hpp"
#include "console_settings.hpp"

namespace callstream::projector::console {

class Console {
 public:
  Console(ConsoleSettings settings, pg::ConnectionSettings db, core::Registry& metrics);
  ~Console();
  Console(const Console&) = delete;
  Console& operator=(const Console&) = delete;

  // Serves every path that is not a process endpoint (/metrics, /healthz, /readyz).
  void handle(http::Request&& request, http::Respond respond);
  // Ends the live streams (they finish cleanly), before the HTTP server drains.
  void stop();
  // The database answers (the live stream's LISTEN is up).
  bool ready() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace callstream::projector::console
