#pragma once
// The consumer loop: each batch of one partition is applied in one PostgreSQL transaction that
// also advances that partition's offset (conditionally, fencing zombies). On assignment the
// consumer starts where PostgreSQL says. Events that cannot be decoded go to the dead-letter
// topic before the batch commits: nothing is skipped silently.
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "alert_rules.hpp"
#include "callstream/core/metrics.hpp"
#include "callstream/events/contract.hpp"
#include "callstream/kafka/consumer.hpp"
#include "callstream/kafka/producer.hpp"
#include "callstream/pg/connection.hpp"
#include "dead_letters.hpp"
#include "projector_config.hpp"
#include "topic_projections.hpp"

namespace callstream::projector {

// Applies pending migrations (under an advisory lock); returns how many ran.
int run_migrations(pg::Connection& c);
// Writes the settings the analytics views read (time zone, service level threshold).
void write_settings(pg::Connection& c, const ProjectorConfig& config);

class Projector : public kafka::RebalanceListener {
 public:
  Projector(ProjectorConfig config, core::Registry& metrics);
  ~Projector() override;

  // Consumes until `stop` becomes true; then leaves the group within a deadline.
  void run(const std::atomic<bool>& stop);
  // Consumes until every partition of `ends` (topic -> end offset per partition) is applied up
  // to its end, or `stop`. True when caught up.
  bool run_until(const std::atomic<bool>& stop,
                 const std::map<std::string, std::vector<int64_t>>& ends);
  bool ready() const { return ready_; }
  // Events in Kafka not yet applied, over the partitions assigned here.
  double lag() const;

  void on_assigned(std::vector<kafka::TopicPartition>& partitions) override;
  void on_revoked(const std::vector<kafka::TopicPartition>& partitions) override;

 private:
  using Key = std::pair<std::string, int32_t>;
  void apply_batch(std::vector<kafka::ConsumedMessage>& batch);
  // Applies one partition's messages; false when the transaction did not commit.
  bool apply_partition(const Key& key, std::vector<kafka::ConsumedMessage*>& messages,
                       pg::Connection& db);
  // A partition batch sorted by what the dead letters decide for each message (PartitionLetters):
  // the rows to apply, the letters to keep, and the oldest receive time among the rows.
  struct SortedBatch {
    TopicRows rows;
    std::vector<DeadLetter> letters;
    double oldest_received = -1;
  };
  SortedBatch sort_batch(const Key& key, TopicKind kind,
                         const std::vector<kafka::ConsumedMessage*>& messages,
                         const std::set<std::string>& keys, pg::Connection& db) const;
  // Publishes a dead letter to the dead-letter topic and waits until it is persisted.
  void dead_letter(const DeadLetter& letter);
  // After a PostgreSQL failure: reconnect (with backoff) and re-seek every partition to the
  // offset PostgreSQL holds, which settles an in-doubt COMMIT either way.
  void recover();
  void reload_offsets();
  // When idle: if PostgreSQL's offsets are not the ones this instance works from (a rebuild
  // swapped the read models in, an operator reset a partition), seek to PostgreSQL's.
  void follow_offset_changes();
  void start_consumer();

  ProjectorConfig config_;
  core::Registry& metrics_;
  events::Contract contract_;
  TopicProjections projections_;
  AlertRules alert_rules_;
  std::string deadletter_topic_;
  std::unique_ptr<pg::Connection> db_;                    // offsets, migrations, first lane
  std::vector<std::unique_ptr<pg::Connection>> workers_;  // further lanes of apply_batch
  std::unique_ptr<kafka::Producer> dlq_producer_;
  std::unique_ptr<kafka::Consumer> consumer_;
  const std::atomic<bool>* stop_ = nullptr;
  std::atomic<bool> ready_{false};

  mutable std::mutex offsets_mutex_;  // read by /metrics for lag
  std::map<Key, int64_t> expected_;   // assigned partitions -> next offset PostgreSQL holds
  std::set<Key> lag_registered_;      // partitions with a lag gauge (consumer thread only)

  core::Counter& applied_;
  core::Counter& duplicates_;
  core::Counter& dead_letters_;
  core::Counter& fenced_;
  core::Counter& pg_errors_;
  core::Histogram& batch_seconds_;
  core::Histogram& batch_events_;
  core::Histogram& event_to_commit_seconds_;
};

}  // namespace callstream::projector
