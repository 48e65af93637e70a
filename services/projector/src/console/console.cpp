#include "console.hpp"

#include <sodium.h>

#include <chrono>
#include <mutex>
#include <vector>

#include "api_session.hpp"
#include "callstream/core/job_queue.hpp"
#include "callstream/core/log.hpp"
#include "console_routes.hpp"
#include "live_stream.hpp"
#include "static_files.hpp"

namespace callstream::projector::console {
namespace log = core::log;

namespace {

// No inline script or style, nothing from another origin, never in a frame.
// The softphone's Voice SDK signals over wss://*.twilio.com and reports call quality to
// https://eventgw.twilio.com; its audio is WebRTC, which CSP does not govern. Archived
// recordings play from the archive's origin (`archive`, empty when there is none).
std::string content_security_policy(const std::string& archive) {
  return "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
         "media-src 'self' blob:" +
         (archive.empty() ? "" : " " + archive) +
         "; connect-src 'self' wss://*.twilio.com https://*.twilio.com; "
         "font-src 'self'; object-src 'none'; "
         "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
}

void secure(http::Response& r, bool api, const std::string& csp) {
  r.headers.emplace_back("Content-Security-Policy", csp);
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("X-Frame-Options", "DENY");
  r.headers.emplace_back("Referrer-Policy", "same-origin");
  bool cached = false;
  for (const auto& [k, v] : r.headers) cached = cached || k == "Cache-Control";
  if (api && !cached) r.headers.emplace_back("Cache-Control", "no-store");
}

bool same_secret(std::string_view a, std::string_view b) {
  return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

// Connections for the workers: one per worker at most, a lost one is dropped, not returned.
class ConnectionPool {
 public:
  explicit ConnectionPool(pg::ConnectionSettings s) : settings_(std::move(s)) {}
  std::unique_ptr<pg::Connection> take() {
    {
      std::lock_guard lock(mutex_);
      if (!idle_.empty()) {
        auto c = std::move(idle_.back());
        idle_.pop_back();
        return c;
      }
    }
    return std::make_unique<pg::Connection>(settings_);
  }
  void give_back(std::unique_ptr<pg::Connection> c) {
    std::lock_guard lock(mutex_);
    idle_.push_back(std::move(c));
  }

 private:
  pg::ConnectionSettings settings_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<pg::Connection>> idle_;
};

}  // namespace

struct Console::Impl {
  Impl(ConsoleSettings s, pg::ConnectionSettings db, core::Registry& m)
      : settings(std::move(s)),
        db_settings(std::move(db)),
        files(settings.static_dir),
        live(db_settings, m),
        pool(db_settings),
        requests(m, "callstream_console_requests_total",
                 "Console API requests by route and status"),
        seconds(m.histogram("callstream_console_request_seconds",
                            "Time to answer a console API request", core::latency_buckets())),
        csp(content_security_policy(
            settings.archive.bucket.empty() ? "" : s3::S3Client(settings.archive).origin())),
        jobs(static_cast<size_t>(settings.workers), 256) {}

  ConsoleSettings settings;
  pg::ConnectionSettings db_settings;
  StaticFiles files;
  LiveHub live;
  ConnectionPool pool;
  core::CounterFamily requests;
  core::Histogram& seconds;
  std::string csp;      // the Content-Security-Policy of every answer
  core::JobQueue jobs;  // last: its destructor runs what is queued, which uses the members above

  std::string address_of(const http::Request& r) const {
    std::string_view forwarded = r.header("X-Forwarded-For");
    if (!settings.trust_forwarded_for || forwarded.empty()) return r.peer;
    size_t comma = forwarded.rfind(',');  // the address the trusted proxy saw
    std::string_view last =
        comma == std::string_view::npos ? forwarded : forwarded.substr(comma + 1);
    while (!last.empty() && last.front() == ' ') last.remove_prefix(1);
    return std::string(last);
  }

  // Who may: a live session for anything but signing in, the role, the CSRF header and a JSON
  // body for what changes state. nullopt: go on.
  std::optional<http::Response> refuse(const ApiRoute& route, const http::Request& r,
                                       const std::optional<SessionUser>& user) const {
    bool changes = r.method != "GET" && r.method != "HEAD";
    if (changes && !r.body.empty() && !r.header("Content-Type").starts_with("application/json"))
      return http::error_response(415, "unsupported_media_type", "send application/json");
    if (route.access == Access::anyone) return std::nullopt;
    if (!user) return http::error_response(401, "unauthenticated", "sign in first");
    if (route.access == Access::supervisor && !user->supervisor())
      return forbidden("supervisors only");
    if (changes && !same_secret(r.header("X-CSRF-Token"), user->csrf_token))
      return http::error_response(403, "csrf", "the X-CSRF-Token header is missing or wrong");
    return std::nullopt;
  }

  http::Response answer(const RouteMatch& m, const http::Request& r, pg::Connection& db) {
    auto query = twilio::decode_form(r.query());
    if (!query) return http::error_response(400, "malformed_query", query.error().message);
    std::optional<SessionUser> user;
    if (m.route->access != Access::anyone)
      user = find_session(db, session_token(r), settings.sessions);
    if (auto refusal = refuse(*m.route, r, user)) return std::move(*refusal);
    ApiCall call{r,           *query, m.param, user ? &*user : nullptr, settings, db, address_of(r),
                 db_settings, live};
    return m.route->handler(call);
  }

  void serve_api(const RouteMatch& m, const http::Request& r, const http::Respond& respond) {
    auto started = std::chrono::steady_clock::now();
    http::Response res;
    try {
      auto db = pool.take();
      res = answer(m, r, *db);
      pool.give_back(std::move(db));
    } catch (const pg::PgError& e) {
      log::error("console request failed",
                 {{"route", std::string(m.route->name)}, {"error", e.what()}});
      res = http::error_response(503, "database_unavailable", "the database did not answer; retry");
      res.headers.emplace_back("Retry-After", "2");
    }
    secure(res, true, csp);
    requests.at({{"route", std::string(m.route->name)}, {"status", std::to_string(res.status)}})
        .inc();
    seconds.observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    respond(std::move(res));
  }
};

Console::Console(ConsoleSettings settings, pg::ConnectionSettings db, core::Registry& metrics)
    : impl_(std::make_unique<Impl>(std::move(settings), std::move(db), metrics)) {
  log::info("console", {{"files", std::to_string(impl_->files.size())},
                        {"commands", impl_->settings.operator_key.empty() ? "off" : "on"}});
}

Console::~Console() { stop(); }

void Console::stop() { impl_->live.stop(); }

bool Console::ready() const { return impl_->live.connected(); }

void Console::handle(http::Request&& request, http::Respond respond) {
  std::string_view path = request.path();
  if (!path.starts_with("/api/")) {
    http::Response r = request.method == "GET" || request.method == "HEAD"
                           ? impl_->files.serve(path)
                           : http::error_response(405, "method_not_allowed", "GET only");
    secure(r, false, impl_->csp);
    return respond(std::move(r));
  }
  auto shared = std::make_shared<http::Request>(std::move(request));
  RouteMatch m = match_route(shared->method, shared->path());  // views into *shared
  if (!m.route || !m.method_allowed) {
    auto r = m.route ? http::error_response(405, "method_not_allowed", "not with this method")
                     : http::error_response(404, "not_found", "no such API endpoint");
    secure(r, true, impl_->csp);
    return respond(std::move(r));
  }
  bool queued =
      impl_->jobs.submit([this, m, shared, respond] { impl_->serve_api(m, *shared, respond); });
  if (!queued) {
    auto r = http::error_response(503, "busy", "the console is busy; retry shortly");
    r.headers.emplace_back("Retry-After", "1");
    secure(r, true, impl_->csp);
    respond(std::move(r));
  }
}

}  // namespace callstream::projector::console
