// The projector against a real PostgreSQL and the mock Kafka cluster.
#include <catch2/catch.hpp>
#include "result_helpers.hpp"

#include <algorithm>
#include <future>
#include <map>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>

#include "call_projection.hpp"
#include "callstream/core/time.hpp"
#include "callstream/events/cloudevent.hpp"
#include "callstream/kafka/consumer.hpp"
#include "callstream/kafka/mock_cluster.hpp"
#include "callstream/kafka/producer.hpp"
#include "dead_letters.hpp"
#include "offset_store.hpp"
#include "projector.hpp"
#include "rebuild.hpp"
#include "test_pg.hpp"

using namespace callstream;
using namespace std::chrono_literals;

namespace {

const std::string kAccount = "AC" + std::string(32, 'a');

// The CloudEvents of `calls` call flows, as the ingress would publish them.
std::vector<std::pair<std::string, std::string>> call_flows(int calls, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<std::pair<std::string, std::string>> out;  // (CallSid, event JSON)
  const char* outcomes[] = {"completed", "completed", "busy", "no-answer", "failed", "canceled"};
  for (int i = 0; i < calls; ++i) {
    char sid[40];
    std::snprintf(sid, sizeof sid, "CA%032x", static_cast<unsigned>(rng()));
    std::string outcome = outcomes[rng() % 6];
    std::vector<std::string> steps = {"initiated", "ringing"};
    if (outcome == "completed") steps.push_back("in-progress");
    steps.push_back(outcome);
    auto t = *core::parse_rfc3339("2026-02-12T10:00:00Z") + std::chrono::seconds(i * 13);
    for (size_t seq = 0; seq < steps.size(); ++seq) {
      twilio::Params p = {{"AccountSid", kAccount},
                          {"CallSid", sid},
                          {"CallStatus", steps[seq]},
                          {"Direction", "inbound"},
                          {"From", "+13055550" + std::to_string(100 + i % 900)},
                          {"To", "+18005551212"},
                          {"SequenceNumber", std::to_string(seq)}};
      if (seq + 1 == steps.size())
        p.emplace_back("CallDuration", outcome == "completed" ? std::to_string(30 + i) : "0");
      events::CloudEvent e;
      e.id = events::event_id("/call_status", p);
      e.source = "https://calls.example.com/call_status";
      e.type = "com.twilio.voice.status-callback.call." +
               std::string(steps[seq] == "in-progress" ? "answered"
                           : seq + 1 == steps.size()   ? "completed"
                                                       : steps[seq]);
      e.subject = sid;
      e.time = core::format_rfc3339(t + std::chrono::seconds(seq * 4));
      e.receivedat = e.time;
      e.data = events::webhook_data("/call_status", "POST", "", p);
      out.emplace_back(sid, events::serialize(e));
    }
    if (outcome != "completed") continue;
    // An answered call also has the request for its TwiML and an answering-machine result:
    // neither may move the status backwards, and AnsweredBy lands on the call.
    twilio::Params voice = {{"AccountSid", kAccount},  {"CallSid", sid},
                            {"CallStatus", "ringing"}, {"Direction", "inbound"},
                            {"From", "+13055550100"},  {"To", "+18005551212"}};
    twilio::Params amd = {{"AccountSid", kAccount}, {"CallSid", sid}, {"AnsweredBy", "human"}};
    for (auto [route, type, params] :
         {std::tuple{"/voice", "com.twilio.voice.twiml.call.requested", voice},
          std::tuple{"/amd_status", "com.twilio.voice.status-callback.amd.detected", amd}}) {
      events::CloudEvent e;
      e.id = events::event_id(route, params);
      e.source = std::string("https://calls.example.com") + route;
      e.type = type;
      e.subject = sid;
      e.time = core::format_rfc3339(t + std::chrono::seconds(5));
      e.receivedat = e.time;
      e.data = events::webhook_data(route, "POST", "", params);
      out.emplace_back(sid, events::serialize(e));
    }
  }
  return out;
}

std::vector<projector::CallEventRow> rows_of(
    const std::vector<std::pair<std::string, std::string>>& events) {
  std::vector<projector::CallEventRow> rows;
  int64_t offset = 0;
  for (const auto& [sid, json] : events) {
    auto row = projector::decode_call_event(json, "calls", 0, offset++);
    REQUIRE(row);
    rows.push_back(*row);
  }
  return rows;
}

std::string checksum(const std::string& dsn) {
  return test::query_value(dsn,
                           "SELECT md5(string_agg(c::text, '|' ORDER BY call_sid)) FROM calls c") +
         "/" + test::query_value(dsn, "SELECT count(*) FROM call_events");
}

}  // namespace

TEST_CASE("shuffled and duplicated call flows give the same rows as in-order delivery",
          "[projection][pg]") {
  auto events = call_flows(40, 7);
  auto rows = rows_of(events);

  std::string ordered = test::fresh_database("proj_ordered");
  {
    pg::Connection c(pg::ConnectionSettings{ordered});
    projector::run_migrations(c);
    pg::Transaction tx(c);
    CHECK(projector::apply_call_events(c, rows) == static_cast<int64_t>(rows.size()));
    tx.commit();
  }
  std::string expected = checksum(ordered);
  CHECK(test::query_value(ordered, "SELECT count(*) FROM calls") == "40");
  CHECK(test::query_value(ordered, "SELECT count(*) FROM calls WHERE status_rank <> 4") == "0");
  CHECK(test::query_value(ordered,
                          "SELECT count(*) FROM calls WHERE status = 'completed' AND "
                          "answered_by IS DISTINCT FROM 'human'") == "0");
  CHECK(test::query_value(ordered,
                          "SELECT count(*) FROM calls WHERE status = 'completed' AND "
                          "(answered_at IS NULL OR duration_seconds < 30)") == "0");

  for (unsigned seed : {1u, 2u, 3u}) {
    std::mt19937 rng(seed);
    auto shuffled = rows;
    shuffled.insert(shuffled.end(), rows.begin(), rows.begin() + 25);  // Twilio retries
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    std::string db = test::fresh_database("proj_shuffled_" + std::to_string(seed));
    pg::Connection c(pg::ConnectionSettings{db});
    projector::run_migrations(c);
    int64_t applied = 0;
    for (size_t i = 0; i < shuffled.size();) {
      size_t n = std::min<size_t>(1 + rng() % 17, shuffled.size() - i);
      std::vector<projector::CallEventRow> batch(shuffled.begin() + i, shuffled.begin() + i + n);
      pg::Transaction tx(c);
      applied += projector::apply_call_events(c, batch);
      tx.commit();
      i += n;
    }
    INFO("seed " << seed);
    CHECK(applied == static_cast<int64_t>(rows.size()));  // duplicates are no-ops
    CHECK(checksum(db) == expected);
  }
}

TEST_CASE("a ringing callback arriving after completed does not move the call back",
          "[projection][pg]") {
  auto rows = rows_of(call_flows(1, 11));
  std::string db = test::fresh_database("proj_late");
  pg::Connection c(pg::ConnectionSettings{db});
  projector::run_migrations(c);
  std::vector<projector::CallEventRow> last_first(rows.rbegin(), rows.rend());
  for (const auto& r : last_first) {
    pg::Transaction tx(c);
    projector::apply_call_events(c, {r});
    tx.commit();
    CHECK(test::query_value(db, "SELECT status_rank FROM calls") == "4");
  }
  CHECK(test::query_value(db, "SELECT events_applied FROM calls") == std::to_string(rows.size()));
  CHECK(test::query_value(
            db, "SELECT ringing_at IS NOT NULL AND initiated_at <= ringing_at FROM calls") == "t");
}

TEST_CASE("the offset store fences a writer that did not see the latest offset",
          "[projection][pg]") {
  std::string db = test::fresh_database("proj_offsets");
  pg::Connection c(pg::ConnectionSettings{db});
  projector::run_migrations(c);
  projector::OffsetStore store(c);
  CHECK(store.load("t", 0) == projector::OffsetStore::kNone);
  CHECK(store.advance("t", 0, projector::OffsetStore::kNone, 10));
  CHECK_FALSE(store.advance("t", 0, projector::OffsetStore::kNone, 5));  // a second "first" writer
  CHECK(store.advance("t", 0, 10, 20));
  CHECK_FALSE(store.advance("t", 0, 10, 30));  // zombie: still thinks it is at 10
  CHECK(store.load("t", 0) == 20);
}

namespace {

struct RunningProjector {
  std::atomic<bool> stop{false};
  core::Registry metrics;
  std::unique_ptr<projector::Projector> p;
  std::thread thread;
  RunningProjector(const std::string& dsn, const std::string& brokers, const std::string& group) {
    projector::ProjectorConfig cfg;
    cfg.database_url = dsn;
    cfg.kafka_brokers = brokers;
    cfg.group_id = group;
    cfg.batch_max = 50;
    p = std::make_unique<projector::Projector>(cfg, metrics);
    thread = std::thread([this] { p->run(stop); });
  }
  ~RunningProjector() {
    stop = true;
    thread.join();
  }
};

bool wait_for(const std::function<bool()>& done, std::chrono::seconds limit) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return done();
}

void publish_all(kafka::Producer& producer,
                 const std::vector<std::pair<std::string, std::string>>& events) {
  std::atomic<int> failed{0};
  for (const auto& [sid, json] : events)
    producer.publish({"callstream.voice.calls.v1", sid, json, {}},
                     [&failed](const kafka::DeliveryReport& r) {
                       if (r.status != kafka::Delivery::persisted) ++failed;
                     });
  REQUIRE(producer.flush(10s));
  REQUIRE(failed == 0);
}

}  // namespace

TEST_CASE("the projector consumes the calls topic into PostgreSQL and dead-letters a poison event",
          "[projection][pg][kafka]") {
  kafka::MockCluster cluster(3);
  events::Contract contract;
  for (const auto& t : contract.topics())
    cluster.create_topic(t.name, t.partitions, t.replication_factor);
  auto events = call_flows(30, 5);
  kafka::Producer producer({cluster.bootstrap_servers()});
  publish_all(producer, events);
  // Not JSON; not UTF-8; a string holding U+0000 (PostgreSQL refuses both in text and jsonb, and
  // would refuse the batch on every retry: each must become a dead letter, not a stalled
  // partition).
  auto with_value = [](std::string call_sid, std::string value) {
    return std::pair<std::string, std::string>{
        call_sid, R"({"specversion":"1.0","id":"bad-)" + call_sid +
                      R"(","type":"com.twilio.voice.status-callback.call.completed",)"
                      R"("time":"2026-02-12T10:00:09Z","data":{"params":{"CallSid":")" +
                      call_sid + R"(","AccountSid":"AC1","CallStatus":"completed","Caller":")" +
                      value + R"("}}})"};
  };
  publish_all(producer, {{"CApoison", "{\"this is\": not an event"},
                         with_value("CAbadutf8", "Jos\xff"),
                         with_value("CAnul", "a\\u0000b")});
  const size_t poison = 3;

  std::string db = test::fresh_database("proj_consume");
  std::string expected;
  {
    std::string reference = test::fresh_database("proj_consume_ref");
    pg::Connection c(pg::ConnectionSettings{reference});
    projector::run_migrations(c);
    pg::Transaction tx(c);
    projector::apply_call_events(c, rows_of(events));
    tx.commit();
    expected = test::query_value(
        reference, "SELECT md5(string_agg(c::text, '|' ORDER BY call_sid)) FROM calls c");
  }
  {
    RunningProjector running(db, cluster.bootstrap_servers(), "proj-consume");
    REQUIRE(wait_for(
        [&] {
          return test::query_value(db,
                                   "SELECT coalesce(sum(next_offset), 0) FROM projector_offsets") ==
                 std::to_string(events.size() + poison);
        },
        30s));
    CHECK(running.metrics.counter("callstream_projector_dead_letters_total", "").value() == poison);
  }
  CHECK(test::query_value(db, "SELECT count(*) FROM call_events") == std::to_string(events.size()));
  CHECK(test::query_value(
            db, "SELECT md5(string_agg(c::text, '|' ORDER BY call_sid)) FROM calls c") == expected);

  struct Beginning : kafka::RebalanceListener {
    void on_assigned(std::vector<kafka::TopicPartition>&) override {}
    void on_revoked(const std::vector<kafka::TopicPartition>&) override {}
  } listener;
  kafka::Consumer dlq(
      {cluster.bootstrap_servers(), "dlq-reader", "test", {"callstream.deadletter.v1"}}, listener);
  std::map<std::string, std::string> errors;  // by key
  wait_for(
      [&] {
        for (auto& m : dlq.poll_batch(10, 100ms)) {
          CHECK(m.header("dlq_topic") == std::string_view("callstream.voice.calls.v1"));
          errors[std::string(m.key())] = std::string(m.header("dlq_error").value_or(""));
        }
        return errors.size() == poison;
      },
      15s);
  REQUIRE(errors.size() == poison);
  CHECK(errors["CApoison"].find("invalid JSON") != std::string::npos);
  CHECK(errors["CAbadutf8"].find("Invalid encoding") != std::string::npos);
  CHECK(errors["CAnul"].find("U+0000") != std::string::npos);
}

TEST_CASE("two projectors in one group, the second joining midway, produce the same rows as one",
          "[projection][pg][kafka]") {
  kafka::MockCluster cluster(3);
  events::Contract contract;
  for (const auto& t : contract.topics())
    cluster.create_topic(t.name, t.partitions, t.replication_factor);
  auto events = call_flows(150, 9);
  kafka::Producer producer({cluster.bootstrap_servers()});

  std::string reference = test::fresh_database("proj_group_ref");
  {
    pg::Connection c(pg::ConnectionSettings{reference});
    projector::run_migrations(c);
    pg::Transaction tx(c);
    projector::apply_call_events(c, rows_of(events));
    tx.commit();
  }
  std::string db = test::fresh_database("proj_group");
  {
    pg::Connection c(pg::ConnectionSettings{db});
    projector::run_migrations(c);
  }
  std::vector<std::pair<std::string, std::string>> first(events.begin(),
                                                         events.begin() + events.size() / 2);
  std::vector<std::pair<std::string, std::string>> second(events.begin() + events.size() / 2,
                                                          events.end());
  {
    RunningProjector a(db, cluster.bootstrap_servers(), "proj-group");
    publish_all(producer, first);
    std::this_thread::sleep_for(300ms);
    RunningProjector b(db, cluster.bootstrap_servers(), "proj-group");  // triggers a rebalance
    publish_all(producer, second);
    REQUIRE(wait_for(
        [&] {
          return test::query_value(db, "SELECT count(*) FROM call_events") ==
                 std::to_string(events.size());
        },
        60s));
    std::this_thread::sleep_for(300ms);
  }
  CHECK(test::query_value(db, "SELECT sum(next_offset) FROM projector_offsets") ==
        std::to_string(events.size()));
  CHECK(test::query_value(db,
                          "SELECT md5(string_agg(c::text, '|' ORDER BY call_sid)) FROM calls c") ==
        test::query_value(reference,
                          "SELECT md5(string_agg(c::text, '|' ORDER BY call_sid)) FROM calls c"));
}

TEST_CASE("a poison event parks its key: later events of the key wait, others apply, then redrive",
          "[projection][pg][kafka]") {
  kafka::MockCluster cluster(3);
  events::Contract contract;
  for (const auto& t : contract.topics())
    cluster.create_topic(t.name, t.partitions, t.replication_factor);
  auto events = call_flows(12, 9);
  const std::string parked_sid = events.front().first;
  size_t of_parked = 0;
  for (const auto& [sid, json] : events) of_parked += sid == parked_sid;
  REQUIRE(of_parked >= 3);
  // The first event of the call, then an event of the same call that cannot be applied (no
  // CallSid), then everything else.
  std::vector<std::pair<std::string, std::string>> stream = {events.front()};
  stream.emplace_back(
      parked_sid,
      R"({"specversion":"1.0","id":"poison-1","type":"com.twilio.voice.status-callback.call.completed",)"
      R"("time":"2026-02-12T10:00:09Z","data":{"params":{"CallStatus":"completed"}}})");
  stream.insert(stream.end(), events.begin() + 1, events.end());
  kafka::Producer producer({cluster.bootstrap_servers()});
  publish_all(producer, stream);

  std::string db = test::fresh_database("proj_parking");
  {
    RunningProjector running(db, cluster.bootstrap_servers(), "proj-parking");
    REQUIRE(wait_for(
        [&] {
          return test::query_value(db,
                                   "SELECT coalesce(sum(next_offset), 0) FROM projector_offsets") ==
                 std::to_string(stream.size());
        },
        30s));
    CHECK(running.metrics.counter("callstream_projector_dead_letters_total", "").value() ==
          of_parked);  // the poison event and the parked ones
  }
  auto q = [&](const std::string& sql) { return test::query_value(db, sql); };
  // Only the event before the poison one was applied for that call; every other call is whole.
  CHECK(q("SELECT count(*) FROM call_events WHERE call_sid = '" + parked_sid + "'") == "1");
  CHECK(q("SELECT count(*) FROM call_events") == std::to_string(events.size() - of_parked + 1));
  CHECK(q("SELECT count(*) FROM dead_letters WHERE kind = 'poison' AND error LIKE '%CallSid%'") ==
        "1");
  CHECK(q("SELECT count(*) FROM dead_letters WHERE kind = 'parked'") ==
        std::to_string(of_parked - 1));

  // A rebuild holds the open letters as they are and keeps the key's event before them.
  auto rebuild = [&] {
    projector::ProjectorConfig cfg;
    cfg.database_url = db;
    cfg.kafka_brokers = cluster.bootstrap_servers();
    cfg.group_id = "proj-parking";
    std::atomic<bool> stop{false};
    core::Registry metrics;
    return projector::rebuild(cfg, stop, metrics);
  };
  std::string letters_sql =
      "SELECT string_agg(concat_ws(',', kafka_offset, kind, resolution), '|' ORDER BY id) "
      "FROM dead_letters";
  std::string parked_state = checksum(db), letters = q(letters_sql);
  REQUIRE(rebuild() == 0);
  CHECK(checksum(db) == parked_state);
  CHECK(q("SELECT count(*) FROM call_events WHERE call_sid = '" + parked_sid + "'") == "1");
  CHECK(q(letters_sql) == letters);

  pg::Connection c(pg::ConnectionSettings{db});
  projector::TopicProjections projections(contract);
  std::ostringstream out;
  CHECK(projector::dlq_list(c, out) == static_cast<int64_t>(of_parked));
  // Re-driving while the poison event still fails applies nothing: the order is kept.
  CHECK(projector::dlq_redrive(c, projections, std::nullopt, out) == 0);
  CHECK(q("SELECT count(*) FROM call_events WHERE call_sid = '" + parked_sid + "'") == "1");
  std::string poison_id = q("SELECT id FROM dead_letters WHERE kind = 'poison'");
  CHECK(projector::dlq_discard(c, std::stoll(poison_id), out));
  CHECK(projector::dlq_redrive(c, projections, parked_sid, out) ==
        static_cast<int64_t>(of_parked - 1));
  INFO(out.str());
  CHECK(q("SELECT count(*) FROM call_events") == std::to_string(events.size()));
  CHECK(q("SELECT status_rank FROM calls WHERE call_sid = '" + parked_sid + "'") == "4");
  CHECK(projector::dlq_list(c, out) == 0);

  // The operator's decisions survive a rebuild, in which the poison event and the ones parked
  // behind it share one batch: the discarded event stays out, the redriven ones stay in.
  std::string redriven_state = checksum(db);
  REQUIRE(rebuild() == 0);
  CHECK(checksum(db) == redriven_state);
  CHECK(q("SELECT count(*) FROM call_events WHERE call_sid = '" + parked_sid + "'") ==
        std::to_string(of_parked));
  CHECK(q("SELECT count(*) FROM call_events") == std::to_string(events.size()));
  CHECK(projector::dlq_list(c, out) == 0);
}

TEST_CASE("a rebuild replays the topics into a shadow schema and swaps it in while views answer",
          "[projection][pg][kafka][rebuild]") {
  kafka::MockCluster cluster(3);
  events::Contract contract;
  for (const auto& t : contract.topics())
    cluster.create_topic(t.name, t.partitions, t.replication_factor);
  auto events = call_flows(60, 21);
  kafka::Producer producer({cluster.bootstrap_servers()});
  publish_all(producer, events);

  std::string db = test::fresh_database("proj_rebuild");
  RunningProjector live(db, cluster.bootstrap_servers(), "proj-rebuild");
  auto count = [&] { return test::query_value(db, "SELECT count(*) FROM call_events"); };
  REQUIRE(wait_for([&] { return count() == std::to_string(events.size()); }, 60s));
  std::string expected = checksum(db);
  // What an older version of the projection left behind: the rebuild must replace it.
  test::query_value(db,
                    "UPDATE calls SET from_number = 'stale' WHERE call_sid IN "
                    "(SELECT call_sid FROM calls ORDER BY call_sid LIMIT 5)");
  REQUIRE(checksum(db) != expected);

  // Analysts keep querying all along: never an error, never an empty answer.
  std::atomic<bool> done{false};
  std::atomic<int> queries{0}, failures{0};
  std::mutex seen_mutex;
  std::string seen;  // the first failure
  std::thread analyst([&] {
    pg::Connection c(pg::ConnectionSettings{db});
    while (!done) {
      try {
        auto r = c.exec("SELECT coalesce(sum(calls), 0) FROM analytics.calls_daily");
        if (r.get_int(0, 0) != 60) {
          std::lock_guard lock(seen_mutex);
          if (seen.empty()) seen = "calls: " + std::string(r.get(0, 0));
          ++failures;
        }
        ++queries;
      } catch (const pg::PgError& e) {
        std::lock_guard lock(seen_mutex);
        if (seen.empty()) seen = e.what();
        ++failures;
      }
    }
  });
  projector::ProjectorConfig cfg;
  cfg.database_url = db;
  cfg.kafka_brokers = cluster.bootstrap_servers();
  cfg.group_id = "proj-rebuild";
  std::atomic<bool> stop{false};
  core::Registry metrics;
  int status = projector::rebuild(cfg, stop, metrics);
  done = true;
  analyst.join();
  REQUIRE(status == 0);
  CHECK(queries > 0);
  INFO(seen);
  CHECK(failures == 0);
  CHECK(checksum(db) == expected);
  CHECK(test::query_value(db,
                          "SELECT count(*) FROM pg_namespace WHERE nspname LIKE "
                          "'callstream_re%'") == "0");
  // The swapped-in tables keep their storage parameters.
  CHECK(test::query_value(db,
                          "SELECT array_to_string(reloptions, ',') FROM pg_class WHERE "
                          "oid = 'public.call_fact_rows'::regclass") == "fillfactor=80");
  // Every table is either rebuilt or deliberately kept: a new read model cannot be forgotten.
  // The console's accounts and sessions are not built from events: kept. So is the archiver's
  // ledger: what it copied stays copied (the recordings' archive columns are rebuilt).
  std::string listed =
      "'dead_letters', 'alerts', 'callstream_settings', 'schema_migrations', 'console_users', "
      "'console_sessions', 'console_signin_failures', 'recording_archive'";
  for (const auto& t : projector::rebuilt_tables()) listed += ", '" + t + "'";
  CHECK(test::query_value(db,
                          "SELECT string_agg(tablename, ',') FROM pg_tables WHERE "
                          "schemaname = 'public' AND tablename NOT IN (" +
                              listed + ")") == "");

  // The running projector goes on into the swapped-in tables.
  auto more = call_flows(10, 22);
  publish_all(producer, more);
  REQUIRE(wait_for([&] { return count() == std::to_string(events.size() + more.size()); }, 60s));
  CHECK(test::query_value(db, "SELECT coalesce(sum(calls), 0) FROM analytics.calls_daily") == "70");

  // Offsets moved by hand (a reset): the idle projector follows them and applies again.
  test::query_value(db, "TRUNCATE calls, call_events");
  test::query_value(db, "UPDATE projector_offsets SET next_offset = 0");
  REQUIRE(wait_for([&] { return count() == std::to_string(events.size() + more.size()); }, 60s));
  CHECK(test::query_value(db, "SELECT count(*) FROM calls") == "70");
}
