#include "console_routes.hpp"

#include <algorithm>
#include <cctype>

#include "api_commands.hpp"
#include "api_reads.hpp"
#include "api_session.hpp"
#include "api_softphone.hpp"
#include "csv_export.hpp"

namespace callstream::projector::console {
namespace {

http::Response get_stream(ApiCall& call) {
  auto r = http::Response{200, "text/event-stream", "", {}, {}};
  r.headers.emplace_back("X-Accel-Buffering", "no");  // proxies pass each event at once
  r.stream = call.live.subscribe(call.request.header("Last-Event-ID"), call.user->supervisor());
  return r;
}

http::Response get_csv(ApiCall& call) { return get_calls_csv(call, call.db_settings); }

constexpr ApiRoute kApiRoutes[] = {
    {"POST", "/api/session", Access::anyone, post_session, "session"},
    {"GET", "/api/session", Access::signed_in, get_session, "session"},
    {"DELETE", "/api/session", Access::signed_in, delete_session, "session"},
    {"GET", "/api/kpis", Access::supervisor, get_kpis, "kpis"},
    {"GET", "/api/series", Access::supervisor, get_series, "series"},
    {"GET", "/api/queues", Access::signed_in, get_queues, "queues"},
    {"GET", "/api/agents", Access::supervisor, get_agents, "agents"},
    {"GET", "/api/calls", Access::signed_in, get_calls, "calls"},
    {"GET", "/api/calls.csv", Access::signed_in, get_csv, "calls_csv"},
    {"GET", "/api/calls/{sid}", Access::signed_in, get_call, "call"},
    {"POST", "/api/calls/{sid}/callback", Access::signed_in, post_callback, "callback"},
    {"GET", "/api/callbacks", Access::signed_in, get_callbacks, "callbacks"},
    {"GET", "/api/recordings/{sid}/media", Access::signed_in, get_recording_media, "media"},
    {"GET", "/api/stream", Access::signed_in, get_stream, "stream"},
    {"GET", "/api/softphone/token", Access::signed_in, get_softphone_token, "softphone_token"},
    {"GET", "/api/softphone/activities", Access::signed_in, get_softphone_activities,
     "softphone_activities"},
    {"POST", "/api/softphone/activity", Access::signed_in, post_softphone_activity,
     "softphone_activity"},
    {"GET", "/api/softphone/incoming", Access::signed_in, get_softphone_incoming,
     "softphone_incoming"},
};

bool is_sid(std::string_view s) {
  return !s.empty() && s.size() <= 64 &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isalnum(c); });
}

// "/api/calls/{sid}" against "/api/calls/CA123": true, param "CA123".
bool matches(std::string_view pattern, std::string_view path, std::string_view& param) {
  size_t hole = pattern.find("{sid}");
  if (hole == std::string_view::npos) return pattern == path;
  std::string_view tail = pattern.substr(hole + 5);
  if (!path.starts_with(pattern.substr(0, hole)) || !path.ends_with(tail) ||
      path.size() < hole + tail.size())
    return false;
  std::string_view sid = path.substr(hole, path.size() - hole - tail.size());
  if (!is_sid(sid)) return false;
  param = sid;
  return true;
}

}  // namespace

RouteMatch match_route(std::string_view method, std::string_view path) {
  RouteMatch found;
  for (const auto& route : kApiRoutes) {
    std::string_view param;
    if (!matches(route.path, path, param)) continue;
    found.route = &route;
    found.param = param;
    if (route.method == method || (method == "HEAD" && route.method == "GET")) {
      found.method_allowed = true;
      return found;
    }
  }
  return found;
}

}  // namespace callstream::projector::console
