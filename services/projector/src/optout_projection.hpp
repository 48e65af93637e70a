#pragma once
// Opt-out events (callstream.optouts.v1) -> optout_events (append-only) and optouts (one row
// per number, its latest state by offset). One statement per batch; duplicates are no-ops.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "event_row.hpp"

namespace callstream::projector {

core::Result<EventRow> decode_optout_event(std::string_view value, std::string topic,
                                           int32_t partition, int64_t offset);

// Applies the rows in the caller's transaction; returns how many were new.
int64_t apply_optout_events(pg::Connection& c, const std::vector<EventRow>& rows);

}  // namespace callstream::projector
