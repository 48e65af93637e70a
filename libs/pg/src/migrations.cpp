#include "callstream/pg/migrations.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <string>
#include <vector>

#include "callstream/core/log.hpp"

namespace callstream::pg {
namespace {

constexpr const char* kCreateMigrationsTable = R"sql(
CREATE TABLE IF NOT EXISTS schema_migrations (
  version    integer PRIMARY KEY,
  name       text NOT NULL,
  checksum   text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
))sql";

// Any constant works as long as every instance uses the same one.
constexpr const char* kLock = "SELECT pg_advisory_lock(7431000001)";
constexpr const char* kUnlock = "SELECT pg_advisory_unlock(7431000001)";
constexpr const char* kSelectApplied = "SELECT version, checksum FROM schema_migrations";
constexpr const char* kRecordApplied =
    "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)";

std::string checksum(const std::string& sql) {
  // FNV-1a 64: enough to notice an edited file, not a security measure.
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : sql) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace

std::vector<Migration> migrations_from(
    const std::vector<std::pair<std::string, std::string>>& files) {
  std::vector<Migration> out;
  for (const auto& [name, sql] : files) {
    std::string base = name.substr(name.rfind('/') == std::string::npos ? 0 : name.rfind('/') + 1);
    size_t digits = 0;
    while (digits < base.size() && std::isdigit(static_cast<unsigned char>(base[digits]))) ++digits;
    if (digits == 0)
      throw std::invalid_argument("migration file name must start with its number: " + name);
    out.push_back({std::stoi(base.substr(0, digits)), base, sql});
  }
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.version < b.version; });
  for (size_t i = 1; i < out.size(); ++i)
    if (out[i].version == out[i - 1].version)
      throw std::invalid_argument("two migrations numbered " + std::to_string(out[i].version));
  return out;
}

namespace {

// Whether `m` is applied already; throws when it was applied with other text.
bool already_applied(const Result& applied, const Migration& m, const std::string& sum) {
  for (int r = 0; r < applied.rows(); ++r) {
    if (applied.get_int(r, "version") != m.version) continue;
    if (applied.get(r, "checksum") != sum)
      throw PgError(
          "migration " + m.name + " was changed after it was applied; add a new migration instead",
          "", false);
    return true;
  }
  return false;
}

}  // namespace

int migrate(Connection& c, const std::vector<Migration>& migrations) {
  c.exec(kLock);
  int ran = 0;
  try {
    c.exec(kCreateMigrationsTable);
    Result applied = c.exec("select_applied", kSelectApplied, {});
    std::vector<const Migration*> pending;
    for (const auto& m : migrations)
      if (!already_applied(applied, m, checksum(m.sql))) pending.push_back(&m);
    for (const Migration* m : pending) {
      // One statement each: the operator sees which one runs, and for how long it ran.
      std::string position = std::to_string(ran + 1) + " of " + std::to_string(pending.size());
      core::log::info("applying migration", {{"migration", m->name}, {"position", position}});
      auto started = std::chrono::steady_clock::now();
      Transaction tx(c);
      c.exec(m->sql);
      c.exec("record_migration", kRecordApplied,
             {std::to_string(m->version), m->name, checksum(m->sql)});
      tx.commit();
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::steady_clock::now() - started)
                    .count();
      core::log::info(
          "migration applied",
          {{"migration", m->name}, {"position", position}, {"milliseconds", std::to_string(ms)}});
      ++ran;
    }
  } catch (...) {
    if (c.healthy()) c.exec(kUnlock);
    throw;
  }
  c.exec(kUnlock);
  return ran;
}

}  // namespace callstream::pg
