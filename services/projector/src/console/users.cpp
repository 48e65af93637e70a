#include "users.hpp"

#include <termios.h>
#include <unistd.h>

#include <iostream>
#include <optional>

#include "passwords.hpp"

namespace callstream::projector::console {
namespace {

constexpr const char* kUsage =
    "usage: callstream-projector users add NAME --role supervisor|agent [--display-name TEXT]\n"
    "       callstream-projector users passwd NAME\n"
    "       callstream-projector users disable NAME\n"
    "       callstream-projector users list\n"
    "The password is read from the terminal, or from standard input when that is not one.\n";

constexpr const char* kAddUser = R"sql(
INSERT INTO console_users (name, display_name, role, password_hash) VALUES ($1, $2, $3, $4)
ON CONFLICT (name) DO NOTHING)sql";

constexpr const char* kSetPassword = R"sql(
UPDATE console_users SET password_hash = $2, password_changed_at = now(), disabled_at = NULL
WHERE name = $1)sql";

// Disabling ends the user's sessions too; so does a new password.
constexpr const char* kRevokeUserSessions = R"sql(
UPDATE console_sessions SET revoked_at = now()
WHERE revoked_at IS NULL AND user_id = (SELECT user_id FROM console_users WHERE name = $1))sql";

constexpr const char* kDisableUser =
    "UPDATE console_users SET disabled_at = now() WHERE name = $1 AND disabled_at IS NULL";

constexpr const char* kListUsers = R"sql(
SELECT u.name, u.role, coalesce(u.display_name, '') AS display_name,
       CASE WHEN u.disabled_at IS NULL THEN 'enabled' ELSE 'disabled' END AS state,
       (SELECT count(*) FROM console_sessions s WHERE s.user_id = u.user_id
          AND s.revoked_at IS NULL AND s.expires_at > now()) AS sessions
FROM console_users u ORDER BY u.role DESC, u.name)sql";

// Changes one user ($1 is the name) and ends their sessions, in one transaction; false when no
// row changed.
bool change_and_sign_out(pg::Connection& db, const char* name, const char* sql,
                         const std::vector<pg::Param>& params) {
  pg::Transaction tx(db);
  if (db.exec(name, sql, params).affected() == 0) return false;
  db.exec("revoke_user_sessions", kRevokeUserSessions, {params[0]});
  tx.commit();
  return true;
}

std::string read_password(std::istream& in, std::ostream& err, const char* prompt) {
  bool tty = &in == &std::cin && ::isatty(STDIN_FILENO);
  termios saved{};
  if (tty) {
    err << prompt << std::flush;
    tcgetattr(STDIN_FILENO, &saved);
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string line;
  std::getline(in, line);
  if (tty) {
    tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    err << "\n";
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

std::optional<std::string> new_password_hash(std::istream& in, std::ostream& err) {
  auto hash = hash_password(read_password(in, err, "password: "));
  if (!hash) {
    err << hash.error().message << "\n";
    return std::nullopt;
  }
  return *hash;
}

std::optional<std::string> option(const std::vector<std::string>& args, const std::string& name) {
  for (size_t i = 2; i + 1 < args.size(); ++i)
    if (args[i] == name) return args[i + 1];
  return std::nullopt;
}

int add(pg::Connection& db, const std::vector<std::string>& args, std::istream& in,
        std::ostream& out, std::ostream& err) {
  auto role = option(args, "--role");
  if (!role || (*role != "supervisor" && *role != "agent")) {
    err << "users add: --role supervisor or --role agent\n" << kUsage;
    return 2;
  }
  auto display = option(args, "--display-name");
  auto hash = new_password_hash(in, err);
  if (!hash) return 2;
  pg::Param display_param = display ? pg::Param(*display) : std::nullopt;
  try {
    auto r = db.exec("add_console_user", kAddUser, {args[1], display_param, *role, *hash});
    if (r.affected() == 0) {
      err << "users add: " << args[1] << " exists (use 'users passwd' for a new password)\n";
      return 1;
    }
  } catch (const pg::PgError& e) {
    if (e.sqlstate() != "23514") throw;
    err << "users add: a name is 1 to 64 letters, digits, _ . @ or - (an agent's is its Twilio "
           "client identity)\n";
    return 2;
  }
  out << "added " << *role << " " << args[1] << "\n";
  return 0;
}

int passwd(pg::Connection& db, const std::string& name, std::istream& in, std::ostream& out,
           std::ostream& err) {
  auto hash = new_password_hash(in, err);
  if (!hash) return 2;
  if (!change_and_sign_out(db, "set_console_password", kSetPassword, {name, *hash})) {
    err << "users passwd: no user " << name << "\n";
    return 1;
  }
  out << "password changed for " << name << "; their sessions are signed out\n";
  return 0;
}

int disable(pg::Connection& db, const std::string& name, std::ostream& out, std::ostream& err) {
  if (!change_and_sign_out(db, "disable_console_user", kDisableUser, {name})) {
    err << "users disable: no enabled user " << name << "\n";
    return 1;
  }
  out << "disabled " << name << " and signed out their sessions\n";
  return 0;
}

int list(pg::Connection& db, std::ostream& out) {
  auto r = db.exec("list_console_users", kListUsers, {});
  out << "name\trole\tstate\tsessions\tdisplay name\n";
  for (int i = 0; i < r.rows(); ++i)
    out << r.get(i, "name") << "\t" << r.get(i, "role") << "\t" << r.get(i, "state") << "\t"
        << r.get(i, "sessions") << "\t" << r.get(i, "display_name") << "\n";
  return 0;
}

}  // namespace

int users_command(pg::Connection& db, const std::vector<std::string>& args, std::istream& in,
                  std::ostream& out, std::ostream& err) {
  std::string sub = args.empty() ? "" : args[0];
  if (sub == "list" && args.size() == 1) return list(db, out);
  if (sub == "add" && args.size() >= 2) return add(db, args, in, out, err);
  if (sub == "passwd" && args.size() == 2) return passwd(db, args[1], in, out, err);
  if (sub == "disable" && args.size() == 2) return disable(db, args[1], out, err);
  err << kUsage;
  return 2;
}

}  // namespace callstream::projector::console
