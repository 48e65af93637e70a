// Alert rules against a real PostgreSQL: which flows write outbox rows, once per channel; a
// replay writes nothing; old facts alert nobody.
#include <catch2/catch.hpp>
#include "result_helpers.hpp"

#include "alert_rules.hpp"
#include "call_projection.hpp"
#include "callstream/core/time.hpp"
#include "callstream/events/cloudevent.hpp"
#include "callstream/pg/connection.hpp"
#include "projector.hpp"
#include "recording_projection.hpp"
#include "test_pg.hpp"

using namespace callstream;
using namespace std::chrono_literals;

namespace {

const std::string kAccount = "AC" + std::string(32, 'a');

std::string sid(char c, int n) {
  std::string s = std::to_string(n);
  return std::string("CA") + std::string(32 - s.size(), c) + s;
}

std::string event(const std::string& route, const std::string& type, twilio::Params p,
                  core::SysMillis t, const std::string& query = "") {
  p.insert(p.begin(), {"AccountSid", kAccount});
  events::CloudEvent e;
  e.id = events::event_id(route + "?" + query, p);
  e.source = "https://calls.example.com" + route;
  e.type = type;
  e.subject = "s";
  e.time = e.receivedat = core::format_rfc3339(t);
  e.data = events::webhook_data(route, "POST", query, p);
  return events::serialize(e);
}

std::string status(const std::string& call, const std::string& s, core::SysMillis t,
                   const std::string& direction = "inbound") {
  return event(
      "/call_status",
      std::string("com.twilio.voice.status-callback.call.") + (s == "in-progress" ? "answered"
                                                               : s == "ringing"   ? "ringing"
                                                                                  : "completed"),
      {{"CallSid", call},
       {"CallStatus", s},
       {"Direction", direction},
       {"From", "+13055550100"},
       {"To", "+18005551212"}},
      t);
}

struct Db {
  std::string dsn;
  pg::Connection c;
  explicit Db(const std::string& name) : dsn(test::fresh_database(name)), c({dsn}) {
    projector::run_migrations(c);
  }
  void apply(const projector::AlertRules& rules, const std::vector<std::string>& events) {
    std::vector<projector::CallEventRow> rows;
    int64_t offset = 0;
    for (const auto& e : events) {
      auto row = projector::decode_call_event(e, "calls", 0, offset++);
      INFO((row ? "" : row.error().message));
      REQUIRE(row);
      rows.push_back(*row);
    }
    pg::Transaction tx(c);
    projector::apply_call_events(c, rows);
    rules.on_calls(c, rows);
    tx.commit();
  }
  std::string q(const std::string& sql) { return test::query_value(dsn, sql); }
};

projector::AlertsConfig config() {
  projector::AlertsConfig c;
  c.slack_webhook_url = "http://127.0.0.1:9/hook";
  c.whatsapp_from = "whatsapp:+14155238886";
  c.whatsapp_to = {"whatsapp:+13055550199"};
  if (!projector::parse_alert_rules("", c)) throw std::logic_error("default alert rules refused");
  return c;
}

}  // namespace

TEST_CASE(
    "a missed inbound call writes one alert per channel, answered calls none, replays nothing",
    "[pg][alerts]") {
  Db db("callstream_alerts_missed");
  auto cfg = config();
  projector::AlertRules rules(cfg);
  auto t0 = core::now_millis() - 5min;
  std::string missed = sid('1', 1), answered = sid('2', 2), busy = sid('3', 3);
  std::vector<std::string> flow = {status(missed, "ringing", t0),
                                   event("/dial_status", "io.callstream.voice.queue.left",
                                         {{"CallSid", missed},
                                          {"CallStatus", "in-progress"},
                                          {"QueueResult", "hangup"},
                                          {"QueueTime", "95"}},
                                         t0 + 95s, "stage=queue"),
                                   status(missed, "completed", t0 + 96s),
                                   status(answered, "ringing", t0),
                                   event("/dial_status", "io.callstream.voice.dial.completed",
                                         {{"CallSid", answered},
                                          {"CallStatus", "in-progress"},
                                          {"DialCallStatus", "completed"},
                                          {"DialCallDuration", "60"}},
                                         t0 + 70s, "stage=chain&step=0&target=client%3Aalice"),
                                   status(answered, "completed", t0 + 71s),
                                   status(busy, "busy", t0 + 2s)};
  db.apply(rules, flow);
  CHECK(
      db.q(
          "SELECT string_agg(subject || ' ' || channel, ',' ORDER BY subject, channel) FROM alerts "
          "WHERE kind = 'missed_inbound_call'") == missed + " slack," + missed +
                                                       " whatsapp:+13055550199," + busy +
                                                       " slack," + busy + " whatsapp:+13055550199");
  CHECK(db.q("SELECT facts->>'reason' || ' ' || (facts->>'wait_seconds') FROM alerts WHERE subject "
             "= '" +
             missed + "' AND channel = 'slack'") == "abandoned 96");
  CHECK(db.q("SELECT facts->>'reason' FROM alerts WHERE subject = '" + busy + "' LIMIT 1") ==
        "busy");
  // Held for the settle time, in case an answer comes late on another topic.
  CHECK(db.q("SELECT bool_and(send_after > now() + interval '10 seconds') FROM alerts WHERE kind = "
             "'missed_inbound_call'") == "t");
  // The queue wait of 95 s is under the 120 s threshold.
  CHECK(db.q("SELECT count(*) FROM alerts WHERE kind = 'long_queue_wait'") == "0");

  db.apply(rules, flow);  // a replay: every event is a duplicate, every key taken
  CHECK(db.q("SELECT count(*) FROM alerts") == "4");
}

TEST_CASE("voicemail, long wait, failed outbound call and failed recording each alert once",
          "[pg][alerts]") {
  Db db("callstream_alerts_kinds");
  auto cfg = config();
  projector::AlertRules rules(cfg);
  auto t0 = core::now_millis() - 10min;
  std::string vm = sid('4', 4), wait = sid('5', 5), out = sid('6', 6);
  db.apply(
      rules,
      {status(vm, "ringing", t0),
       event("/dial_status", "io.callstream.voice.voicemail.recorded",
             {{"CallSid", vm},
              {"CallStatus", "in-progress"},
              {"RecordingUrl", "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1"},
              {"RecordingDuration", "42"}},
             t0 + 60s, "stage=voicemail"),
       status(vm, "completed", t0 + 65s),
       event("/queue_wait", "io.callstream.voice.queue.waiting",
             {{"CallSid", wait}, {"CallStatus", "in-progress"}, {"QueueTime", "130"}}, t0 + 130s),
       event("/queue_wait", "io.callstream.voice.queue.waiting",
             {{"CallSid", wait}, {"CallStatus", "in-progress"}, {"QueueTime", "150"}}, t0 + 150s),
       status(out, "busy", t0 + 5s, "outbound-api")});
  CHECK(db.q("SELECT string_agg(kind || ' ' || subject, ',' ORDER BY kind) FROM alerts WHERE "
             "channel = 'slack'") ==
        "long_queue_wait " + wait + ",outbound_call_failed " + out + ",voicemail_left " + vm);
  CHECK(db.q("SELECT facts->>'recording_url' FROM alerts WHERE kind = 'voicemail_left' LIMIT 1") ==
        "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1");
  CHECK(db.q("SELECT facts->>'wait_seconds' FROM alerts WHERE kind = 'long_queue_wait' LIMIT 1") ==
        "130");
  // The voicemail caller is not also a missed call.
  CHECK(db.q("SELECT count(*) FROM alerts WHERE kind = 'missed_inbound_call'") == "0");

  // A failed recording, on its own topic.
  twilio::Params p = {{"AccountSid", kAccount},
                      {"CallSid", vm},
                      {"RecordingSid", "RE" + std::string(32, '7')},
                      {"RecordingStatus", "failed"},
                      {"ErrorCode", "16104"}};
  events::CloudEvent e;
  e.id = events::event_id("/recording_status", p);
  e.source = "https://calls.example.com/recording_status";
  e.type = "io.callstream.voice.recording.failed";
  e.subject = "s";
  e.time = e.receivedat = core::format_rfc3339(t0 + 66s);
  e.data = events::webhook_data("/recording_status", "POST", "", p);
  auto row = projector::decode_recording_event(events::serialize(e), "recordings", 0, 0);
  REQUIRE(row);
  pg::Transaction tx(db.c);
  projector::apply_recording_events(db.c, {*row});
  CHECK(rules.on_recordings(db.c, {*row}) == 2);
  tx.commit();
  CHECK(db.q("SELECT facts->>'error_code' || ' ' || (facts->>'caller') FROM alerts WHERE kind = "
             "'recording_failed' LIMIT 1") == "16104 +13055550100");
}

TEST_CASE("facts older than the maximum age alert nobody (a replay from the start)",
          "[pg][alerts]") {
  Db db("callstream_alerts_old");
  auto cfg = config();
  projector::AlertRules rules(cfg);
  auto long_ago = core::now_millis() - 48h;
  db.apply(rules, {status(sid('8', 8), "ringing", long_ago),
                   status(sid('8', 8), "no-answer", long_ago + 20s)});
  CHECK(db.q("SELECT count(*) FROM calls") == "1");
  CHECK(db.q("SELECT count(*) FROM alerts") == "0");
}
