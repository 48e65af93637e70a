#pragma once
// Recording status events -> recording_events (append-only) and recordings (one row per
// recording; status in-progress < completed | absent | failed). One statement per batch; any
// arrival order and any duplication give the same rows. The archiver's events
// (io.callstream.recording.archived, .media-deleted) fill the recording's archive columns.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "event_row.hpp"
#include "kpi_rollups.hpp"

namespace callstream::projector {

core::Result<EventRow> decode_recording_event(std::string_view value, std::string topic,
                                              int32_t partition, int64_t offset);

// Applies the rows in the caller's transaction, then refreshes their calls' facts; returns how
// many were new.
int64_t apply_recording_events(pg::Connection& c, const std::vector<EventRow>& rows);
// Applies only the rows; the new ones are added to `refresh` (as apply_call_events_only).
int64_t apply_recording_events_only(pg::Connection& c, const std::vector<EventRow>& rows,
                                    FactRefresh& refresh);

}  // namespace callstream::projector
