// Recordings, tasks, reservations, workers and the analytics views, against a real PostgreSQL:
// Flex and Dial call flows delivered in order, then shuffled and duplicated, give the same rows,
// and the KPIs match what the flows say.
#include <catch2/catch.hpp>
#include "result_helpers.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>

#include "call_projection.hpp"
#include "callstream/core/time.hpp"
#include "callstream/events/cloudevent.hpp"
#include "callstream/pg/connection.hpp"
#include "projector.hpp"
#include "recording_projection.hpp"
#include "taskrouter_projection.hpp"
#include "test_pg.hpp"
#include "topic_projections.hpp"

using namespace callstream;
using namespace std::chrono_literals;

namespace {

const std::string kAccount = "AC" + std::string(32, 'a');
const std::string kWorkspace = "WS" + std::string(32, '1');

std::string sid(const char* prefix, int n) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s%032d", prefix, n);
  return buf;
}

enum class Topic { calls, recordings, taskrouter };

struct Event {
  Topic topic;
  std::string json;
};

struct Expected {
  int calls = 0, answered = 0, abandoned = 0, within_sla = 0;
  double answer_seconds = 0, handle_seconds = 0;
  int alice = 0;
  double busy_seconds = 0;
};

class Flows {
  int taskrouter_events_ = 0;

 public:
  std::vector<Event> events;
  Expected expected;

  void add(Topic topic, const std::string& route, const std::string& type, twilio::Params p,
           core::SysMillis t, const std::string& query = "") {
    if (topic != Topic::taskrouter) p.insert(p.begin(), {"AccountSid", kAccount});
    if (topic == Topic::taskrouter) {  // as TaskRouter sends them: an event sid and the time
      p.emplace_back("Sid", sid("EV", ++taskrouter_events_));
      p.emplace_back("TimestampMs", std::to_string(t.time_since_epoch().count()));
    }
    events::CloudEvent e;
    e.id = events::event_id(route + (query.empty() ? "" : "?" + query), p);
    e.source = "https://calls.example.com" + route;
    e.type = type;
    e.subject = "s";
    e.time = core::format_rfc3339(t);
    e.receivedat = e.time;
    e.data = events::webhook_data(route, "POST", query, p);
    events.push_back({topic, events::serialize(e)});
  }

  void call(const std::string& call, const std::string& status, core::SysMillis t,
            int duration = -1) {
    twilio::Params p = {{"CallSid", call},
                        {"CallStatus", status},
                        {"Direction", "inbound"},
                        {"From", "+13055550100"},
                        {"To", "+18005551212"}};
    if (duration >= 0) p.emplace_back("CallDuration", std::to_string(duration));
    std::string kind = status == "in-progress" ? "answered" : "completed";
    add(Topic::calls, "/call_status", "com.twilio.voice.status-callback.call." + kind, p, t);
  }

  void voice(const std::string& call, core::SysMillis t) {
    add(Topic::calls, "/voice", "com.twilio.voice.twiml.call.requested",
        {{"CallSid", call},
         {"CallStatus", "ringing"},
         {"Direction", "inbound"},
         {"From", "+13055550100"},
         {"To", "+18005551212"}},
        t);
  }

  void task(const std::string& event_type, const std::string& task, const std::string& call,
            const std::string& status, core::SysMillis t, twilio::Params extra = {}) {
    twilio::Params p = {
        {"AccountSid", kAccount},
        {"WorkspaceSid", kWorkspace},
        {"EventType", event_type},
        {"TaskSid", task},
        {"TaskAssignmentStatus", status},
        {"TaskQueueSid", sid("WQ", 1)},
        {"TaskQueueName", "Support"},
        {"TaskAttributes", R"({"call_sid":")" + call + R"(","from":"+13055550100"})"}};
    p.insert(p.end(), extra.begin(), extra.end());
    add(Topic::taskrouter, "/taskrouter_event", "com.twilio.taskrouter." + event_type, p, t);
  }

  void activity(const std::string& from, const std::string& to, double seconds, core::SysMillis t) {
    add(Topic::taskrouter, "/taskrouter_event", "com.twilio.taskrouter.worker.activity.update",
        {{"AccountSid", kAccount},
         {"WorkspaceSid", kWorkspace},
         {"EventType", "worker.activity.update"},
         {"WorkerSid", sid("WK", 1)},
         {"WorkerName", "alice"},
         {"WorkerActivityName", to},
         {"WorkerPreviousActivityName", from},
         {"WorkerTimeInPreviousActivityMs", std::to_string(static_cast<long>(seconds * 1000))}},
        t);
  }

  void recording(const std::string& call, int n, const std::string& status, core::SysMillis t,
                 int duration) {
    twilio::Params p = {{"CallSid", call},
                        {"RecordingSid", sid("RE", n)},
                        {"RecordingStatus", status},
                        {"RecordingChannels", "2"},
                        {"RecordingSource", "DialVerb"},
                        {"RecordingUrl", "https://api.twilio.com/2010-04-01/Accounts/" + kAccount +
                                             "/Recordings/" + sid("RE", n)}};
    if (duration >= 0) p.emplace_back("RecordingDuration", std::to_string(duration));
    add(Topic::recordings, "/recording_status", "io.callstream.voice.recording." + status, p, t);
  }

  // Flex, answered by alice after `wait` seconds in the queue; `talk` seconds, 20 s wrap-up.
  void answered(int i, core::SysMillis t0, int wait, int talk) {
    std::string c = sid("CA", i), t = sid("WT", i), r = sid("WR", i);
    voice(c, t0);
    call(c, "in-progress", t0 + 1s);
    task("task.created", t, c, "pending", t0 + 2s);
    auto accepted = t0 + 2s + std::chrono::seconds(wait);
    twilio::Params res = {
        {"ReservationSid", r}, {"WorkerSid", sid("WK", 1)}, {"WorkerName", "alice"}};
    task("reservation.created", t, c, "reserved", accepted - 3s, res);
    task("reservation.accepted", t, c, "assigned", accepted, res);
    activity("Available", "Busy", 100, accepted);
    recording(c, i, "in-progress", accepted, -1);
    auto end = accepted + std::chrono::seconds(talk);
    call(c, "completed", end, static_cast<int>((end - t0) / 1s));
    recording(c, i, "completed", end, talk);
    task("task.wrapup", t, c, "wrapping", end);
    task("reservation.wrapup", t, c, "wrapping", end, res);
    task("task.completed", t, c, "completed", end + 20s);
    task("reservation.completed", t, c, "completed", end + 20s, res);
    activity("Busy", "Available", talk + 20 + 3, end + 20s);
    expected.calls++;
    expected.answered++;
    expected.alice++;
    expected.within_sla += wait <= 60;
    expected.answer_seconds += wait;
    expected.handle_seconds += talk + 20;
    expected.busy_seconds += talk + 20 + 3;
  }

  // Flex, the caller hangs up after `wait` seconds in the queue.
  void abandoned(int i, core::SysMillis t0, int wait) {
    std::string c = sid("CA", i), t = sid("WT", i);
    voice(c, t0);
    call(c, "in-progress", t0 + 1s);
    task("task.created", t, c, "pending", t0 + 2s);
    auto gone = t0 + 2s + std::chrono::seconds(wait);
    add(Topic::calls, "/dial_status", "io.callstream.voice.queue.left",
        {{"CallSid", c}, {"CallStatus", "completed"}, {"QueueResult", "hangup"}}, gone,
        "stage=queue");
    task("task.canceled", t, c, "canceled", gone, {{"TaskCanceledReason", "hangup"}});
    call(c, "completed", gone, wait + 2);
    expected.calls++;
    expected.abandoned++;
  }

  // Dial mode: bob answers after 8 s of ringing, talks `talk` seconds (no wrap-up).
  void dialed(int i, core::SysMillis t0, int talk) {
    std::string c = sid("CA", i);
    voice(c, t0);
    call(c, "in-progress", t0 + 1s);
    auto end = t0 + 9s + std::chrono::seconds(talk);
    add(Topic::calls, "/dial_status", "io.callstream.voice.dial.completed",
        {{"CallSid", c},
         {"CallStatus", "in-progress"},
         {"DialCallStatus", "completed"},
         {"DialCallSid", sid("CA", 100000 + i)},
         {"DialCallDuration", std::to_string(talk)}},
        end, "stage=chain&step=0&target=client%3Abob");
    call(c, "completed", end, 9 + talk);
    expected.calls++;
    expected.answered++;
    expected.within_sla++;
    expected.answer_seconds += 9;
    expected.handle_seconds += talk;
  }
};

Flows make_flows() {
  Flows f;
  // Monday 2026-02-16, 09:00 in New York (EST): every call of the day there.
  auto base = *core::parse_rfc3339("2026-02-16T14:00:00Z");
  for (int i = 1; i <= 30; ++i) {
    auto t0 = base + std::chrono::seconds(i * 97);
    if (i % 5 == 0)
      f.abandoned(i, t0, 10 + i);
    else if (i % 5 == 4)
      f.dialed(i, t0, 30 + i);
    else
      f.answered(i, t0, 5 + (i * 7) % 90, 60 + i);
  }
  return f;
}

void apply_all(pg::Connection& c, const std::vector<Event>& events, size_t batch, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<projector::CallEventRow> calls;
  std::vector<projector::EventRow> recordings, tasks;
  int64_t offset = 0;
  for (const auto& e : events) {
    if (e.topic == Topic::calls) {
      auto row = projector::decode_call_event(e.json, "calls", 0, offset++);
      INFO((row ? "" : row.error().message));
      REQUIRE(row);
      calls.push_back(*row);
    } else if (e.topic == Topic::recordings) {
      auto row = projector::decode_recording_event(e.json, "recordings", 0, offset++);
      INFO((row ? "" : row.error().message));
      REQUIRE(row);
      recordings.push_back(*row);
    } else {
      auto row = projector::decode_taskrouter_event(e.json, "taskrouter", 0, offset++);
      INFO((row ? "" : row.error().message));
      REQUIRE(row);
      tasks.push_back(*row);
    }
  }
  auto in_batches = [&](auto& rows, auto apply) {
    for (size_t i = 0; i < rows.size();) {
      size_t n = std::min(batch == 0 ? 1 + rng() % 13 : batch, rows.size() - i);
      std::decay_t<decltype(rows)> part(rows.begin() + i, rows.begin() + i + n);
      pg::Transaction tx(c);
      apply(c, part);
      tx.commit();
      i += n;
    }
  };
  in_batches(calls, projector::apply_call_events);
  in_batches(recordings, projector::apply_recording_events);
  in_batches(tasks, projector::apply_taskrouter_events);
}

// As the projector applies a lane's partitions: every topic's rows of a poll in one transaction
// (TopicProjections::apply), one refresh of the calls' facts for them all.
void apply_topics_together(pg::Connection& c, const std::vector<Event>& events, unsigned seed) {
  events::Contract contract("");
  projector::TopicProjections projections(contract);
  std::mt19937 rng(seed);
  int64_t offset = 0;
  for (size_t i = 0; i < events.size();) {
    size_t n = std::min<size_t>(1 + rng() % 29, events.size() - i);
    projector::TopicRows rows;
    for (size_t j = i; j < i + n; ++j) {
      auto kind = events[j].topic == Topic::calls        ? projector::TopicKind::calls
                  : events[j].topic == Topic::recordings ? projector::TopicKind::recordings
                                                         : projector::TopicKind::taskrouter;
      auto decoded =
          projections.decode(kind, events[j].json, projector::to_string(kind), 0, offset++, rows);
      INFO((decoded ? "" : decoded.error().message));
      REQUIRE(decoded);
    }
    pg::Transaction tx(c);
    projections.apply(c, rows);
    tx.commit();
    i += n;
  }
}

std::string checksum(const std::string& dsn) {
  std::string out;
  for (const char* table :
       {"calls", "recordings", "tasks", "reservations", "workers", "worker_activity"}) {
    out +=
        test::query_value(
            dsn, std::string(
                     "SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM ") +
                     table + " t") +
        "/";
  }
  return out;
}

std::string db_with(const std::string& name, const std::vector<Event>& events, size_t batch,
                    unsigned seed) {
  std::string dsn = test::fresh_database(name);
  pg::Connection c(pg::ConnectionSettings{dsn});
  projector::run_migrations(c);
  projector::ProjectorConfig config;
  config.time_zone = "America/New_York";
  projector::write_settings(c, config);
  apply_all(c, events, batch, seed);
  return dsn;
}

}  // namespace

TEST_CASE("tasks, reservations, workers and recordings are the same in any order, once",
          "[projection][pg]") {
  Flows f = make_flows();
  std::string ordered = db_with("rm_ordered", f.events, 1000, 0);
  std::string expected = checksum(ordered);
  CHECK(test::query_value(ordered, "SELECT count(*) FROM tasks") == "24");
  CHECK(test::query_value(ordered,
                          "SELECT count(*) FROM tasks WHERE status = 'completed' AND "
                          "worker_name = 'alice' AND call_sid LIKE 'CA%'") == "18");
  CHECK(test::query_value(ordered,
                          "SELECT count(*) FROM tasks WHERE status = 'canceled' AND "
                          "canceled_reason = 'hangup'") == "6");
  CHECK(test::query_value(ordered,
                          "SELECT count(*) FROM reservations WHERE status = 'completed' "
                          "AND accepted_at IS NOT NULL") == "18");
  CHECK(test::query_value(ordered, "SELECT activity_name FROM workers") == "Available");
  CHECK(test::query_value(ordered,
                          "SELECT count(*) FROM recordings WHERE status = 'completed' "
                          "AND channels = 2 AND duration_seconds > 60") == "18");

  for (unsigned seed : {11u, 12u}) {
    std::mt19937 rng(seed);
    auto events = f.events;
    events.insert(events.end(), f.events.begin(), f.events.begin() + 60);  // retries
    std::shuffle(events.begin(), events.end(), rng);
    std::string db = db_with("rm_shuffled_" + std::to_string(seed), events, 0, seed);
    INFO("seed " << seed);
    CHECK(checksum(db) == expected);
  }
}

TEST_CASE("the analytics views give the KPIs the call flows say", "[projection][pg]") {
  Flows f = make_flows();
  std::string db = db_with("rm_analytics", f.events, 7, 5);
  const Expected& e = f.expected;
  auto q = [&](const std::string& sql) { return test::query_value(db, sql); };
  auto num = [&](const std::string& sql) { return std::stod(q(sql)); };
  std::string day = "FROM analytics.calls_daily WHERE day = '2026-02-16' AND direction = 'inbound'";
  CHECK(q("SELECT calls " + day) == std::to_string(e.calls));
  CHECK(q("SELECT answered " + day) == std::to_string(e.answered));
  CHECK(q("SELECT abandoned " + day) == std::to_string(e.abandoned));
  CHECK(q("SELECT missed " + day) == std::to_string(e.abandoned));
  CHECK(num("SELECT avg_speed_of_answer_seconds " + day) ==
        Approx(e.answer_seconds / e.answered).margin(0.05));
  CHECK(num("SELECT avg_handle_seconds " + day) ==
        Approx(e.handle_seconds / e.answered).margin(0.05));
  CHECK(num("SELECT service_level_pct " + day) ==
        Approx(100.0 * e.within_sla / e.calls).margin(0.05));
  // 09:00 local (14:00Z) and the following hours: the day is New York's, not UTC's.
  CHECK(q("SELECT min(hour) FROM analytics.calls_hourly") == "9");
  CHECK(q("SELECT sum(calls) FROM analytics.calls_hourly") == std::to_string(e.calls));
  CHECK(q("SELECT calls_handled FROM analytics.agents_daily WHERE agent = 'alice'") ==
        std::to_string(e.alice));
  CHECK(q("SELECT calls_handled FROM analytics.agents_daily WHERE agent = 'bob'") ==
        std::to_string(e.answered - e.alice));
  CHECK(q("SELECT offered FROM analytics.queues_daily WHERE queue = 'Support'") ==
        std::to_string(e.alice + e.abandoned));
  CHECK(num("SELECT seconds FROM analytics.agent_activity_daily WHERE activity = 'Busy'") ==
        Approx(e.busy_seconds).margin(0.05));
  CHECK(q("SELECT count(*) FROM analytics.call_facts WHERE recording_url LIKE 'https://%'") ==
        std::to_string(e.alice));

  // A stricter threshold, at the projector's next start, recomputes every call's facts and KPIs.
  std::string kept_facts = q("SELECT count(*) FROM call_fact_rows");
  pg::Connection c(pg::ConnectionSettings{db});
  projector::ProjectorConfig stricter;
  stricter.time_zone = "America/New_York";
  stricter.service_level_seconds = 30;
  projector::write_settings(c, stricter);
  CHECK(num("SELECT service_level_pct " + day) < 100.0 * e.within_sla / e.calls - 1);
  CHECK(q("SELECT count(*) FROM call_fact_rows") == kept_facts);
  CHECK(q("SELECT count(*) FROM call_fact_rows WHERE service_level_threshold_seconds <> 30") ==
        "0");

  // The analyst role reads the views and nothing else.
  CHECK(q("SELECT has_schema_privilege('callstream_analyst', 'analytics', 'USAGE')") == "t");
  CHECK(q("SELECT has_table_privilege('callstream_analyst', 'analytics.calls_daily', 'SELECT')") ==
        "t");
  CHECK(q("SELECT has_table_privilege('callstream_analyst', 'public.calls', 'SELECT')") == "f");
  CHECK(q("SELECT has_table_privilege('callstream_analyst', 'analytics.calls_daily', 'INSERT')") ==
        "f");
}

TEST_CASE("every topic's rows applied in one transaction give what one projection at a time gives",
          "[projection][pg]") {
  Flows f = make_flows();
  std::string by_projection = db_with("rm_by_projection", f.events, 7, 5);
  std::mt19937 rng(21);
  auto events = f.events;
  events.insert(events.end(), f.events.begin(), f.events.begin() + 60);  // retries
  std::shuffle(events.begin(), events.end(), rng);
  std::string together = test::fresh_database("rm_topics_together");
  {
    pg::Connection c(pg::ConnectionSettings{together});
    projector::run_migrations(c);
    projector::ProjectorConfig config;
    config.time_zone = "America/New_York";
    projector::write_settings(c, config);
    apply_topics_together(c, events, 21);
  }
  CHECK(checksum(together) == checksum(by_projection));
  for (const char* facts : {"call_fact_rows", "analytics.call_kpis", "analytics.agents_daily"}) {
    std::string sql =
        std::string("SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM ") + facts + " t";
    INFO(facts);
    CHECK(test::query_value(together, sql) == test::query_value(by_projection, sql));
  }
  CHECK(test::query_value(together, "SELECT count(*) FROM call_fact_rows WHERE answered") ==
        std::to_string(f.expected.answered));
}

TEST_CASE("new settings are kept only with the facts recomputed for them", "[projection][pg]") {
  Flows f = make_flows();
  std::string db = db_with("rm_settings_atomic", f.events, 7, 5);
  pg::Connection c(pg::ConnectionSettings{db});
  projector::ProjectorConfig stricter;
  stricter.time_zone = "America/New_York";
  stricter.service_level_seconds = 30;
  // The recompute fails (its last step is gone): the old settings stay, so the next start
  // recomputes again instead of keeping facts computed with the old threshold.
  c.exec("DROP FUNCTION callstream_compact_kpis()");
  CHECK_THROWS_AS(projector::write_settings(c, stricter), pg::PgError);
  auto threshold = [&] {
    return test::query_value(
        db, "SELECT value FROM callstream_settings WHERE key = 'service_level_seconds'");
  };
  CHECK(threshold() == "60");
  CHECK(test::query_value(db,
                          "SELECT count(*) FROM call_fact_rows WHERE "
                          "service_level_threshold_seconds <> 60") == "0");
}
