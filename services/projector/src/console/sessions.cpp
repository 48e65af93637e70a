#include "sessions.hpp"

#include <algorithm>
#include <cmath>

#include "passwords.hpp"

namespace callstream::projector::console {
namespace {

constexpr const char* kFindUser = R"sql(
SELECT user_id, name, coalesce(display_name, name) AS display_name, role, password_hash
FROM console_users WHERE name = $1 AND disabled_at IS NULL)sql";

// Failures in the last 15 minutes for the name and for the address, and when the latest was.
constexpr const char* kFailures = R"sql(
SELECT count(*) FILTER (WHERE key = $1) AS user_failures,
       count(*) FILTER (WHERE key = $2) AS address_failures,
       coalesce(extract(epoch FROM now() - max(failed_at))::float8, 1e9) AS since_last
FROM console_signin_failures
WHERE key IN ($1, $2) AND failed_at > now() - interval '15 minutes')sql";

constexpr const char* kRecordFailure = R"sql(
WITH old AS (DELETE FROM console_signin_failures WHERE failed_at < now() - interval '1 day')
INSERT INTO console_signin_failures (key) VALUES ($1), ($2))sql";

constexpr const char* kForgetFailures = "DELETE FROM console_signin_failures WHERE key = $1";

constexpr const char* kCreateSession = R"sql(
INSERT INTO console_sessions (token_hash, user_id, csrf_token, expires_at, address)
VALUES (decode($1, 'hex'), $2, $3, now() + $4::integer * interval '1 second', $5))sql";

// Live: not revoked, before the absolute expiry, used within the idle time, user enabled. The
// last use is written at most once a minute.
constexpr const char* kFindSession = R"sql(
WITH live AS (
  SELECT s.token_hash, s.last_seen_at, s.csrf_token, u.user_id, u.name,
         coalesce(u.display_name, u.name) AS display_name, u.role
  FROM console_sessions s JOIN console_users u USING (user_id)
  WHERE s.token_hash = decode($1, 'hex') AND s.revoked_at IS NULL AND s.expires_at > now()
    AND s.last_seen_at > now() - $2::integer * interval '1 second' AND u.disabled_at IS NULL),
touched AS (
  UPDATE console_sessions s SET last_seen_at = now() FROM live
  WHERE s.token_hash = live.token_hash AND live.last_seen_at < now() - interval '1 minute')
SELECT user_id, name, display_name, role, csrf_token FROM live)sql";

constexpr const char* kRevokeSession =
    "UPDATE console_sessions SET revoked_at = now() WHERE token_hash = decode($1, 'hex') "
    "AND revoked_at IS NULL";

std::string token_key(const std::string& token) { return pg::hex(sha256(token)); }

// Past the allowance, each further failure doubles the wait after the latest (2 s, 4 s, ...,
// 15 minutes at most).
int seconds_to_wait(pg::Connection& db, const std::string& user_key, const std::string& address_key,
                    const SessionPolicy& policy) {
  auto r = db.exec("signin_failures", kFailures, {user_key, address_key});
  int64_t excess = std::max(r.get_int(0, "user_failures") - policy.user_failures,
                            r.get_int(0, "address_failures") - policy.address_failures);
  if (excess < 0) return 0;
  double wait = std::min(900.0, std::pow(2.0, static_cast<double>(excess + 1)));
  double since = std::strtod(std::string(r.get(0, "since_last")).c_str(), nullptr);
  return wait > since ? static_cast<int>(std::ceil(wait - since)) : 0;
}

SessionUser user_from(const pg::Result& r) {
  return SessionUser{r.get_int(0, "user_id"), std::string(r.get(0, "name")),
                     std::string(r.get(0, "display_name")), std::string(r.get(0, "role")), ""};
}

}  // namespace

core::Result<NewSession, SignInRefusal> sign_in(pg::Connection& db, const std::string& name,
                                                const std::string& password,
                                                const std::string& address,
                                                const SessionPolicy& policy) {
  std::string user_key = "user:" + name, address_key = "address:" + address;
  if (int wait = seconds_to_wait(db, user_key, address_key, policy); wait > 0)
    return std::unexpected(SignInRefusal{"throttled", wait});
  auto found = db.exec("find_console_user", kFindUser, {name});
  bool ok = found.rows() == 1 ? verify_password(found.get(0, "password_hash"), password)
                              : (verify_nothing(password), false);
  if (!ok) {
    db.exec("record_signin_failure", kRecordFailure, {user_key, address_key});
    return std::unexpected(SignInRefusal{"invalid_credentials", 0});
  }
  db.exec("forget_signin_failures", kForgetFailures, {user_key});
  NewSession session{random_token(32), user_from(found)};
  session.user.csrf_token = random_token(24);
  std::string user_id = std::to_string(session.user.user_id);
  std::string lifetime = std::to_string(policy.absolute.count());
  db.exec("create_console_session", kCreateSession,
          {token_key(session.token), user_id, session.user.csrf_token, lifetime, address});
  return session;
}

std::optional<SessionUser> find_session(pg::Connection& db, const std::string& token,
                                        const SessionPolicy& policy) {
  if (token.empty() || token.size() > 128) return std::nullopt;
  std::string idle = std::to_string(policy.idle.count());
  auto r = db.exec("find_console_session", kFindSession, {token_key(token), idle});
  if (r.rows() != 1) return std::nullopt;
  SessionUser user = user_from(r);
  user.csrf_token = std::string(r.get(0, "csrf_token"));
  return user;
}

void sign_out(pg::Connection& db, const std::string& token) {
  if (!token.empty()) db.exec("revoke_console_session", kRevokeSession, {token_key(token)});
}

}  // namespace callstream::projector::console
