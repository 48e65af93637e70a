#pragma once
// The KPIs kept as the facts arrive (migrations/010_kpi_rollups.sql, docs/analytics.md): each
// batch's transaction recomputes the facts of the calls it touched and appends their change to
// the rollups the analytics views sum; now and then the appended rows are folded.
#include <chrono>
#include <string>

#include "callstream/pg/connection.hpp"

namespace callstream::projector {

// Which events' calls to refresh: the projections of calls, recordings and TaskRouter call it
// in the transaction that applied the events, so nothing applies rows without it, and what
// runs after (the alert rules) reads the facts as they are now.
enum class FactSource { calls, recordings, taskrouter };
void refresh_kpis(pg::Connection& db, FactSource source, const pg::ArrayLiteral& event_ids);

// Folds the rollups' appended rows, at most every `every` (its own transaction; a failure is
// logged and retried next time: the rows stay correct unfolded).
class KpiCompaction {
 public:
  explicit KpiCompaction(std::chrono::seconds every = std::chrono::seconds(10)) : every_(every) {}
  void maybe_run(pg::Connection& db);

 private:
  std::chrono::seconds every_;
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

// Every call's facts and KPIs from scratch (the time zone or the service level changed).
void recompute_all_kpis(pg::Connection& db);

}  // namespace callstream::projector
