// The console's pure pieces: the route table, the call filters and their cursor, CSV fields,
// live-stream payloads, passwords.
#include <catch2/catch.hpp>

#include "console/call_filters.hpp"
#include "console/console_routes.hpp"
#include "console/csv_export.hpp"
#include "console/live_stream.hpp"
#include "console/passwords.hpp"

using namespace callstream::projector::console;

TEST_CASE("console routes match methods, paths and one SID segment") {
  auto call = match_route("GET", "/api/calls/CA0123abcd");
  REQUIRE(call.route);
  CHECK(call.method_allowed);
  CHECK(call.param == "CA0123abcd");
  CHECK(call.route->name == "call");
  auto callback = match_route("POST", "/api/calls/CA1/callback");
  REQUIRE(callback.route);
  CHECK(callback.route->name == "callback");
  CHECK(callback.route->access == Access::signed_in);
  CHECK(match_route("GET", "/api/kpis").route->access == Access::supervisor);
  CHECK(match_route("POST", "/api/session").route->access == Access::anyone);
  auto wrong_method = match_route("PUT", "/api/kpis");
  CHECK(wrong_method.route);
  CHECK_FALSE(wrong_method.method_allowed);
  CHECK_FALSE(match_route("GET", "/api/calls/CA..%2F").route);
  CHECK_FALSE(match_route("GET", "/api/calls/").route);
  CHECK_FALSE(match_route("GET", "/api/nothing").route);
}

TEST_CASE("call filters are checked, and an agent's are always their own") {
  auto f = parse_call_filters({{"from", "2026-11-01"}, {"number", "(305) 555"}, {"limit", "20"}},
                              std::string("alice"));
  REQUIRE(f);
  CHECK(*f->from_day == "2026-11-01");
  CHECK(*f->number == "305555");
  CHECK(*f->agent == "alice");
  CHECK(*f->limit == "20");
  CHECK(f->params().size() == 10);
  CHECK_FALSE(parse_call_filters({{"from", "yesterday"}}, std::nullopt));
  CHECK_FALSE(parse_call_filters({{"outcome", "lost"}}, std::nullopt));
  CHECK_FALSE(parse_call_filters({{"limit", "5000"}}, std::nullopt));
  CHECK_FALSE(parse_call_filters({{"agent", "a'; DROP"}}, std::nullopt));
  CHECK_FALSE(parse_call_filters({{"sort", "x"}}, std::nullopt));
  auto page = parse_call_filters({{"after", page_cursor("1764720000000000", "CA9")}}, std::nullopt);
  REQUIRE(page);
  CHECK(*page->before_us == "1764720000000000");
  CHECK(*page->before_sid == "CA9");
  CHECK_FALSE(parse_call_filters({{"after", "12x.CA9"}}, std::nullopt));
}

TEST_CASE("CSV fields are quoted, and formulas are defused") {
  auto field = [](std::string_view v) {
    std::string out;
    append_csv_field(out, v);
    return out;
  };
  CHECK(field("CA123") == "CA123");
  CHECK(field("+13055550100") == "+13055550100");  // a phone number stays a number
  CHECK(field("a,b") == "\"a,b\"");
  CHECK(field("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(field("=HYPERLINK(1)") == "\"'=HYPERLINK(1)\"");
  CHECK(field("+cmd") == "\"'+cmd\"");
  CHECK(field("@SUM") == "\"'@SUM\"");
}

TEST_CASE("a change's payload names its keys while they fit in a NOTIFY") {
  CHECK(change_payload("calls", {"CA1", "CA2"}) == "calls CA1 CA2");
  std::vector<std::string> many(400, std::string(34, 'x'));
  CHECK(change_payload("taskrouter", many) == "taskrouter *");
}

TEST_CASE("passwords are Argon2id, salted, and checked") {
  auto hash = hash_password("correct horse battery");
  REQUIRE(hash);
  CHECK(hash->starts_with("$argon2id$"));
  CHECK(*hash != *hash_password("correct horse battery"));
  CHECK(verify_password(*hash, "correct horse battery"));
  CHECK_FALSE(verify_password(*hash, "correct horse batterY"));
  CHECK_FALSE(hash_password("short"));
  CHECK(random_token(32).size() == 43);
  CHECK(random_token(32) != random_token(32));
}
