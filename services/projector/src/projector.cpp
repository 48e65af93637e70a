#include "projector.hpp"

#include <thread>

#include "console/live_stream.hpp"

#include "batch_lanes.hpp"
#include "call_projection.hpp"
#include "callstream/core/log.hpp"
#include "callstream/core/time.hpp"
#include "offset_store.hpp"
#include "recording_projection.hpp"
#include "taskrouter_projection.hpp"

namespace callstream::projector {

namespace log = core::log;

Projector::Projector(ProjectorConfig config, core::Registry& metrics)
    : config_(std::move(config)),
      metrics_(metrics),
      contract_(config_.topic_prefix),
      projections_(contract_),
      alert_rules_(config_.alerts, &metrics) {
  pg::ConnectionSettings ps{config_.database_url, "callstream-projector",
                            config_.statement_timeout_ms};
  if (!config_.schema.empty()) ps.search_path = config_.schema + ",public";
  db_ = std::make_unique<pg::Connection>(ps);
  for (int i = 1; i < config_.pg_connections; ++i)
    workers_.push_back(std::make_unique<pg::Connection>(ps));
  if (config_.schema.empty()) {  // a rebuild's shadow tables are made by `rebuild` itself
    int ran = run_migrations(*db_);
    write_settings(*db_, config_);
    log::info("schema ready", {{"migrations_applied", std::to_string(ran)}});
  }
  dead_letters_ = std::make_unique<DeadLetterTopic>(
      config_, contract_.topic("callstream.deadletter.v1"), metrics_.dead_letters);
  metrics_.lag([this] { return lag(); });
}

double Projector::lag() const { return consumer_ ? offsets_.lag(*consumer_) : 0.0; }

Projector::~Projector() = default;

// One line per rebalance at info; the partitions one by one at debug.
void Projector::on_assigned(std::vector<kafka::TopicPartition>& partitions) {
  register_lag(partitions);
  load_offsets(partitions);
  log::info("partitions assigned", {{"count", std::to_string(partitions.size())}});
}

// Lag per partition: registered once per partition ever assigned (0 while not assigned here).
void Projector::register_lag(const std::vector<kafka::TopicPartition>& partitions) {
  for (const auto& tp : partitions) {
    Key key{tp.topic, tp.partition};
    if (!lag_registered_.insert(key).second) continue;
    metrics_.partition_lag(tp.topic, tp.partition,
                           [this, key] { return consumer_ ? offsets_.lag(*consumer_, key) : 0.0; });
  }
}

// Each partition starts where PostgreSQL says, retried until PostgreSQL answers.
void Projector::load_offsets(std::vector<kafka::TopicPartition>& partitions) {
  for (;;) {
    try {
      OffsetStore store(*db_);
      for (auto& tp : partitions) {
        int64_t next = store.load(tp.topic, tp.partition);
        offsets_.assign({tp.topic, tp.partition}, next);
        tp.offset = kafka_position(next);
        log::debug("partition assigned", {{"topic", tp.topic},
                                          {"partition", std::to_string(tp.partition)},
                                          {"start_offset", std::to_string(next)}});
      }
      return;
    } catch (const pg::PgError& e) {
      metrics_.pg_errors.inc();
      log::error("cannot load offsets; retrying", {{"error", e.what()}});
      // No exception may cross librdkafka's C frames: when stopping, leave these partitions
      // without a known offset (their messages are then ignored) and let the loop end.
      if (stop_ && *stop_) return;
      std::this_thread::sleep_for(std::chrono::seconds(1));
      try {
        db_->reconnect();
      } catch (const pg::PgError&) {
      }
    }
  }
}

void Projector::on_revoked(const std::vector<kafka::TopicPartition>& partitions) {
  for (const auto& tp : partitions) {
    offsets_.revoke({tp.topic, tp.partition});
    log::debug("partition revoked",
               {{"topic", tp.topic}, {"partition", std::to_string(tp.partition)}});
  }
  log::info("partitions revoked", {{"count", std::to_string(partitions.size())}});
}

void Projector::start_consumer() {
  kafka::ConsumerSettings cs;
  cs.brokers = config_.kafka_brokers;
  cs.group_id = config_.group_id;
  cs.client_id = "callstream-projector";
  cs.topics = projections_.topics();
  cs.session_timeout = config_.session_timeout;
  cs.group_instance_id = config_.group_instance_id;
  // A fetch of a partition with nothing new waits at most this long: the floor of freshness
  // against brokers that hold fetches to their deadline (librdkafka's default is 500 ms).
  cs.extra = {{"fetch.wait.max.ms", "20"}};
  for (const auto& [k, v] : config_.consumer_properties) cs.extra[k] = v;
  consumer_ = std::make_unique<kafka::Consumer>(std::move(cs), *this);
  ready_ = true;
  std::string topics;
  for (const auto& t : projections_.topics()) topics += (topics.empty() ? "" : ",") + t;
  log::info("projecting", {{"topics", topics},
                           {"group", config_.group_id},
                           {"schema", config_.schema.empty() ? "public" : config_.schema}});
}

void Projector::run(const std::atomic<bool>& stop) {
  stop_ = &stop;
  start_consumer();
  auto last_check = std::chrono::steady_clock::now();
  while (!stop) {
    auto batch =
        consumer_->poll_batch(config_.batch_max, config_.poll_timeout, config_.batch_linger);
    if (!batch.empty()) {
      apply_batch(batch);
      compaction_.maybe_run(*db_);
    } else if (std::chrono::steady_clock::now() - last_check > std::chrono::seconds(5)) {
      last_check = std::chrono::steady_clock::now();
      follow_offset_changes();
    }
  }
  ready_ = false;
  consumer_->close(std::chrono::seconds(10));
  log::info("stopped");
}

bool Projector::run_until(const std::atomic<bool>& stop,
                          const std::map<std::string, std::vector<int64_t>>& ends,
                          core::Progress& progress) {
  stop_ = &stop;
  start_consumer();
  bool done = false;
  while (!stop && !(done = offsets_.reached(ends))) {
    auto batch =
        consumer_->poll_batch(config_.batch_max, config_.poll_timeout, config_.batch_linger);
    if (!batch.empty()) {
      apply_batch(batch);
      compaction_.maybe_run(*db_);
    }
    progress.update(offsets_.applied_through(ends));
  }
  progress.update(offsets_.applied_through(ends));
  ready_ = false;
  consumer_->close(std::chrono::seconds(10));
  return done;
}

void Projector::follow_offset_changes() {
  try {
    OffsetStore store(*db_);
    for (const auto& [key, stored] : offsets_.follow(store)) {
      log::warn("offsets in PostgreSQL moved (a rebuild, or by hand): following them",
                {{"topic", key.first},
                 {"partition", std::to_string(key.second)},
                 {"next_offset", std::to_string(stored)}});
      consumer_->seek(key.first, key.second, kafka_position(stored), std::chrono::seconds(10));
    }
  } catch (const std::exception& e) {
    metrics_.pg_errors.inc();
    log::warn("cannot compare offsets with PostgreSQL", {{"error", e.what()}});
    recover();
  }
}

void Projector::apply_batch(std::vector<kafka::ConsumedMessage>& batch) {
  auto batches = by_partition(batch);
  std::vector<pg::Connection*> connections = {db_.get()};
  for (auto& w : workers_) connections.push_back(w.get());
  bool ok = apply_in_lanes(batches, connections, [this](const Lane& lane, pg::Connection& db) {
    return apply_lane(lane, db);
  });
  // Everything not committed is re-read from the offsets PostgreSQL holds.
  if (!ok) recover();
}

namespace {

// "topic/partition topic/partition ...", for a log line about a lane.
template <class Work>
std::string partition_names(const std::vector<Work>& work) {
  std::string out;
  for (const auto& w : work)
    out += (out.empty() ? "" : " ") + w.key.first + "/" + std::to_string(w.key.second);
  return out;
}

}  // namespace

// decode or park -> apply -> advance the offsets -> observe.
bool Projector::apply_lane(const Lane& lane, pg::Connection& db) {
  std::vector<PartitionWork> work = lane_work(lane);
  if (work.empty()) return true;
  auto started = std::chrono::steady_clock::now();
  std::optional<Applied> applied;
  try {
    applied = apply_and_advance(work, db);
  } catch (const pg::PgError& e) {
    metrics_.pg_errors.inc();
    log::error(
        "batch not applied",
        {{"partitions", partition_names(work)}, {"error", e.what()}, {"sqlstate", e.sqlstate()}});
    return false;
  }
  if (!applied) return false;
  for (const auto& w : work) {
    offsets_.advance(w.key, w.next);
    consumer_->store_offset(w.key.first, w.key.second, w.next);
  }
  observe(*applied, started);
  return true;
}

std::vector<Projector::PartitionWork> Projector::lane_work(const Lane& lane) const {
  std::vector<PartitionWork> work;
  for (const auto* entry : lane) {
    const Key& key = entry->first;
    std::optional<int64_t> expected = offsets_.next(key);
    if (!expected) continue;  // revoked meanwhile: the new owner reads these
    auto kind = projections_.kind(key.first);
    if (!kind) continue;
    Unapplied batch = unapplied(*expected, entry->second);
    if (batch.messages.empty()) continue;
    int64_t next = batch.messages.back()->offset() + 1;
    work.push_back(PartitionWork{key, *kind, std::move(batch), *expected, next});
  }
  return work;
}

Projector::Unapplied Projector::unapplied(int64_t expected,
                                          const std::vector<kafka::ConsumedMessage*>& all) {
  Unapplied out;
  for (auto* m : all) {
    if (expected != OffsetStore::kNone && m->offset() < expected) continue;
    out.messages.push_back(m);
    out.keys.emplace(m->key());
  }
  return out;
}

std::optional<Projector::Applied> Projector::apply_and_advance(
    const std::vector<PartitionWork>& work, pg::Connection& db) {
  pg::Transaction tx(db);
  LaneRows lane = sort_lane(work, db);
  lane.applied.fresh = projections_.apply(db, lane.rows);
  lane.applied.ignored = std::move(lane.rows.ignored);
  raise_alerts(lane.rows, lane.letters, db);
  if (lane.applied.fresh > 0 && config_.schema.empty())
    for (const auto& [partition, changed] : lane.announcements)
      announce(partition->kind, changed, partition->batch.keys, db);
  if (!advance_offsets(work, db)) return std::nullopt;  // tx rolls back
  tx.commit();
  return std::move(lane.applied);
}

// Dead letters are durable (topic and table) before the offset passes them. Only letters met for
// the first time are here (the kept ones are held, not re-sent), so a rebuild that reaches an
// offset before the live projector publishes the letter itself.
Projector::LaneRows Projector::sort_lane(const std::vector<PartitionWork>& work,
                                         pg::Connection& db) const {
  LaneRows lane;
  for (const auto& w : work) {
    SortedBatch sorted = sort_batch(w.key, w.kind, w.batch.messages, w.batch.keys, db);
    for (const auto& l : sorted.letters) dead_letters_->publish(l, *stop_);
    record_dead_letters(db, sorted.letters);
    lane.letters = lane.letters || !sorted.letters.empty();
    lane.announcements.emplace_back(&w, sorted.rows.kinds());
    lane.applied.rows += sorted.rows.size();
    lane.applied.messages += w.batch.messages.size();
    if (sorted.oldest_received >= 0 &&
        (lane.applied.oldest_received < 0 || sorted.oldest_received < lane.applied.oldest_received))
      lane.applied.oldest_received = sorted.oldest_received;
    lane.rows.append(std::move(sorted.rows));
  }
  return lane;
}

bool Projector::advance_offsets(const std::vector<PartitionWork>& work, pg::Connection& db) {
  OffsetStore store(db);
  for (const auto& w : work) {
    if (store.advance(w.key.first, w.key.second, w.expected, w.next)) continue;
    metrics_.fenced.inc();
    log::warn("batch fenced: another instance advanced this partition",
              {{"topic", w.key.first},
               {"partition", std::to_string(w.key.second)},
               {"expected", std::to_string(w.expected)}});
    return false;
  }
  return true;
}

// The console's live streams hear of the change once it is committed (NOTIFY is delivered at
// COMMIT, in commit order, and never for a rolled-back batch). A topic's message keys name what
// changed; Event Streams' keys are Twilio's, so its changes name every row of their kind ("*").
void Projector::announce(TopicKind kind, const std::vector<TopicKind>& changed,
                         const std::set<std::string>& keys, pg::Connection& db) const {
  std::vector<std::string> named(keys.begin(), keys.end());
  if (kind == TopicKind::eventstreams) named = {"*"};
  for (TopicKind what : changed) {
    std::string payload = console::change_payload(to_string(what), named);
    db.exec_prepared("announce_change", "SELECT pg_notify($1, $2)",
                     {console::kChangesChannel, payload});
  }
}

// Alerts are written with the change that calls for them: a crash loses none, a replay writes
// none twice (their keys are taken).
void Projector::raise_alerts(const TopicRows& rows, bool letters, pg::Connection& db) const {
  if (letters) alert_rules_.on_dead_letters(db);
  alert_rules_.on_calls(db, rows.calls);
  alert_rules_.on_recordings(db, rows.recordings);
}

void Projector::observe(const Applied& applied, std::chrono::steady_clock::time_point started) {
  metrics_.applied.inc(static_cast<uint64_t>(applied.fresh));
  metrics_.duplicates.inc(applied.rows - static_cast<uint64_t>(applied.fresh));
  for (const auto& type : applied.ignored) metrics_.eventstreams_ignored(type).inc();
  metrics_.batch_events.observe(static_cast<double>(applied.messages));
  if (applied.oldest_received >= 0) {
    double now =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    metrics_.event_to_commit_seconds.observe(now - applied.oldest_received);
  }
  metrics_.batch_seconds.observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
}

Projector::SortedBatch Projector::sort_batch(const Key& key, TopicKind kind,
                                             const std::vector<kafka::ConsumedMessage*>& messages,
                                             const std::set<std::string>& keys,
                                             pg::Connection& db) const {
  SortedBatch out;
  auto book = PartitionLetters::load(db, key.first, key.second, messages.front()->offset(),
                                     messages.back()->offset(), keys);
  for (auto* m : messages) {
    std::string message_key(m->key());
    switch (book.at(m->offset())) {
      case PartitionLetters::State::discarded:  // the operator gave up on it: never applied
        continue;
      case PartitionLetters::State::open:  // still waiting for the operator: held as it is
        book.open(message_key, m->offset());
        continue;
      case PartitionLetters::State::redriven:  // applied by a redrive: applied here, in its place
      case PartitionLetters::State::none:
        break;
    }
    bool behind = book.parks(message_key, m->offset());
    core::Result<std::string> received_at =
        behind ? undecodable("parked behind an earlier dead letter of key " + message_key)
               : projections_.decode(kind, m->value(), key.first, key.second, m->offset(), out.rows,
                                     m->header("receivedat").value_or(""));
    if (received_at) {
      if (auto t = core::parse_rfc3339(*received_at)) {
        double secs = std::chrono::duration<double>(t->time_since_epoch()).count();
        if (out.oldest_received < 0 || secs < out.oldest_received) out.oldest_received = secs;
      }
      continue;
    }
    out.letters.push_back(DeadLetter{key.first, key.second, m->offset(), message_key,
                                     std::string(m->header("ce_id").value_or("")),
                                     behind ? "parked" : "poison", received_at.error().message,
                                     std::string(m->value())});
    book.open(message_key, m->offset());
  }
  return out;
}

void Projector::recover() {
  auto backoff = std::chrono::milliseconds(100);
  while (!*stop_) {
    try {
      if (!db_->healthy()) db_->reconnect();
      for (auto& w : workers_)
        if (!w->healthy()) w->reconnect();
      reload_offsets();
      return;
    } catch (const std::exception& e) {
      metrics_.pg_errors.inc();
      log::warn("waiting for PostgreSQL",
                {{"error", e.what()}, {"retry_in_ms", std::to_string(backoff.count())}});
      std::this_thread::sleep_for(backoff);
      backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
      try {
        db_->reconnect();
      } catch (const pg::PgError&) {
      }
    }
  }
}

void Projector::reload_offsets() {
  OffsetStore store(*db_);
  for (const auto& key : offsets_.assigned()) {
    int64_t next = store.load(key.first, key.second);
    if (!offsets_.advance(key, next)) continue;  // revoked meanwhile
    consumer_->seek(key.first, key.second, kafka_position(next), std::chrono::seconds(10));
  }
}

}  // namespace callstream::projector
