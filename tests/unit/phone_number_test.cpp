// E.164 validation, the NANP area code table and local-presence caller id choice.
#include <catch2/catch.hpp>
#include "result_helpers.hpp"

#include "caller_id.hpp"
#include "callstream/twilio/phone_number.hpp"

using namespace callstream;

namespace {

const char* const kFlorida[] = {"305", "786", "407", "954", "561", "321", "352", "386",
                                "727", "772", "813", "850", "863", "904", "941", "239"};
const char* const kTexas[] = {"713", "214", "512", "972", "817", "210", "281", "325",
                              "361", "409", "430", "432", "469", "682", "806", "830",
                              "832", "903", "915", "936", "940", "956", "979"};

std::string number_in(const char* area) { return std::string("+1") + area + "5550123"; }

}  // namespace

TEST_CASE("E.164 numbers are normalized and NANP rules enforced", "[phone]") {
  CHECK(twilio::normalize_e164("+1 (305) 555-0100") == "+13055550100");
  CHECK(twilio::normalize_e164("+44 20 7946 0958") == "+442079460958");
  CHECK(twilio::normalize_e164("+5511987654321") == "+5511987654321");
  std::string why;
  why = test::error_of(twilio::normalize_e164("3055550100"));
  CHECK_FALSE(why.empty());  // no country code
  CHECK(why.find("starts with '+'") != std::string::npos);
  CHECK_FALSE(twilio::normalize_e164("+1305555010"));   // nine digits after +1
  CHECK_FALSE(twilio::normalize_e164("+11055550100"));  // area code starting with 1
  CHECK_FALSE(twilio::normalize_e164("+13051550100"));  // exchange starting with 1
  CHECK_FALSE(twilio::normalize_e164("+19115550100"));  // N11 is no area code
  CHECK_FALSE(twilio::normalize_e164("+0123456789"));
  CHECK_FALSE(twilio::normalize_e164("+1305555O100"));  // a letter O
  CHECK_FALSE(twilio::normalize_e164("+1234567890123456"));
  CHECK_FALSE(twilio::normalize_e164(""));
}

TEST_CASE("every Florida and Texas area code maps to its state", "[phone]") {
  for (const char* code : kFlorida) {
    INFO(code);
    CHECK(twilio::nanp_region(code) == "US-FL");
  }
  for (const char* code : kTexas) {
    INFO(code);
    CHECK(twilio::nanp_region(code) == "US-TX");
  }
}

TEST_CASE("area codes of other states, Canada and the Caribbean, overlays included", "[phone]") {
  CHECK(twilio::nanp_region("212") == "US-NY");
  CHECK(twilio::nanp_region("332") == "US-NY");  // Manhattan overlay
  CHECK(twilio::nanp_region("415") == "US-CA");
  CHECK(twilio::nanp_region("202") == "US-DC");
  CHECK(twilio::nanp_region("270") == "US-KY");
  CHECK(twilio::nanp_region("416") == "CA-ON");
  CHECK(twilio::nanp_region("514") == "CA-QC");
  CHECK(twilio::nanp_region("787") == "PR");
  CHECK(twilio::nanp_region("345") == "KY");  // Cayman Islands, not Kentucky
  CHECK(twilio::nanp_region("876") == "JM");
  CHECK_FALSE(twilio::nanp_region("800"));  // toll-free: no region
  CHECK_FALSE(twilio::nanp_region("555"));
  CHECK(twilio::canonical_region("FL") == "US-FL");
  CHECK(twilio::canonical_region("us-tx") == "US-TX");
  CHECK(twilio::canonical_region("ON") == "CA-ON");
  CHECK(twilio::canonical_region("PR") == "PR");
  CHECK_FALSE(twilio::canonical_region("ZZ"));
}

TEST_CASE("caller id: same area code, then same state, then the default number", "[caller_id]") {
  ingress::CallerIdConfig c;
  c.default_number = "+12125550000";
  c.pools["US-FL"] = {"+13055550001"};
  c.pools["US-TX"] = {"+15125550002"};
  c.pools["786"] = {"+17865550003"};
  ingress::CallerIdSelector s(c);

  for (const char* code : kFlorida) {
    INFO(code);
    auto choice = s.choose(number_in(code));
    REQUIRE(choice);
    if (std::string(code) == "786") {
      CHECK(choice->number == "+17865550003");
      CHECK(choice->match == "area_code");
    } else {
      CHECK(choice->number == "+13055550001");
      CHECK(choice->match == "region");
    }
    CHECK(choice->to_region == "US-FL");
  }
  for (const char* code : kTexas) {
    INFO(code);
    auto choice = s.choose(number_in(code));
    REQUIRE(choice);
    CHECK(choice->number == "+15125550002");
    CHECK(choice->match == "region");
  }
  for (const char* other : {"212", "415", "416", "787"}) {
    INFO(other);
    auto choice = s.choose(number_in(other));
    REQUIRE(choice);
    CHECK(choice->number == "+12125550000");
    CHECK(choice->match == "default");
  }
  auto abroad = s.choose("+442079460958");
  REQUIRE(abroad);
  CHECK(abroad->number == "+12125550000");
  CHECK(abroad->to_region.empty());
}

TEST_CASE("caller id: a pool rotates, least recently used first", "[caller_id]") {
  ingress::CallerIdConfig c;
  REQUIRE(ingress::parse_caller_id_pools("FL=+13055550001, +13055550002,+13055550003", c));
  ingress::CallerIdSelector s(c);
  std::vector<std::string> seen;
  for (int i = 0; i < 6; ++i) seen.push_back(s.choose("+14075550123")->number);
  CHECK(seen == std::vector<std::string>{"+13055550001", "+13055550002", "+13055550003",
                                         "+13055550001", "+13055550002", "+13055550003"});
  // Without a default, a number no pool serves has no caller id.
  CHECK_FALSE(s.choose("+12125550123"));
}

TEST_CASE("CALLER_ID_POOLS: every mistake is reported", "[caller_id]") {
  ingress::CallerIdConfig c;
  auto parsed = ingress::parse_caller_id_pools(
      "305=+13055550001;ZZ=+15555550100;999=+13055550002;TX=3055550100;broken", c);
  CHECK(c.pools["305"] == std::vector<std::string>{"+13055550001"});
  REQUIRE_FALSE(parsed);
  const auto& problems = parsed.error();
  REQUIRE(problems.size() == 4);
  CHECK(problems[0].find("'ZZ'") != std::string::npos);
  CHECK(problems[1].find("'999' is not an assigned area code") != std::string::npos);
  CHECK(problems[2].find("US-TX") != std::string::npos);
  CHECK(problems[3].find("'broken'") != std::string::npos);
}
