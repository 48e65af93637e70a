#pragma once
// Local-presence caller id: the number an outbound call shows is chosen by the destination's
// area code. Pools are configured per area code and per region (state or province); the choice
// is the pool of the same area code, else of the same region, else the default number. Within a
// pool the least recently used number goes next, so no one number carries every call and gets
// flagged as spam.
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "callstream/core/result.hpp"

namespace callstream::ingress {

struct CallerIdConfig {
  std::string default_number;  // TWILIO_PHONE_NUMBER
  // "305" (area code) or "US-FL" (region, as twilio::nanp_region names it) -> numbers (E.164).
  std::map<std::string, std::vector<std::string>> pools;
};

// Parses CALLER_ID_POOLS: "FL=+13055550100,+17865550100;US-TX=+15125550100;212=+12125550100".
// A key is an area code or a region ("FL", "US-FL", "ON", "PR"); numbers are E.164. Adds the
// valid entries to config.pools; every invalid one is a problem.
core::Result<void, core::Problems> parse_caller_id_pools(std::string_view spec,
                                                         CallerIdConfig& config);

struct CallerIdChoice {
  std::string number;
  std::string match;      // area_code, region, default
  std::string to_region;  // the destination's region ("US-FL"), empty when unknown
};

class CallerIdSelector {
 public:
  explicit CallerIdSelector(CallerIdConfig config);

  // The caller id for a call to `to` (E.164); nullopt when nothing fits and there is no default.
  // Thread-safe; each choice counts as a use for the rotation.
  std::optional<CallerIdChoice> choose(std::string_view to);

  const CallerIdConfig& config() const { return config_; }

 private:
  struct Slot {
    std::string number;
    uint64_t last_used = 0;  // 0 = never
  };
  std::string take(std::vector<Slot>& pool);

  CallerIdConfig config_;
  std::mutex mutex_;
  std::map<std::string, std::vector<Slot>, std::less<>> pools_;
  uint64_t clock_ = 0;
};

}  // namespace callstream::ingress
