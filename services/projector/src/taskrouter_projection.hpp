#pragma once
// TaskRouter events and assignments -> taskrouter_events (append-only), tasks, reservations,
// workers and worker_activity. One statement per batch; statuses only move forward on their
// lattices and "latest" facts are chosen by event time, so any arrival order and any
// duplication of events give the same rows.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "event_row.hpp"
#include "kpi_rollups.hpp"

namespace callstream::projector {

core::Result<EventRow> decode_taskrouter_event(std::string_view value, std::string topic,
                                               int32_t partition, int64_t offset);

// Applies the rows in the caller's transaction, then refreshes their calls' facts; returns how
// many were new.
int64_t apply_taskrouter_events(pg::Connection& c, const std::vector<EventRow>& rows);
// Applies only the rows; the new ones are added to `refresh` (as apply_call_events_only).
int64_t apply_taskrouter_events_only(pg::Connection& c, const std::vector<EventRow>& rows,
                                     FactRefresh& refresh);

}  // namespace callstream::projector
