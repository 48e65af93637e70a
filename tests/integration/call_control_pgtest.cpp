// Call control in the read models, against a real PostgreSQL: an outbound call's request event
// and its callbacks, in any order and repeated, give one row with the caller id and the agent;
// the opt-out list keeps each number's latest state.
#include <catch2/catch.hpp>
#include "result_helpers.hpp"

#include <algorithm>
#include <random>

#include "call_projection.hpp"
#include "callstream/core/time.hpp"
#include "callstream/events/cloudevent.hpp"
#include "callstream/pg/connection.hpp"
#include "optout_projection.hpp"
#include "optouts.hpp"
#include "projector.hpp"
#include "test_pg.hpp"

using namespace callstream;
using namespace std::chrono_literals;

namespace {

const std::string kAccount = "AC" + std::string(32, 'a');
const std::string kCall = "CA" + std::string(32, '7');

std::string outbound_requested(core::SysMillis t) {
  events::CloudEvent e;
  e.id = events::event_id("/make_call", {{"CallSid", kCall}});
  e.source = "https://calls.example.com/make_call";
  e.type = "io.callstream.call.outbound-requested";
  e.subject = kCall;
  e.time = e.receivedat = core::format_rfc3339(t);
  e.data =
      R"({"call_sid":")" + kCall +
      R"(","to":"+13055550123","from":"+13055550001","caller_id_match":"region",)"
      R"("to_region":"US-FL","agent":"alice","machine_detection":"off","twilio_status":"queued",)"
      R"("twilio_attempts":1})";
  return events::serialize(e);
}

std::string status(const std::string& s, int seq, core::SysMillis t) {
  twilio::Params p = {{"AccountSid", kAccount},
                      {"CallSid", kCall},
                      {"CallStatus", s},
                      {"Direction", "outbound-api"},
                      {"From", "+13055550001"},
                      {"To", "+13055550123"},
                      {"SequenceNumber", std::to_string(seq)}};
  events::CloudEvent e;
  e.id = events::event_id("/call_status", p);
  e.source = "https://calls.example.com/call_status";
  e.type = std::string("com.twilio.voice.status-callback.call.") + (s == "in-progress" ? "answered"
                                                                    : s == "completed" ? "completed"
                                                                                       : s);
  e.subject = kCall;
  e.time = e.receivedat = core::format_rfc3339(t);
  e.data = events::webhook_data("/call_status", "POST", "", p);
  return events::serialize(e);
}

std::string optout(const std::string& number, bool opted_out, int n, core::SysMillis t) {
  ingress::OptOutChange change{
      number, opted_out, n % 2 ? "sms" : "api", opted_out ? "STOP" : "START", "", ""};
  static const events::Contract contract;
  return ingress::optout_message(change, contract, "event-" + std::to_string(n),
                                 "https://calls.example.com/sms", t)
      .value;
}

}  // namespace

TEST_CASE("an outbound call's row carries its caller id and agent, whatever the order",
          "[pg][projection][outbound]") {
  auto t0 = *core::parse_rfc3339("2026-03-02T15:00:00Z");
  std::vector<std::string> events = {
      outbound_requested(t0), status("initiated", 0, t0 + 1s), status("ringing", 1, t0 + 2s),
      status("in-progress", 2, t0 + 9s), status("completed", 3, t0 + 70s)};
  std::string expected;
  for (unsigned seed : {0u, 1u, 2u, 3u}) {
    std::string dsn = test::fresh_database("callstream_outbound_" + std::to_string(seed));
    pg::Connection c({dsn});
    projector::run_migrations(c);
    auto order = events;
    order.insert(order.end(), events.begin(), events.begin() + 2);  // retried deliveries
    if (seed) std::shuffle(order.begin(), order.end(), std::mt19937(seed));
    std::vector<projector::CallEventRow> rows;
    int64_t offset = 0;
    for (const auto& json : order) {
      auto row = projector::decode_call_event(json, "calls", 0, offset++);
      INFO((row ? "" : row.error().message));
      REQUIRE(row);
      rows.push_back(*row);
    }
    for (const auto& row : rows) {  // one event per transaction: the slowest, most order-bound
      pg::Transaction tx(c);
      projector::apply_call_events(c, {row});
      tx.commit();
    }
    std::string got = test::query_value(dsn,
                                        "SELECT concat_ws('|', direction, from_number, to_number, "
                                        "caller_id, requested_agent, status,"
                                        " events_applied) FROM calls");
    CHECK(got == "outbound-api|+13055550001|+13055550123|+13055550001|alice|completed|5");
    // Before any callback, the call is what Twilio said when it was created: queued.
    if (seed == 0) {
      std::string lone = test::fresh_database("callstream_outbound_lone");
      pg::Connection l({lone});
      projector::run_migrations(l);
      pg::Transaction tx(l);
      projector::apply_call_events(l, {rows[0]});
      tx.commit();
      CHECK(test::query_value(lone, "SELECT status || ' ' || status_rank FROM calls") ==
            "queued 0");
    }
    if (expected.empty()) expected = got;
    CHECK(got == expected);
  }
}

TEST_CASE("the opt-out list keeps each number's latest state, duplicates changing nothing",
          "[pg][projection][optouts]") {
  std::string dsn = test::fresh_database("callstream_optouts");
  pg::Connection c({dsn});
  projector::run_migrations(c);
  auto t0 = *core::parse_rfc3339("2026-03-02T15:00:00Z");
  std::vector<std::string> log = {
      optout("+13055550100", true, 1, t0), optout("+15125550100", true, 2, t0 + 1s),
      optout("+13055550100", false, 3, t0 + 2s), optout("+13055550100", true, 4, t0 + 3s),
      optout("+15125550100", false, 5, t0 + 4s)};
  std::vector<projector::EventRow> rows;
  for (size_t i = 0; i < log.size(); ++i) {
    auto row = projector::decode_optout_event(log[i], "optouts", 0, static_cast<int64_t>(i));
    INFO((row ? "" : row.error().message));
    REQUIRE(row);
    rows.push_back(*row);
  }
  {
    pg::Transaction tx(c);
    CHECK(projector::apply_optout_events(c, {rows[0], rows[1], rows[2]}) == 3);
    tx.commit();
  }
  CHECK(test::query_value(dsn, "SELECT count(*) FROM analytics.optouts") == "1");
  {
    pg::Transaction tx(c);
    // A batch with a re-delivered event and the later ones: only the new ones count.
    CHECK(projector::apply_optout_events(c, {rows[2], rows[3], rows[4]}) == 2);
    tx.commit();
  }
  CHECK(test::query_value(dsn,
                          "SELECT string_agg(number || '=' || opted_out, ',' ORDER BY number) "
                          "FROM optouts") == "+13055550100=true,+15125550100=false");
  CHECK(test::query_value(dsn, "SELECT count(*) FROM optout_events") == "5");
  CHECK(test::query_value(dsn, "SELECT keyword FROM optouts WHERE number = '+13055550100'") ==
        "STOP");
  CHECK(test::query_value(dsn, "SELECT string_agg(number, ',') FROM analytics.optouts") ==
        "+13055550100");

  auto refused =
      projector::decode_optout_event(R"({"id":"x","type":"io.callstream.optout.added",)"
                                     R"("time":"2026-03-02T15:00:00Z","data":{"number":"+1"}})",
                                     "optouts", 0, 9);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message.find("opted_out") != std::string::npos);
}
