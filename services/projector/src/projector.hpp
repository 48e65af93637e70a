#pragma once
// The consumer loop: a polled batch is spread over the PostgreSQL connections by partition
// (batch_lanes), and each connection applies its partitions' messages in one transaction that
// also advances those partitions' offsets (conditionally, fencing zombies). On assignment the
// consumer starts where PostgreSQL says. Events that cannot be decoded go to the dead-letter
// topic before the batch commits: nothing is skipped silently.
//
// Its parts, each in its own file: schema_setup (migrations, settings), partition_offsets (where
// each assigned partition stands), batch_lanes (a batch spread over the connections),
// dead_letter_topic and dead_letters (letters published, then recorded); this file holds the
// loop and the transaction of one partition batch.
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "alert_rules.hpp"
#include "batch_lanes.hpp"
#include "callstream/core/metrics.hpp"
#include "callstream/core/progress.hpp"
#include "callstream/events/contract.hpp"
#include "callstream/kafka/consumer.hpp"
#include "callstream/pg/connection.hpp"
#include "dead_letter_topic.hpp"
#include "dead_letters.hpp"
#include "kpi_rollups.hpp"
#include "partition_offsets.hpp"
#include "projector_config.hpp"
#include "projector_metrics.hpp"
#include "schema_setup.hpp"
#include "topic_projections.hpp"

namespace callstream::projector {

class Projector : public kafka::RebalanceListener {
 public:
  Projector(ProjectorConfig config, core::Registry& metrics);
  ~Projector() override;

  // Consumes until `stop` becomes true; then leaves the group within a deadline.
  void run(const std::atomic<bool>& stop);
  // Consumes until every partition of `ends` (topic -> end offset per partition) is applied up
  // to its end, or `stop`, telling `progress` how far. True when caught up.
  bool run_until(const std::atomic<bool>& stop,
                 const std::map<std::string, std::vector<int64_t>>& ends, core::Progress& progress);
  bool ready() const { return ready_; }
  // Events in Kafka not yet applied, over the partitions assigned here.
  double lag() const;

  void on_assigned(std::vector<kafka::TopicPartition>& partitions) override;
  void on_revoked(const std::vector<kafka::TopicPartition>& partitions) override;

 private:
  using Key = PartitionKey;
  void apply_batch(std::vector<kafka::ConsumedMessage>& batch);
  // Applies a lane's partition batches in one transaction; false when it did not commit.
  bool apply_lane(const Lane& lane, pg::Connection& db);
  // The messages of a partition batch not applied yet (a re-delivery after a seek repeats some),
  // and their keys.
  struct Unapplied {
    std::vector<kafka::ConsumedMessage*> messages;
    std::set<std::string> keys;
  };
  static Unapplied unapplied(int64_t expected, const std::vector<kafka::ConsumedMessage*>& all);
  // One partition's part of a lane's transaction: what to apply, and its offset moving from
  // `expected` to `next`.
  struct PartitionWork {
    Key key;
    TopicKind kind;
    Unapplied batch;
    int64_t expected;
    int64_t next;
  };
  // The lane's partitions that have messages to apply (none revoked meanwhile).
  std::vector<PartitionWork> lane_work(const Lane& lane) const;
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
  // What one committed lane transaction did, for the metrics.
  struct Applied {
    int64_t fresh = 0;  // rows that changed the read models (the others were duplicates)
    uint64_t rows = 0;
    size_t messages = 0;
    double oldest_received = -1;
    std::vector<std::string> ignored;  // Event Streams types no read model uses
  };
  // The rows of a lane's partitions, sorted, their dead letters published and recorded, and
  // what each partition will announce once applied.
  struct LaneRows {
    TopicRows rows;
    bool letters = false;
    std::vector<std::pair<const PartitionWork*, std::vector<TopicKind>>> announcements;
    Applied applied;
  };
  LaneRows sort_lane(const std::vector<PartitionWork>& work, pg::Connection& db) const;
  // The transaction of one lane: its partitions' rows applied at once, alerts written, every
  // offset advanced. Nothing when one partition was fenced (all rolled back).
  std::optional<Applied> apply_and_advance(const std::vector<PartitionWork>& work,
                                           pg::Connection& db);
  bool advance_offsets(const std::vector<PartitionWork>& work, pg::Connection& db);
  void raise_alerts(const TopicRows& rows, bool letters, pg::Connection& db) const;
  void announce(TopicKind kind, const std::vector<TopicKind>& changed,
                const std::set<std::string>& keys, pg::Connection& db) const;
  void observe(const Applied& applied, std::chrono::steady_clock::time_point started);
  // After a PostgreSQL failure: reconnect (with backoff) and re-seek every partition to the
  // offset PostgreSQL holds, which settles an in-doubt COMMIT either way.
  void recover();
  void reload_offsets();
  // When idle: if PostgreSQL's offsets are not the ones this instance works from (a rebuild
  // swapped the read models in, an operator reset a partition), seek to PostgreSQL's.
  void follow_offset_changes();
  void start_consumer();
  void register_lag(const std::vector<kafka::TopicPartition>& partitions);
  void load_offsets(std::vector<kafka::TopicPartition>& partitions);

  ProjectorConfig config_;
  ProjectorMetrics metrics_;
  events::Contract contract_;
  TopicProjections projections_;
  AlertRules alert_rules_;
  std::unique_ptr<pg::Connection> db_;                    // offsets, migrations, first lane
  std::vector<std::unique_ptr<pg::Connection>> workers_;  // further lanes of apply_batch
  std::unique_ptr<DeadLetterTopic> dead_letters_;
  std::unique_ptr<kafka::Consumer> consumer_;
  KpiCompaction compaction_;
  const std::atomic<bool>* stop_ = nullptr;
  std::atomic<bool> ready_{false};

  PartitionOffsets offsets_;      // assigned partitions -> next offset PostgreSQL holds
  std::set<Key> lag_registered_;  // partitions with a lag gauge (consumer thread only)
};

}  // namespace callstream::projector
