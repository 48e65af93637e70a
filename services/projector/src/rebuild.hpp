#pragma once
// `callstream-projector rebuild`: replays every topic from its first offset into a shadow schema
// (the read models as the current code projects them), then swaps the shadow in atomically.
// Analysts' views answer from the live tables all along, and from the rebuilt ones after the
// swap; the running projector notices the swapped offsets and goes on from there. Dead letters,
// the alert outbox and the settings are kept as they are (no alert is sent twice).
#include <atomic>
#include <string>
#include <vector>

#include "callstream/core/metrics.hpp"
#include "callstream/pg/connection.hpp"
#include "projector_config.hpp"

namespace callstream::projector {

inline constexpr const char* kShadowSchema = "callstream_rebuild";

// The tables a rebuild replaces: every read model the topics feed, and their offsets.
const std::vector<std::string>& rebuilt_tables();

// Creates the shadow schema: empty copies of the rebuilt tables (indexes and defaults included).
void prepare_shadow(pg::Connection& c);
// In one transaction: the shadow tables take the live ones' place, the analytics views are
// re-pointed at them, the old tables are dropped.
void swap_in_shadow(pg::Connection& c);

// The whole rebuild; 0 when swapped in, else non-zero (nothing swapped).
int rebuild(const ProjectorConfig& config, const std::atomic<bool>& stop, core::Registry& metrics);

}  // namespace callstream::projector
