#pragma once
// The KPIs kept as the facts arrive (migrations/010_kpi_rollups.sql, docs/analytics.md): each
// batch's transaction recomputes the facts of the calls it touched and appends their change to
// the rollups the analytics views sum; now and then the appended rows are folded.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "callstream/pg/connection.hpp"

namespace callstream::projector {

// Which events' calls to refresh: the projections of calls, recordings and TaskRouter add the
// events they applied, and the transaction that applied them runs the refresh before what reads
// the facts (the alert rules), so nothing applies rows without it. One refresh for all of a
// transaction's events: it takes every call's lock in one statement, in one order (two refreshes
// in one transaction could each hold a lock the other's transaction waits for).
enum class FactSource { calls, recordings, taskrouter };
class FactRefresh {
 public:
  void add(FactSource source, std::string_view event_id);
  // Refreshes the facts of the events' calls (nothing when no event was added), then forgets them.
  void run(pg::Connection& db);

 private:
  pg::ArrayLiteral ids_[3];  // by FactSource
};

// `apply_only(c, rows, refresh)` (a projection's apply_*_events_only), then the refresh: for a
// transaction that applies one projection's rows.
template <class Rows>
int64_t apply_then_refresh(pg::Connection& c, const Rows& rows,
                           int64_t (*apply_only)(pg::Connection&, const Rows&, FactRefresh&)) {
  FactRefresh refresh;
  int64_t fresh = apply_only(c, rows, refresh);
  refresh.run(c);
  return fresh;
}

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

// Every call's facts and KPIs from scratch (the time zone or the service level changed), in the
// caller's transaction. Not bounded by the statement timeout: it takes about 35 s per million
// calls, and a recompute cut short would leave the facts computed with the old settings.
void recompute_all_kpis(pg::Connection& db);

}  // namespace callstream::projector
