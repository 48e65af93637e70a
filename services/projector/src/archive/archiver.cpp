#include "archiver.hpp"

#include <signal.h>

#include <filesystem>
#include <map>
#include <ostream>
#include <set>
#include <thread>

#include "alert_rules.hpp"
#include "archive_events.hpp"
#include "archive_job.hpp"
#include "callstream/core/log.hpp"
#include "callstream/events/contract.hpp"
#include "callstream/kafka/producer.hpp"
#include "callstream/pg/connection.hpp"
#include "dead_letter_topic.hpp"
#include "dead_letters.hpp"
#include "projector_metrics.hpp"
#include "recording_copier.hpp"
#include "schema_setup.hpp"

namespace callstream::projector::archive {
namespace log = core::log;
namespace {

// A message of a batch and what the archiver makes of it.
struct Work {
  kafka::ConsumedMessage* message = nullptr;
  std::optional<ArchiveJob> job;  // none: nothing to copy (another status, a duplicate)
  std::string undecodable;        // why a completed recording cannot be copied
  CopyResult result;
};

kafka::ProducerSettings producer_settings(const ProjectorConfig& config) {
  kafka::ProducerSettings s;
  s.brokers = config.kafka_brokers;
  s.client_id = "callstream-archive";
  s.extra = config.producer_properties;
  return s;
}

constexpr const char* kOpenArchiveLetters = R"sql(
SELECT id, value FROM dead_letters
WHERE consumer = 'archive' AND resolved_at IS NULL AND ($1::text IS NULL OR message_key = $1)
ORDER BY id)sql";
constexpr const char* kLetterRedriven =
    "UPDATE dead_letters SET resolved_at = now(), resolution = 'redriven' WHERE id = $1";
constexpr const char* kLetterStillFails = "UPDATE dead_letters SET error = $2 WHERE id = $1";

// Temporary files of archivers that died mid-copy (callstream-archive-PID-...): their process is
// gone, and the recording is redone from the start anyway.
void remove_stale_files(const std::string& dir) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    if (!name.starts_with("callstream-archive-")) continue;
    long pid = std::strtol(name.c_str() + 19, nullptr, 10);
    if (pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) {
      std::filesystem::remove(entry.path(), ec);
      log::info("removed a dead archiver's temporary file", {{"path", entry.path().string()}});
    }
  }
}

}  // namespace

struct Archiver::Impl {
  Impl(const ProjectorConfig& c, core::Registry& registry)
      : config(c),
        metrics(registry),
        contract(c.topic_prefix),
        zone(*core::TimeZone::locate(c.time_zone)),
        producer(producer_settings(c)),
        copier(c.archive, contract, producer, zone, metrics),
        alerts(c.alerts, &registry),
        letters(c, contract.topic("callstream.deadletter.v1"),
                metrics.recordings.at({{"outcome", "dead_lettered"}})) {
    pg::ConnectionSettings ps{c.database_url, "callstream-archive", c.statement_timeout_ms};
    for (int i = 0; i < c.archive.concurrency; ++i)
      db.push_back(std::make_unique<pg::Connection>(ps));
    run_migrations(*db.front());
    remove_stale_files(c.archive.tmp_dir);
  }

  std::vector<Work> jobs_of(std::vector<kafka::ConsumedMessage>& batch);
  // Copies the batch's recordings, `db.size()` at a time.
  void copy_all(std::vector<Work>& works, const std::atomic<bool>& stop);
  // False when the batch must be read again (stopping, PostgreSQL away).
  bool settle(std::vector<Work>& works, const std::atomic<bool>& stop);
  void give_up(const Work& w, const std::string& reason, const std::atomic<bool>& stop);
  void store_offsets(const std::vector<kafka::ConsumedMessage>& batch);
  void rewind(const std::vector<kafka::ConsumedMessage>& batch);
  void reconnect();

  const ProjectorConfig& config;
  ArchiveMetrics metrics;
  events::Contract contract;
  core::TimeZone zone;
  kafka::Producer producer;
  RecordingCopier copier;
  AlertRules alerts;
  DeadLetterTopic letters;
  std::vector<std::unique_ptr<pg::Connection>> db;  // one per concurrent copy
  std::unique_ptr<kafka::Consumer> consumer;
};

Archiver::Archiver(const ProjectorConfig& config, core::Registry& metrics)
    : impl_(std::make_unique<Impl>(config, metrics)) {}

Archiver::~Archiver() = default;

void Archiver::on_assigned(std::vector<kafka::TopicPartition>& partitions) {
  for (auto& tp : partitions) tp.offset = kafka::kOffsetStored;  // the ledger makes redoing safe
}

void Archiver::on_revoked(const std::vector<kafka::TopicPartition>&) {}

void Archiver::run(const std::atomic<bool>& stop) {
  kafka::ConsumerSettings cs;
  cs.brokers = impl_->config.kafka_brokers;
  cs.group_id = impl_->config.group_id + "-archive";
  cs.client_id = "callstream-archive";
  cs.topics = {impl_->contract.topic(kRecordingsTopic)};
  cs.session_timeout = impl_->config.session_timeout;
  cs.group_instance_id = impl_->config.group_instance_id;
  cs.extra = impl_->config.consumer_properties;
  impl_->consumer = std::make_unique<kafka::Consumer>(std::move(cs), *this);
  ready_ = true;
  log::info("archiving",
            {{"group", impl_->config.group_id + "-archive"},
             {"bucket", impl_->config.archive.s3.bucket},
             {"delete_at_twilio", impl_->config.archive.delete_at_twilio ? "true" : "false"}});
  while (!stop) {
    auto batch = impl_->consumer->poll_batch(static_cast<size_t>(impl_->db.size()) * 4,
                                             std::chrono::milliseconds(500));
    if (batch.empty()) continue;
    auto works = impl_->jobs_of(batch);
    impl_->copy_all(works, stop);
    if (impl_->settle(works, stop))
      impl_->store_offsets(batch);
    else if (!stop)
      impl_->rewind(batch);
  }
  ready_ = false;
  impl_->consumer->close(std::chrono::seconds(10));
  log::info("archiver stopped");
}

// Completed recordings become jobs, once each per batch (a redelivery beside the original).
std::vector<Work> Archiver::Impl::jobs_of(std::vector<kafka::ConsumedMessage>& batch) {
  std::vector<Work> works;
  std::set<std::string> seen;
  for (auto& m : batch) {
    Work w{&m, std::nullopt, "", {}};
    auto job = archive_job(m.value());
    if (!job)
      w.undecodable = job.error().message;
    else if (*job && seen.insert((*job)->recording_sid).second)
      w.job = std::move(**job);
    else
      continue;
    works.push_back(std::move(w));
  }
  return works;
}

void Archiver::Impl::copy_all(std::vector<Work>& works, const std::atomic<bool>& stop) {
  std::atomic<size_t> next{0};
  auto worker = [&](pg::Connection& c) {
    for (size_t i; (i = next++) < works.size();) {
      if (!works[i].job) continue;
      metrics.in_flight.add(1);
      try {
        works[i].result = copier.copy(*works[i].job, c, stop);
      } catch (const pg::PgError& e) {
        log::error("archive ledger unreachable", {{"error", e.what()}});
        works[i].result = {Outcome::stopped, ""};
      }
      metrics.in_flight.add(-1);
    }
  };
  std::vector<std::thread> threads;
  for (size_t t = 1; t < db.size() && t < works.size(); ++t)
    threads.emplace_back(worker, std::ref(*db[t]));
  worker(*db.front());
  for (auto& t : threads) t.join();
}

bool Archiver::Impl::settle(std::vector<Work>& works, const std::atomic<bool>& stop) {
  try {
    for (const auto& w : works) {
      if (!w.undecodable.empty()) {
        give_up(w, w.undecodable, stop);
        continue;
      }
      switch (w.result.outcome) {
        case Outcome::stopped:
          return false;
        case Outcome::gave_up:
          give_up(w, w.result.reason, stop);
          break;
        case Outcome::archived:
          metrics.recordings.at({{"outcome", "archived"}}).inc();
          break;
        case Outcome::duplicate:
          metrics.recordings.at({{"outcome", "duplicate"}}).inc();
          break;
      }
    }
    return true;
  } catch (const std::exception& e) {  // PostgreSQL away, or stopping with a letter unsent
    log::error("archive batch not settled; it is read again", {{"error", e.what()}});
    reconnect();
    return false;
  }
}

void Archiver::Impl::give_up(const Work& w, const std::string& reason,
                             const std::atomic<bool>& stop) {
  const kafka::ConsumedMessage& m = *w.message;
  DeadLetter l{std::string(m.topic()),
               m.partition(),
               m.offset(),
               std::string(m.key()),
               std::string(m.header("ce_id").value_or("")),
               "poison",
               "archive: " + reason,
               std::string(m.value()),
               "archive"};
  letters.publish(l, stop);
  pg::Connection& c = *db.front();
  pg::Transaction tx(c);
  record_dead_letters(c, {l});
  if (w.job) alerts.on_archive_failure(c, w.job->recording_sid, reason);
  tx.commit();
  log::error("recording not archived",
             {{"recording_sid", w.job ? w.job->recording_sid : ""}, {"error", reason}});
}

void Archiver::Impl::store_offsets(const std::vector<kafka::ConsumedMessage>& batch) {
  std::map<std::pair<std::string, int32_t>, int64_t> next;
  for (const auto& m : batch) {
    auto& n = next[{std::string(m.topic()), m.partition()}];
    n = std::max(n, m.offset() + 1);
  }
  for (const auto& [tp, offset] : next) consumer->store_offset(tp.first, tp.second, offset);
}

void Archiver::Impl::rewind(const std::vector<kafka::ConsumedMessage>& batch) {
  std::map<std::pair<std::string, int32_t>, int64_t> first;
  for (const auto& m : batch) {
    auto [it, fresh] =
        first.emplace(std::make_pair(std::string(m.topic()), m.partition()), m.offset());
    if (!fresh) it->second = std::min(it->second, m.offset());
  }
  std::this_thread::sleep_for(std::chrono::seconds(1));
  for (const auto& [tp, offset] : first)
    consumer->seek(tp.first, tp.second, offset, std::chrono::seconds(10));
}

void Archiver::Impl::reconnect() {
  for (auto& c : db) try {
      if (!c->healthy()) c->reconnect();
    } catch (const pg::PgError& e) {
      log::warn("waiting for PostgreSQL", {{"error", e.what()}});
    }
}

int64_t Archiver::redrive(const std::optional<std::string>& key, std::ostream& out) {
  pg::Connection& c = *impl_->db.front();
  auto open = c.exec("archive_letters", kOpenArchiveLetters, {key ? pg::Param(*key) : pg::Param()});
  std::atomic<bool> never{false};
  int64_t archived = 0;
  for (int i = 0; i < open.rows(); ++i) {
    std::string id(open.get(i, "id"));
    auto job = archive_job(from_bytea_hex(open.get(i, "value")));
    CopyResult r{Outcome::gave_up, job ? "not a completed recording" : job.error().message};
    if (job && *job) r = impl_->copier.copy(**job, c, never);
    if (r.outcome == Outcome::archived || r.outcome == Outcome::duplicate) {
      c.exec("archive_letter_redriven", kLetterRedriven, {id});
      out << "archive letter " << id << ": " << (*job)->recording_sid << " archived\n";
      ++archived;
    } else {
      c.exec("archive_letter_still_fails", kLetterStillFails, {id, "archive: " + r.reason});
      out << "archive letter " << id << " still fails (" << r.reason << "); left open\n";
    }
  }
  return archived;
}

}  // namespace callstream::projector::archive
