#pragma once
// Console sign-in and sessions, kept in PostgreSQL so that every serving instance shares them:
// a random token in the cookie, its SHA-256 in console_sessions, an idle and an absolute expiry,
// a CSRF token per session, and failed sign-ins that slow further tries down per user name and
// per address.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "callstream/core/result.hpp"
#include "callstream/pg/connection.hpp"

namespace callstream::projector::console {

struct SessionPolicy {
  std::chrono::seconds idle{std::chrono::hours(8)};       // CONSOLE_SESSION_IDLE_MINUTES
  std::chrono::seconds absolute{std::chrono::hours(12)};  // CONSOLE_SESSION_MAX_HOURS
  int user_failures = 5;      // failed sign-ins for one name in 15 minutes before slowing down
  int address_failures = 20;  // the same for one address, whatever the names
};

struct SessionUser {
  int64_t user_id = 0;
  std::string name, display_name, role;  // role: "supervisor" or "agent"
  std::string csrf_token;
  bool supervisor() const { return role == "supervisor"; }
};

struct NewSession {
  std::string token;  // the cookie's value; only its hash is stored
  SessionUser user;
};

// A refused sign-in: "invalid_credentials" (never saying which of name or password), or
// "throttled" with the seconds to wait.
struct SignInRefusal {
  std::string code;
  int retry_after_seconds = 0;
};

core::Result<NewSession, SignInRefusal> sign_in(pg::Connection& db, const std::string& name,
                                                const std::string& password,
                                                const std::string& address,
                                                const SessionPolicy& policy);
// The session's user when the token is live (and marks it used), nullopt otherwise.
std::optional<SessionUser> find_session(pg::Connection& db, const std::string& token,
                                        const SessionPolicy& policy);
void sign_out(pg::Connection& db, const std::string& token);

}  // namespace callstream::projector::console
