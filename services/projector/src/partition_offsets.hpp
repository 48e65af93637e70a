#pragma once
// Where each partition assigned to this instance stands: the next offset PostgreSQL holds for
// it. Written by the consumer thread (assignment, commits, seeks), read by /metrics for the lag,
// so every access takes the lock.
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "callstream/kafka/consumer.hpp"
#include "offset_store.hpp"

namespace callstream::projector {

using PartitionKey = std::pair<std::string, int32_t>;  // topic, partition

// Kafka's position for a stored offset: the beginning when nothing was applied yet.
inline int64_t kafka_position(int64_t stored) {
  return stored == OffsetStore::kNone ? kafka::kOffsetBeginning : stored;
}

class PartitionOffsets {
 public:
  void assign(const PartitionKey& key, int64_t next);
  void revoke(const PartitionKey& key);
  // The next offset to apply, or nothing when the partition is not assigned here (any more).
  std::optional<int64_t> next(const PartitionKey& key) const;
  // Records where a partition stands now; false (and nothing recorded) when it was revoked.
  bool advance(const PartitionKey& key, int64_t next);
  std::vector<PartitionKey> assigned() const;
  // Takes PostgreSQL's offset for every partition whose offset there differs from the one held
  // here; returns those partitions with their new offset.
  std::vector<std::pair<PartitionKey, int64_t>> follow(OffsetStore& store);
  // True when every non-empty partition of `ends` (topic -> end offset per partition) is
  // assigned here and applied up to its end.
  bool reached(const std::map<std::string, std::vector<int64_t>>& ends) const;
  // How many messages of `ends` are behind the assigned partitions' next offsets: a rebuild's
  // progress.
  int64_t applied_through(const std::map<std::string, std::vector<int64_t>>& ends) const;

  // Events in Kafka not yet applied: over every assigned partition, or one (0 if not assigned).
  double lag(const kafka::Consumer& consumer) const;
  double lag(const kafka::Consumer& consumer, const PartitionKey& key) const;

 private:
  static double lag_of(const kafka::Consumer& consumer, const PartitionKey& key, int64_t next);

  mutable std::mutex mutex_;
  std::map<PartitionKey, int64_t> next_;
};

}  // namespace callstream::projector
