#include "api_session.hpp"

#include "callstream/core/log.hpp"
#include "callstream/events/json.hpp"

namespace callstream::projector::console {
namespace log = core::log;

std::string session_token(const http::Request& request) {
  std::string_view cookies = request.header("Cookie");
  while (!cookies.empty()) {
    size_t end = cookies.find(';');
    std::string_view pair = cookies.substr(0, end);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    if (pair.starts_with(kSessionCookie) && pair.substr(kSessionCookie.size()).starts_with("="))
      return std::string(pair.substr(kSessionCookie.size() + 1));
    cookies = end == std::string_view::npos ? "" : cookies.substr(end + 1);
  }
  return {};
}

std::string session_json(const SessionUser& user, const ConsoleSettings& settings) {
  events::JsonWriter w(320);
  w.begin_object().key("user").begin_object();
  w.field("name", user.name).field("display_name", user.display_name).field("role", user.role);
  w.end_object().field("csrf_token", user.csrf_token).key("call_center").begin_object();
  w.field("time_zone", settings.time_zone)
      .key("service_level_seconds")
      .integer(settings.service_level_seconds);
  w.end_object().end_object();
  return w.str();
}

namespace {

std::string cookie(const ConsoleSettings& settings, std::string_view value, long max_age) {
  std::string c = std::string(kSessionCookie) + "=" + std::string(value) +
                  "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(max_age);
  if (settings.secure_cookies) c += "; Secure";
  return c;
}

http::Response refusal(const SignInRefusal& r) {
  if (r.code == "throttled") {
    auto res = http::error_response(
        429, "throttled",
        "too many failed sign-ins; try again in " + std::to_string(r.retry_after_seconds) + " s");
    res.headers.emplace_back("Retry-After", std::to_string(r.retry_after_seconds));
    return res;
  }
  return http::error_response(401, "invalid_credentials", "the name or the password is wrong");
}

}  // namespace

// {"name": "...", "password": "..."}. The password is never logged nor returned.
http::Response post_session(ApiCall& call) {
  auto doc = events::JsonDocument::parse(call.request.body);
  std::optional<std::string_view> name, password;
  if (doc && doc->is_object()) {
    name = doc->string_at({"name"});
    password = doc->string_at({"password"});
  }
  if (!name || !password || name->empty() || name->size() > 64 || password->size() > 1024)
    return http::error_response(400, "malformed_body",
                                "expected {\"name\": \"...\", \"password\": \"...\"}");
  auto session = sign_in(call.db, std::string(*name), std::string(*password), call.address,
                         call.settings.sessions);
  if (!session) {
    log::info("console sign-in refused",
              {{"reason", session.error().code}, {"address", call.address}});
    return refusal(session.error());
  }
  log::info("console sign-in", {{"user", session->user.name}, {"role", session->user.role}});
  auto r = json_response(200, session_json(session->user, call.settings));
  r.headers.emplace_back(
      "Set-Cookie", cookie(call.settings, session->token, call.settings.sessions.absolute.count()));
  return r;
}

http::Response get_session(ApiCall& call) {
  return json_response(200, session_json(*call.user, call.settings));
}

http::Response delete_session(ApiCall& call) {
  sign_out(call.db, session_token(call.request));
  http::Response r{204, "", "", {}, {}};
  r.headers.emplace_back("Set-Cookie", cookie(call.settings, "", 0));
  return r;
}

}  // namespace callstream::projector::console
