#include <catch2/catch.hpp>

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
