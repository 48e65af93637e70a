#pragma once
// Signing in and out: POST, GET and DELETE /api/session.
#include "api_call.hpp"

namespace callstream::projector::console {

inline constexpr std::string_view kSessionCookie = "callstream_session";

http::Response post_session(ApiCall& call);
http::Response get_session(ApiCall& call);
http::Response delete_session(ApiCall& call);

// The session token the request's cookie carries; empty when none.
std::string session_token(const http::Request& request);
// {"user": {...}, "csrf_token": "...", "call_center": {"time_zone", "service_level_seconds"}}:
// what the page keeps after sign-in.
std::string session_json(const SessionUser& user, const ConsoleSettings& settings);

}  // namespace callstream::projector::console
