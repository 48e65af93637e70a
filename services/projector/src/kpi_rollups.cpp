#include "kpi_rollups.hpp"

#include "callstream/core/log.hpp"

namespace callstream::projector {

void FactRefresh::add(FactSource source, std::string_view event_id) {
  ids_[static_cast<int>(source)].add(event_id);
}

void FactRefresh::run(pg::Connection& db) {
  if (ids_[0].size() + ids_[1].size() + ids_[2].size() == 0) return;
  std::string calls = ids_[0].str(), recordings = ids_[1].str(), taskrouter = ids_[2].str();
  db.exec_prepared("refresh_kpis",
                   "SELECT callstream_refresh_events($1::text[], $2::text[], $3::text[])",
                   {calls, recordings, taskrouter});
  for (auto& ids : ids_) ids = {};
}

void KpiCompaction::maybe_run(pg::Connection& db) {
  auto now = std::chrono::steady_clock::now();
  if (now - last_ < every_) return;
  last_ = now;
  try {
    db.exec("compact_kpis", "SELECT callstream_compact_kpis()", {});
  } catch (const pg::PgError& e) {
    core::log::warn("KPI rollups not folded this time", {{"error", e.what()}});
  }
}

void recompute_all_kpis(pg::Connection& db) {
  auto started = std::chrono::steady_clock::now();
  db.exec("SET LOCAL statement_timeout = 0");
  db.exec("recompute_kpis", "SELECT callstream_refresh_call_facts(NULL)", {});
  db.exec("compact_kpis", "SELECT callstream_compact_kpis()", {});
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  core::log::info("KPIs recomputed for the call center's new settings",
                  {{"seconds", std::to_string(seconds)}});
}

}  // namespace callstream::projector
