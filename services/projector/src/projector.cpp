#include "projector.hpp"

#include <chrono>
#include <future>
#include <thread>

#include "call_projection.hpp"
#include "callstream/core/log.hpp"
#include "callstream/core/time.hpp"
#include "callstream/pg/migrations.hpp"
#include "migration_files.hpp"
#include "offset_store.hpp"
#include "recording_projection.hpp"
#include "taskrouter_projection.hpp"

namespace callstream::projector {

namespace log = core::log;

int run_migrations(pg::Connection& c) {
  std::vector<std::pair<std::string, std::string>> files;
  for (auto path : migration_files::paths())
    files.emplace_back(std::string(path), std::string(*migration_files::file(path)));
  return pg::migrate(c, pg::migrations_from(files));
}

void write_settings(pg::Connection& c, const ProjectorConfig& config) {
  std::string sl = std::to_string(config.service_level_seconds);
  c.exec("write_settings",
         "INSERT INTO callstream_settings VALUES ('time_zone', $1), ('service_level_seconds', $2) "
         "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
         {config.time_zone, sl});
}

Projector::Projector(ProjectorConfig config, core::Registry& metrics)
    : config_(std::move(config)),
      metrics_(metrics),
      contract_(config_.topic_prefix),
      projections_(contract_),
      alert_rules_(config_.alerts, &metrics),
      deadletter_topic_(contract_.topic("callstream.deadletter.v1")),
      applied_(metrics.counter("callstream_projector_events_applied_total",
                               "Events applied to the read models")),
      duplicates_(metrics.counter("callstream_projector_duplicates_total",
                                  "Events already applied (same id)")),
      dead_letters_(metrics.counter("callstream_projector_dead_letters_total",
                                    "Events sent to the dead-letter topic")),
      fenced_(metrics.counter("callstream_projector_fenced_batches_total",
                              "Batches refused because another instance advanced the offset")),
      pg_errors_(metrics.counter("callstream_projector_pg_errors_total", "PostgreSQL errors")),
      batch_seconds_(metrics.histogram("callstream_projector_batch_seconds",
                                       "Time to apply and commit one partition batch",
                                       core::latency_buckets())),
      batch_events_(metrics.histogram("callstream_projector_batch_events",
                                      "Events in one partition batch",
                                      {1, 10, 50, 100, 500, 1000, 5000, 10000})),
      event_to_commit_seconds_(metrics.histogram("callstream_projector_event_to_commit_seconds",
                                                 "Event receive time to commit in PostgreSQL",
                                                 core::latency_buckets())) {
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

  kafka::ProducerSettings dps;
  dps.extra = config_.producer_properties;
  dps.brokers = config_.kafka_brokers;
  dps.client_id = "callstream-projector-dlq";
  dps.delivery_timeout = std::chrono::seconds(10);
  dlq_producer_ = std::make_unique<kafka::Producer>(std::move(dps));

  metrics.gauge_callback("callstream_projector_lag_events",
                         "Events in Kafka not yet applied, all partitions",
                         [this] { return lag(); });
}

double Projector::lag() const {
  if (!consumer_) return 0.0;
  std::lock_guard lock(offsets_mutex_);
  double lag = 0;
  for (const auto& [key, next] : expected_) {
    int64_t high = consumer_->high_watermark(key.first, key.second);
    if (high >= 0) lag += static_cast<double>(high - (next < 0 ? 0 : next));
  }
  return lag;
}

Projector::~Projector() = default;

void Projector::on_assigned(std::vector<kafka::TopicPartition>& partitions) {
  // Lag per partition: registered once per partition ever assigned (0 while not assigned here).
  for (const auto& tp : partitions) {
    Key key{tp.topic, tp.partition};
    if (!lag_registered_.insert(key).second) continue;
    metrics_.gauge_callback(
        "callstream_projector_partition_lag_events",
        "Events in Kafka not yet applied, per assigned partition",
        [this, key] {
          std::lock_guard lock(offsets_mutex_);
          auto it = expected_.find(key);
          if (it == expected_.end() || !consumer_) return 0.0;
          int64_t high = consumer_->high_watermark(key.first, key.second);
          return high < 0 ? 0.0 : static_cast<double>(high - (it->second < 0 ? 0 : it->second));
        },
        {{"topic", key.first}, {"partition", std::to_string(key.second)}});
  }
  for (;;) {
    try {
      OffsetStore store(*db_);
      std::lock_guard lock(offsets_mutex_);
      for (auto& tp : partitions) {
        int64_t next = store.load(tp.topic, tp.partition);
        expected_[{tp.topic, tp.partition}] = next;
        tp.offset = next == OffsetStore::kNone ? kafka::kOffsetBeginning : next;
        log::info("partition assigned", {{"topic", tp.topic},
                                         {"partition", std::to_string(tp.partition)},
                                         {"start_offset", std::to_string(next)}});
      }
      return;
    } catch (const pg::PgError& e) {
      pg_errors_.inc();
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
  std::lock_guard lock(offsets_mutex_);
  for (const auto& tp : partitions) {
    expected_.erase({tp.topic, tp.partition});
    log::info("partition revoked",
              {{"topic", tp.topic}, {"partition", std::to_string(tp.partition)}});
  }
}

void Projector::start_consumer() {
  kafka::ConsumerSettings cs;
  cs.brokers = config_.kafka_brokers;
  cs.group_id = config_.group_id;
  cs.client_id = "callstream-projector";
  cs.topics = projections_.topics();
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
    auto batch = consumer_->poll_batch(config_.batch_max, config_.poll_timeout);
    if (!batch.empty()) {
      apply_batch(batch);
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
                          const std::map<std::string, std::vector<int64_t>>& ends) {
  stop_ = &stop;
  start_consumer();
  auto caught_up = [&] {
    std::lock_guard lock(offsets_mutex_);
    for (const auto& [topic, partitions] : ends)
      for (size_t p = 0; p < partitions.size(); ++p) {
        if (partitions[p] == 0) continue;  // empty partition
        auto it = expected_.find({topic, static_cast<int32_t>(p)});
        if (it == expected_.end() || it->second < partitions[p]) return false;
      }
    return true;
  };
  auto last_report = std::chrono::steady_clock::now();
  bool done = false;
  while (!stop && !(done = caught_up())) {
    auto batch = consumer_->poll_batch(config_.batch_max, config_.poll_timeout);
    if (!batch.empty()) apply_batch(batch);
    if (std::chrono::steady_clock::now() - last_report > std::chrono::seconds(5)) {
      last_report = std::chrono::steady_clock::now();
      log::info("rebuilding", {{"applied", std::to_string(applied_.value())},
                               {"lag", std::to_string(static_cast<long long>(lag()))}});
    }
  }
  ready_ = false;
  consumer_->close(std::chrono::seconds(10));
  return done;
}

void Projector::follow_offset_changes() {
  try {
    OffsetStore store(*db_);
    std::vector<std::pair<Key, int64_t>> moved;
    {
      std::lock_guard lock(offsets_mutex_);
      for (auto& [key, next] : expected_) {
        int64_t stored = store.load(key.first, key.second);
        if (stored != next) {
          moved.emplace_back(key, stored);
          next = stored;
        }
      }
    }
    for (const auto& [key, stored] : moved) {
      log::warn("offsets in PostgreSQL moved (a rebuild, or by hand): following them",
                {{"topic", key.first},
                 {"partition", std::to_string(key.second)},
                 {"next_offset", std::to_string(stored)}});
      consumer_->seek(key.first, key.second,
                      stored == OffsetStore::kNone ? kafka::kOffsetBeginning : stored,
                      std::chrono::seconds(10));
    }
  } catch (const std::exception& e) {
    pg_errors_.inc();
    log::warn("cannot compare offsets with PostgreSQL", {{"error", e.what()}});
    recover();
  }
}

void Projector::apply_batch(std::vector<kafka::ConsumedMessage>& batch) {
  std::map<Key, std::vector<kafka::ConsumedMessage*>> by_partition;
  for (auto& m : batch) by_partition[{std::string(m.topic()), m.partition()}].push_back(&m);
  // Partitions are independent (a key lives in one partition, each has its own offset row), so
  // their batches are applied concurrently, one PostgreSQL connection each: while one waits for
  // its commit to be flushed, another works.
  std::vector<pg::Connection*> connections = {db_.get()};
  for (auto& w : workers_) connections.push_back(w.get());
  size_t lanes = std::min(connections.size(), by_partition.size());
  std::vector<std::vector<std::pair<const Key*, std::vector<kafka::ConsumedMessage*>*>>> work(
      lanes);
  size_t i = 0;
  for (auto& [key, messages] : by_partition) work[i++ % lanes].emplace_back(&key, &messages);
  auto run_lane = [&](size_t lane) {
    for (auto& [key, messages] : work[lane])
      if (!apply_partition(*key, *messages, *connections[lane])) return false;
    return true;
  };
  std::vector<std::future<bool>> others;
  for (size_t lane = 1; lane < lanes; ++lane)
    others.push_back(std::async(std::launch::async, run_lane, lane));
  bool ok = lanes == 0 || run_lane(0);
  for (auto& f : others) ok = f.get() && ok;
  // Everything not committed is re-read from the offsets PostgreSQL holds.
  if (!ok) recover();
}

bool Projector::apply_partition(const Key& key, std::vector<kafka::ConsumedMessage*>& messages,
                                pg::Connection& db) {
  int64_t expected;
  {
    std::lock_guard lock(offsets_mutex_);
    auto it = expected_.find(key);
    if (it == expected_.end()) return true;  // revoked meanwhile: the new owner reads these
    expected = it->second;
  }
  auto kind = projections_.kind(key.first);
  if (!kind) return true;
  // Messages below the stored offset were applied already (a re-delivery after a seek).
  std::vector<kafka::ConsumedMessage*> fresh_messages;
  std::set<std::string> keys;
  for (auto* m : messages) {
    if (expected != OffsetStore::kNone && m->offset() < expected) continue;
    fresh_messages.push_back(m);
    keys.emplace(m->key());
  }
  if (fresh_messages.empty()) return true;
  int64_t next = fresh_messages.back()->offset() + 1;

  auto started = std::chrono::steady_clock::now();
  try {
    pg::Transaction tx(db);
    SortedBatch sorted = sort_batch(key, *kind, fresh_messages, keys, db);
    TopicRows& rows = sorted.rows;
    std::vector<DeadLetter>& letters = sorted.letters;
    double oldest_received = sorted.oldest_received;
    // Dead letters are durable (topic and table) before the offset passes them. Only letters
    // met for the first time are here (the kept ones are held, not re-sent), so a rebuild that
    // reaches an offset before the live projector publishes the letter itself.
    for (const auto& l : letters) dead_letter(l);
    record_dead_letters(db, letters);
    int64_t fresh = projections_.apply(*kind, db, rows);
    // Alerts are written with the change that calls for them: a crash loses none, a replay
    // writes none twice (their keys are taken).
    if (!letters.empty()) alert_rules_.on_dead_letters(db);
    if (*kind == TopicKind::calls) alert_rules_.on_calls(db, rows.calls);
    if (*kind == TopicKind::recordings) alert_rules_.on_recordings(db, rows.events);
    OffsetStore store(db);
    if (!store.advance(key.first, key.second, expected, next)) {
      fenced_.inc();
      log::warn("batch fenced: another instance advanced this partition",
                {{"topic", key.first},
                 {"partition", std::to_string(key.second)},
                 {"expected", std::to_string(expected)}});
      return false;  // tx rolls back
    }
    tx.commit();
    applied_.inc(static_cast<uint64_t>(fresh));
    duplicates_.inc(rows.size() - static_cast<uint64_t>(fresh));
    batch_events_.observe(static_cast<double>(fresh_messages.size()));
    if (oldest_received >= 0) {
      double now =
          std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
              .count();
      event_to_commit_seconds_.observe(now - oldest_received);
    }
  } catch (const pg::PgError& e) {
    pg_errors_.inc();
    log::error("batch not applied", {{"topic", key.first},
                                     {"partition", std::to_string(key.second)},
                                     {"error", e.what()},
                                     {"sqlstate", e.sqlstate()}});
    return false;
  }
  {
    std::lock_guard lock(offsets_mutex_);
    if (expected_.count(key)) expected_[key] = next;
  }
  consumer_->store_offset(key.first, key.second, next);
  batch_seconds_.observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  return true;
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
    std::string error, received_at;
    if (!behind && projections_.decode(kind, m->value(), key.first, key.second, m->offset(),
                                       out.rows, &error, &received_at)) {
      if (auto t = core::parse_rfc3339(received_at)) {
        double secs = std::chrono::duration<double>(t->time_since_epoch()).count();
        if (out.oldest_received < 0 || secs < out.oldest_received) out.oldest_received = secs;
      }
      continue;
    }
    out.letters.push_back(
        DeadLetter{key.first, key.second, m->offset(), message_key,
                   std::string(m->header("ce_id").value_or("")), behind ? "parked" : "poison",
                   behind ? "parked behind an earlier dead letter of key " + message_key : error,
                   std::string(m->value())});
    book.open(message_key, m->offset());
  }
  return out;
}

void Projector::dead_letter(const DeadLetter& l) {
  kafka::Message dl;
  dl.topic = deadletter_topic_;
  dl.key = l.key;
  dl.value = l.value;
  dl.headers = {{"dlq_error", l.error},
                {"dlq_kind", l.kind},
                {"dlq_topic", l.topic},
                {"dlq_partition", std::to_string(l.partition)},
                {"dlq_offset", std::to_string(l.offset)}};
  if (!l.event_id.empty()) dl.headers.push_back({"ce_id", l.event_id});
  for (;;) {
    std::promise<kafka::DeliveryReport> done;
    dlq_producer_->publish(dl, [&done](const kafka::DeliveryReport& r) { done.set_value(r); });
    auto report = done.get_future().get();
    if (report.status == kafka::Delivery::persisted) break;
    log::error("dead letter not persisted; retrying", {{"error", report.error}});
    if (*stop_) throw std::runtime_error("stopping with an undelivered dead letter");
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  dead_letters_.inc();
  log::warn("event dead-lettered", {{"topic", l.topic},
                                    {"partition", std::to_string(l.partition)},
                                    {"offset", std::to_string(l.offset)},
                                    {"key", l.key},
                                    {"kind", l.kind},
                                    {"error", l.error}});
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
      pg_errors_.inc();
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
  std::vector<Key> keys;
  {
    std::lock_guard lock(offsets_mutex_);
    for (const auto& [key, next] : expected_) keys.push_back(key);
  }
  for (const auto& key : keys) {
    int64_t next = store.load(key.first, key.second);
    {
      std::lock_guard lock(offsets_mutex_);
      if (!expected_.count(key)) continue;
      expected_[key] = next;
    }
    consumer_->seek(key.first, key.second,
                    next == OffsetStore::kNone ? kafka::kOffsetBeginning : next,
                    std::chrono::seconds(10));
  }
}

}  // namespace callstream::projector
