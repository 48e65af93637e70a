#include <catch2/catch.hpp>

#include <cstdio>
#include <ctime>

#include "callstream/core/time.hpp"

using namespace callstream::core;

TEST_CASE("RFC 2822 timestamps as Twilio sends them", "[time]") {
  auto t = parse_rfc2822("Thu, 12 Feb 2026 11:48:25 +0000");
  REQUIRE(t);
  CHECK(format_rfc3339(*t) == "2026-02-12T11:48:25.000Z");
  auto offset = parse_rfc2822("Sun, 24 Aug 2025 13:49:54 -0300");
  REQUIRE(offset);
  CHECK(format_rfc3339(*offset) == "2025-08-24T16:49:54.000Z");
  CHECK(parse_rfc2822("12 Feb 2026 11:48:25 GMT"));
  CHECK_FALSE(parse_rfc2822("Thu, 12 Foo 2026 11:48:25 +0000"));
  CHECK_FALSE(parse_rfc2822("yesterday"));
  CHECK_FALSE(parse_rfc2822("Thu, 12 Feb 2026 25:48:25 +0000"));
}

TEST_CASE("RFC 3339 round trip with milliseconds and offsets", "[time]") {
  auto t = parse_rfc3339("2026-02-12T11:48:25.123Z");
  REQUIRE(t);
  CHECK(format_rfc3339(*t) == "2026-02-12T11:48:25.123Z");
  auto o = parse_rfc3339("2026-02-12T12:48:25+01:00");
  REQUIRE(o);
  CHECK(format_rfc3339(*o) == "2026-02-12T11:48:25.000Z");
  CHECK_FALSE(parse_rfc3339("2026-02-12 11:48"));
}

TEST_CASE("RFC 3339 formatting agrees with gmtime_r every day from 1900 to 2400", "[time]") {
  int64_t step = 86400 + 3661;  // a day and an hour, a minute, a second: every time of day too
  for (int64_t secs = -2208988800; secs < 13569465600; secs += step) {
    std::time_t tt = static_cast<std::time_t>(secs);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char expected[96];
    std::snprintf(expected, sizeof expected, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                  tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<int>(secs % 1000 + 1000) % 1000);
    auto got = format_rfc3339(SysMillis(
        std::chrono::milliseconds(secs * 1000 + static_cast<int>(secs % 1000 + 1000) % 1000)));
    if (got != expected) FAIL(secs << ": " << got << " != " << expected);
  }
  CHECK(format_rfc3339(SysMillis(std::chrono::milliseconds(-1))) == "1969-12-31T23:59:59.999Z");
}
