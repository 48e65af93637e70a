#pragma once
// RAII over libpq: a connection, parameterized queries (text format), results, transactions.
// One connection per thread. libpq reads the DSN and the PG* environment variables itself.
#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

struct pg_conn;
struct pg_result;

namespace callstream::pg {

class PgError : public std::runtime_error {
 public:
  PgError(const std::string& what, std::string sqlstate, bool connection_lost)
      : std::runtime_error(what),
        sqlstate_(std::move(sqlstate)),
        connection_lost_(connection_lost) {}
  const std::string& sqlstate() const { return sqlstate_; }
  // The connection is gone: reconnect and retry (but never retry an in-doubt COMMIT blindly).
  bool connection_lost() const { return connection_lost_; }
  // Serialization failure or deadlock: the transaction may simply be run again.
  bool retryable() const {
    return connection_lost_ || sqlstate_ == "40001" || sqlstate_ == "40P01";
  }

 private:
  std::string sqlstate_;
  bool connection_lost_;
};

class Result {
 public:
  explicit Result(pg_result* r) : r_(r) {}
  Result(Result&& o) noexcept : r_(o.r_) { o.r_ = nullptr; }
  Result& operator=(Result&& o) noexcept;
  ~Result();

  int rows() const;
  int columns() const;
  bool is_null(int row, int col) const;
  std::string_view get(int row, int col) const;
  int64_t get_int(int row, int col) const;
  // By column name: a query's columns are read by what they are called, never by position.
  // Throws std::logic_error for a name the query does not return (a bug, not an input error).
  int column(const char* name) const;
  std::string_view get(int row, const char* name) const { return get(row, column(name)); }
  int64_t get_int(int row, const char* name) const { return get_int(row, column(name)); }
  bool is_null(int row, const char* name) const { return is_null(row, column(name)); }
  // Rows touched by an INSERT/UPDATE/DELETE.
  int64_t affected() const;

 private:
  pg_result* r_;
};

using Param = std::optional<std::string_view>;  // nullopt = SQL NULL

struct ConnectionSettings {
  std::string dsn;  // "postgresql://..." or "host=... dbname=..."
  std::string application_name = "callstream";
  int statement_timeout_ms = 30000;  // bounds every statement, COMMIT included
  int connect_timeout_s = 10;
  std::string search_path;  // schemas for unqualified names ("shadow,public"); empty = default
};

class Connection {
 public:
  explicit Connection(ConnectionSettings settings);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  Result exec(std::string_view sql);
  // `name` labels the statement in logs and errors (kUpsertCall...).
  Result exec(const char* name, const char* sql, const std::vector<Param>& params);
  // The same, for a statement a hot path runs over and over: parsed once per connection as the
  // prepared statement `name`, so PostgreSQL may keep its plan. A name always comes with the
  // same SQL (std::logic_error otherwise: a bug).
  Result exec_prepared(const char* name, const char* sql, const std::vector<Param>& params);

  // `name` quoted as an SQL identifier (PQescapeIdentifier), for DDL whose names are not
  // parameters: quote("public") + "." + quote(table).
  std::string quote(std::string_view name) const;

  // LISTEN on `channel`; then notifications() waits up to `wait` for what NOTIFY sent on it and
  // returns the payloads in commit order (none when the wait ends first). Throws PgError with
  // connection_lost when the connection drops: LISTEN again on a new one, and assume that what
  // was notified meanwhile is lost.
  void listen(std::string_view channel);
  std::vector<std::string> notifications(std::chrono::milliseconds wait);

  bool healthy() const;
  // Drops and re-establishes the connection (throws PgError if it cannot).
  void reconnect();

 private:
  void connect();
  [[noreturn]] void fail(const char* what, pg_result* r);
  void prepare(const char* name, const char* sql, int params);
  Result checked(const char* name, pg_result* r);
  ConnectionSettings settings_;
  pg_conn* conn_ = nullptr;
  std::unordered_map<std::string, std::string> prepared_;  // name -> SQL, on this connection
};

// BEGIN on construction, ROLLBACK on destruction unless commit() ran.
class Transaction {
 public:
  explicit Transaction(Connection& c, const char* begin_sql = "BEGIN");
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  Connection& c_;
  bool done_ = false;
};

// Bytes as lower-case hex, for a bytea parameter written decode($1, 'hex').
std::string hex(std::string_view bytes);
// hex() undone: lower- or upper-case hex digits back to their bytes.
std::string unhex(std::string_view hex);

// A text[] literal ('{"a","b",NULL}') for passing arrays as one parameter to unnest().
class ArrayLiteral {
 public:
  void add(std::string_view v);
  void add_null();
  std::string str() const { return out_ + "}"; }
  size_t size() const { return n_; }

 private:
  std::string out_ = "{";
  size_t n_ = 0;
};

}  // namespace callstream::pg
