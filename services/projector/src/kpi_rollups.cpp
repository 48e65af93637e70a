#include "kpi_rollups.hpp"

#include "callstream/core/log.hpp"

namespace callstream::projector {

void refresh_kpis(pg::Connection& db, FactSource source, const pg::ArrayLiteral& event_ids) {
  static constexpr const char* kSources[] = {"calls", "recordings", "taskrouter"};
  std::string ids = event_ids.str();
  db.exec_prepared("refresh_kpis", "SELECT callstream_refresh_events($1, $2::text[])",
          {kSources[static_cast<int>(source)], ids});
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
  pg::Transaction tx(db);
  db.exec("recompute_kpis", "SELECT callstream_refresh_call_facts(NULL)", {});
  db.exec("compact_kpis", "SELECT callstream_compact_kpis()", {});
  tx.commit();
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  core::log::info("KPIs recomputed for the call center's new settings",
                  {{"seconds", std::to_string(seconds)}});
}

}  // namespace callstream::projector
