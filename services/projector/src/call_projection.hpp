#pragma once
// Call status events -> call_events (append-only) and calls (one row per call, moving only
// forward on the status lattice). A whole batch is one statement; the merge is commutative, so
// any arrival order and any duplication of events give the same rows.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "callstream/pg/connection.hpp"
#include "event_row.hpp"
#include "kpi_rollups.hpp"

namespace callstream::projector {

// queued 0 < initiated 1 < ringing 2 < in-progress 3 < terminal 4; -1 for an unknown status.
int status_rank(std::string_view call_status);

struct CallEventRow {
  std::string event_id, call_sid, event_type, call_status;
  int rank = 0;
  int64_t sequence_number = -1;
  std::string event_time, received_at;  // RFC 3339
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  std::string data;  // the event's data object, JSON
};

// Decodes a CloudEvent of the calls topic; nullopt with the reason when it cannot be applied.
core::Result<CallEventRow> decode_call_event(std::string_view value, std::string topic,
                                             int32_t partition, int64_t offset);

// Applies the rows in the caller's transaction, then refreshes their calls' facts; returns how
// many were new (not duplicates).
int64_t apply_call_events(pg::Connection& c, const std::vector<CallEventRow>& rows);
// Applies only the rows: the new ones are added to `refresh`, which the caller runs before the
// transaction commits (one refresh for every projection a transaction applies).
int64_t apply_call_events_only(pg::Connection& c, const std::vector<CallEventRow>& rows,
                               FactRefresh& refresh);

}  // namespace callstream::projector
