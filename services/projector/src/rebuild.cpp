#include "rebuild.hpp"

#include <unistd.h>

#include <chrono>
#include <iostream>
#include <map>
#include <thread>

#include "callstream/core/log.hpp"
#include "callstream/events/contract.hpp"
#include "callstream/kafka/topic_reader.hpp"
#include "console/live_stream.hpp"
#include "dead_letters.hpp"
#include "projector.hpp"
#include "topic_projections.hpp"

namespace callstream::projector {
namespace log = core::log;

const std::vector<std::string>& rebuilt_tables() {
  static const std::vector<std::string> tables = {
      "projector_offsets", "call_events", "calls",          "recording_events", "recordings",
      "taskrouter_events", "tasks",       "reservations",   "workers",          "worker_activity",
      "optout_events",     "optouts",     "call_fact_rows", "kpi_hourly",       "kpi_agents_daily"};
  return tables;
}

namespace {

constexpr const char* kRetiredSchema = "callstream_retired";

// The analytics views, by name, in creation order (a view before the views built on it).
constexpr const char* kAnalyticsViews = R"sql(
SELECT c.oid::regclass::text AS view_name FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'analytics' AND c.relkind = 'v' ORDER BY c.oid)sql";

constexpr const char* kViewDefinition = "SELECT pg_get_viewdef($1::regclass) AS definition";

constexpr const char* kTableOptions =
    "SELECT array_to_string(reloptions, ', ') AS options FROM pg_class WHERE oid = $1::regclass";

// Names in DDL cannot be parameters: each is quoted by libpq.
struct Ddl {
  pg::Connection& c;
  std::string table(const std::string& schema, const std::string& name) const {
    return c.quote(schema) + "." + c.quote(name);
  }
  void drop_schema(const std::string& schema) const {
    c.exec("DROP SCHEMA IF EXISTS " + c.quote(schema) + " CASCADE");
  }
  void create_schema(const std::string& schema) const {
    c.exec("CREATE SCHEMA " + c.quote(schema));
  }
  void move(const std::string& name, const std::string& from, const std::string& to) const {
    c.exec("ALTER TABLE " + table(from, name) + " SET SCHEMA " + c.quote(to));
  }
};

struct ViewDefinition {
  std::string name;  // as regclass prints it: already quoted where it must be
  std::string definition;
};

std::vector<ViewDefinition> analytics_views(pg::Connection& c) {
  auto views = c.exec("analytics_views", kAnalyticsViews, {});
  std::vector<ViewDefinition> out;
  for (int i = 0; i < views.rows(); ++i) {
    std::string name(views.get(i, "view_name"));
    auto def = c.exec("view_definition", kViewDefinition, {name});
    out.push_back({name, std::string(def.get(0, "definition"))});
  }
  return out;
}

// Every view and table at once, or none: LOCK ... NOWAIT never waits while holding a lock, so it
// cannot deadlock with a reader that locks a view, then what the view is built on. Readers
// arriving meanwhile wait a moment at their first lock; none sees half a swap. False when busy.
bool lock_for_swap(const Ddl& ddl, const std::vector<ViewDefinition>& views,
                   std::chrono::steady_clock::time_point deadline) {
  std::string lock;
  for (const auto& v : views) lock += (lock.empty() ? "" : ", ") + v.name;
  for (const auto& t : rebuilt_tables())
    lock += (lock.empty() ? "" : ", ") + ddl.table("public", t);
  try {
    ddl.c.exec("LOCK TABLE " + lock + " IN ACCESS EXCLUSIVE MODE NOWAIT");
    return true;
  } catch (const pg::PgError& e) {
    if (e.sqlstate() != "55P03" || std::chrono::steady_clock::now() >= deadline) throw;
    return false;
  }
}

// One attempt; false when some table or view was busy (everything is rolled back).
bool try_swap(pg::Connection& c, std::chrono::steady_clock::time_point deadline) {
  Ddl ddl{c};
  pg::Transaction tx(c);
  // The analytics views name the tables by identity: their text is re-applied after the swap.
  std::vector<ViewDefinition> views = analytics_views(c);
  if (!lock_for_swap(ddl, views, deadline)) return false;
  ddl.drop_schema(kRetiredSchema);
  ddl.create_schema(kRetiredSchema);
  for (const auto& t : rebuilt_tables()) {
    ddl.move(t, "public", kRetiredSchema);
    ddl.move(t, kShadowSchema, "public");
  }
  for (const auto& v : views) c.exec("CREATE OR REPLACE VIEW " + v.name + " AS " + v.definition);
  c.exec("DROP SCHEMA " + c.quote(kRetiredSchema) + " CASCADE");
  c.exec("DROP SCHEMA " + c.quote(kShadowSchema));
  // The console's live streams refetch everything once the new tables are in.
  c.exec("announce_rebuild", "SELECT pg_notify($1, 'rebuilt *')", {console::kChangesChannel});
  tx.commit();
  return true;
}

}  // namespace

void prepare_shadow(pg::Connection& c) {
  Ddl ddl{c};
  pg::Transaction tx(c);
  ddl.drop_schema(kShadowSchema);
  ddl.create_schema(kShadowSchema);
  for (const auto& t : rebuilt_tables()) {
    c.exec("CREATE TABLE " + ddl.table(kShadowSchema, t) + " (LIKE " + ddl.table("public", t) +
           " INCLUDING ALL)");
    // LIKE copies no storage parameters (call_fact_rows' fillfactor): they follow by hand.
    auto options = c.exec("table_options", kTableOptions, {ddl.table("public", t)});
    if (!options.is_null(0, "options"))
      c.exec("ALTER TABLE " + ddl.table(kShadowSchema, t) + " SET (" +
             std::string(options.get(0, "options")) + ")");
  }
  tx.commit();
}

void swap_in_shadow(pg::Connection& c) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (!try_swap(c, deadline)) std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

namespace {

// A rebuild keeps open letters as they were (docs/operations.md); the operator decides on them.
void report_open_letters(pg::Connection& db, const TopicProjections& projections) {
  OpenLetters left = open_letters(db, projections);
  if (left.open == 0) return;
  log::warn("open dead letters held as they were",
            {{"open", std::to_string(left.open)}, {"decode_now", std::to_string(left.decode_now)}});
  std::cout << left.open << " open dead letter(s) held as they were";
  if (left.decode_now > 0)
    std::cout << "; " << left.decode_now
              << " of them can be applied by this version: run 'callstream-projector dlq redrive'";
  std::cout << "\n";
}

}  // namespace

int rebuild(const ProjectorConfig& config, const std::atomic<bool>& stop, core::Registry& metrics) {
  pg::ConnectionSettings ps{config.database_url, "callstream-rebuild", config.statement_timeout_ms};
  pg::Connection db(ps);
  run_migrations(db);
  if (!try_lock_letters(db, true)) {
    log::error(
        "another rebuild is running, or a dlq command is changing dead letters; "
        "nothing was changed: try again when it has finished",
        {});
    return 1;
  }
  prepare_shadow(db);

  // Where the topics end now: the rebuild applies everything up to there, the running projector
  // the rest once the rebuilt tables are in.
  events::Contract contract(config.topic_prefix);
  TopicProjections projections(contract);
  std::map<std::string, std::vector<int64_t>> ends;
  long long total = 0;
  for (const auto& topic : projections.topics()) {
    ends[topic] = kafka::end_offsets(config.kafka_brokers, topic, std::chrono::seconds(30));
    for (auto e : ends[topic]) total += e;
  }
  log::info("rebuild started", {{"schema", kShadowSchema}, {"messages", std::to_string(total)}});

  ProjectorConfig rc = config;
  rc.schema = kShadowSchema;
  // A group of its own, never one a killed rebuild left behind (its dead member would hold
  // partitions until its session timed out).
  rc.group_id = config.group_id + "-rebuild-" +
                std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count()) +
                "-" + std::to_string(getpid());
  rc.group_instance_id.clear();  // a one-off member: it leaves the group when done
  rc.alerts.rules.clear();       // the facts are old news: nobody is told again
  auto started = std::chrono::steady_clock::now();
  bool caught_up;
  {
    core::Progress progress("rebuild", "events", total);
    Projector shadow(rc, metrics);
    caught_up = shadow.run_until(stop, ends, progress);
  }
  if (!caught_up) {
    log::warn("rebuild stopped before the end; the live read models are unchanged",
              {{"schema", kShadowSchema}});
    return 1;
  }
  swap_in_shadow(db);
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  log::info("rebuild swapped in",
            {{"messages", std::to_string(total)}, {"seconds", std::to_string(seconds)}});
  report_open_letters(db, projections);
  return 0;
}

}  // namespace callstream::projector
