#include "callstream/pg/connection.hpp"

#include <libpq-fe.h>

#include <poll.h>

#include <cstdlib>
#include <stdexcept>
#include <string>

#include "callstream/core/log.hpp"

namespace callstream::pg {

Result& Result::operator=(Result&& o) noexcept {
  if (this != &o) {
    if (r_) PQclear(r_);
    r_ = o.r_;
    o.r_ = nullptr;
  }
  return *this;
}
Result::~Result() {
  if (r_) PQclear(r_);
}
int Result::rows() const { return PQntuples(r_); }
int Result::columns() const { return PQnfields(r_); }
bool Result::is_null(int row, int col) const { return PQgetisnull(r_, row, col); }
std::string_view Result::get(int row, int col) const {
  return std::string_view(PQgetvalue(r_, row, col), static_cast<size_t>(PQgetlength(r_, row, col)));
}
int64_t Result::get_int(int row, int col) const {
  return std::strtoll(PQgetvalue(r_, row, col), nullptr, 10);
}
int Result::column(const char* name) const {
  int col = PQfnumber(r_, name);
  if (col < 0) throw std::logic_error(std::string("query returns no column named ") + name);
  return col;
}
int64_t Result::affected() const {
  const char* n = PQcmdTuples(r_);
  return n && *n ? std::strtoll(n, nullptr, 10) : 0;
}

Connection::Connection(ConnectionSettings settings) : settings_(std::move(settings)) { connect(); }

Connection::~Connection() {
  if (conn_) PQfinish(conn_);
}

void Connection::connect() {
  std::string timeout = std::to_string(settings_.connect_timeout_s);
  std::string options = "-c statement_timeout=" + std::to_string(settings_.statement_timeout_ms) +
                        " -c idle_in_transaction_session_timeout=" +
                        std::to_string(settings_.statement_timeout_ms * 2);
  if (!settings_.search_path.empty()) options += " -c search_path=" + settings_.search_path;
  // Ours first: the DSN (expanded from dbname) overrides them where it sets the same keys.
  const char* keys[] = {"connect_timeout", "application_name", "options", "dbname", nullptr};
  const char* values[] = {timeout.c_str(), settings_.application_name.c_str(), options.c_str(),
                          settings_.dsn.c_str(), nullptr};
  conn_ = PQconnectdbParams(keys, values, 1);
  if (PQstatus(conn_) != CONNECTION_OK) {
    std::string why = PQerrorMessage(conn_);
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    PQfinish(conn_);
    conn_ = nullptr;
    throw PgError("cannot connect to PostgreSQL (check DATABASE_URL): " + why, "08001", true);
  }
  PQsetNoticeProcessor(
      conn_,
      [](void*, const char* message) {
        core::log::debug("postgres notice", {{"detail", message}});
      },
      nullptr);
}

std::string hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

std::string unhex(std::string_view hex) {
  std::string out;
  out.reserve(hex.size() / 2);
  auto digit = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out += static_cast<char>(digit(hex[i]) * 16 + digit(hex[i + 1]));
  return out;
}

void Connection::listen(std::string_view channel) { exec("LISTEN " + quote(channel)); }

std::vector<std::string> Connection::notifications(std::chrono::milliseconds wait) {
  std::vector<std::string> out;
  auto take = [&] {
    while (PGnotify* n = PQnotifies(conn_)) {
      out.emplace_back(n->extra);
      PQfreemem(n);
    }
  };
  take();
  if (!out.empty()) return out;
  pollfd fd{PQsocket(conn_), POLLIN, 0};
  if (fd.fd < 0) fail("listen", nullptr);
  int ready = ::poll(&fd, 1, static_cast<int>(wait.count()));
  if (ready > 0 && PQconsumeInput(conn_) == 0) fail("listen", nullptr);
  take();
  return out;
}

void Connection::reconnect() {
  if (conn_) PQfinish(conn_);
  conn_ = nullptr;
  prepared_.clear();  // they lived in the old session
  connect();
}

std::string Connection::quote(std::string_view name) const {
  char* quoted = PQescapeIdentifier(conn_, name.data(), name.size());
  if (!quoted)
    throw PgError(std::string("cannot quote an identifier: ") + PQerrorMessage(conn_), "",
                  !healthy());
  std::string out(quoted);
  PQfreemem(quoted);
  return out;
}

bool Connection::healthy() const { return conn_ && PQstatus(conn_) == CONNECTION_OK; }

void Connection::fail(const char* what, PGresult* r) {
  std::string state;
  std::string message;
  if (r) {
    const char* s = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    state = s ? s : "";
    message = PQresultErrorMessage(r);
    PQclear(r);
  }
  if (message.empty() && conn_) message = PQerrorMessage(conn_);
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  bool lost =
      !conn_ || PQstatus(conn_) != CONNECTION_OK || state.rfind("08", 0) == 0 || state == "57P01";
  throw PgError(std::string(what) + ": " + message, state, lost);
}

Result Connection::exec(std::string_view sql) {
  if (!conn_) throw PgError("not connected", "08003", true);
  std::string text(sql);
  PGresult* r = PQexec(conn_, text.c_str());
  auto status = PQresultStatus(r);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) fail("query", r);
  return Result(r);
}

namespace {

// Text-format parameters must be NUL-terminated: terminated copies, kept for the call.
class ParamValues {
 public:
  explicit ParamValues(const std::vector<Param>& params)
      : copies_(params.size()), values_(params.size(), nullptr) {
    for (size_t i = 0; i < params.size(); ++i)
      if (params[i]) {
        copies_[i].assign(params[i]->data(), params[i]->size());
        values_[i] = copies_[i].c_str();
      }
  }
  int count() const { return static_cast<int>(values_.size()); }
  const char* const* values() const { return values_.data(); }

 private:
  std::vector<std::string> copies_;
  std::vector<const char*> values_;
};

}  // namespace

Result Connection::checked(const char* name, PGresult* r) {
  auto status = PQresultStatus(r);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) fail(name, r);
  return Result(r);
}

Result Connection::exec(const char* name, const char* sql, const std::vector<Param>& params) {
  if (!conn_) throw PgError(std::string(name) + ": not connected", "08003", true);
  ParamValues v(params);
  return checked(name,
                 PQexecParams(conn_, sql, v.count(), nullptr, v.values(), nullptr, nullptr, 0));
}

Result Connection::exec_prepared(const char* name, const char* sql,
                                 const std::vector<Param>& params) {
  if (!conn_) throw PgError(std::string(name) + ": not connected", "08003", true);
  prepare(name, sql, static_cast<int>(params.size()));
  ParamValues v(params);
  return checked(name, PQexecPrepared(conn_, name, v.count(), v.values(), nullptr, nullptr, 0));
}

void Connection::prepare(const char* name, const char* sql, int params) {
  auto known = prepared_.find(name);
  if (known != prepared_.end()) {
    if (known->second != sql)
      throw std::logic_error(std::string("prepared statement ") + name + " given another SQL");
    return;
  }
  checked(name, PQprepare(conn_, name, sql, params, nullptr));
  prepared_.emplace(name, sql);
}

Transaction::Transaction(Connection& c, const char* begin_sql) : c_(c) { c_.exec(begin_sql); }

Transaction::~Transaction() {
  if (done_) return;
  try {
    if (c_.healthy()) c_.exec("ROLLBACK");
  } catch (const std::exception& e) {
    core::log::warn("rollback failed", {{"error", e.what()}});
  }
}

void Transaction::commit() {
  done_ = true;  // whatever happens, there is nothing left to roll back
  c_.exec("COMMIT");
}

void ArrayLiteral::add(std::string_view v) {
  if (n_++) out_ += ',';
  out_ += '"';
  for (char ch : v) {
    if (ch == '"' || ch == '\\') out_ += '\\';
    out_ += ch;
  }
  out_ += '"';
}

void ArrayLiteral::add_null() {
  if (n_++) out_ += ',';
  out_ += "NULL";
}

}  // namespace callstream::pg
