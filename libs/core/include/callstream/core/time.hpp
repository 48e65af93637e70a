#pragma once
// Timestamps as Twilio sends them (RFC 2822, epoch seconds or milliseconds) and as events
// carry them (RFC 3339 UTC with milliseconds).
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace callstream::core {

using SysMillis = std::chrono::time_point<std::chrono::system_clock, std::chrono::milliseconds>;

SysMillis now_millis();

// "2026-02-12T11:48:25.000Z"
std::string format_rfc3339(SysMillis t);

// "Thu, 12 Feb 2026 11:48:25 +0000" (day name optional, numeric zone or GMT/UT/Z).
std::optional<SysMillis> parse_rfc2822(std::string_view text);

// "2026-02-12T11:48:25Z", "2026-02-12T11:48:25.123+01:00".
std::optional<SysMillis> parse_rfc3339(std::string_view text);

}  // namespace callstream::core
