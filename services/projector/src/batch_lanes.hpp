#pragma once
// Spreads one polled batch over the PostgreSQL connections. Partitions are independent (a key
// lives in one partition, each has its own offset row), so their batches are applied
// concurrently, one connection each: while one waits for its commit to be flushed, another works.
#include <functional>
#include <map>
#include <vector>

#include "callstream/kafka/consumer.hpp"
#include "callstream/pg/connection.hpp"
#include "partition_offsets.hpp"

namespace callstream::projector {

using PartitionBatches = std::map<PartitionKey, std::vector<kafka::ConsumedMessage*>>;
using ApplyPartition = std::function<bool(const PartitionKey&,
                                          std::vector<kafka::ConsumedMessage*>&, pg::Connection&)>;

// The batch's messages by partition, each partition's in offset order.
PartitionBatches by_partition(std::vector<kafka::ConsumedMessage>& batch);

// Applies every partition's messages with `apply`, the partitions dealt round-robin over
// `connections` (one thread per connection in use, the first on the caller's). A lane stops at
// its first partition that did not commit. False when any partition did not commit.
bool apply_in_lanes(PartitionBatches& batches, const std::vector<pg::Connection*>& connections,
                    const ApplyPartition& apply);

}  // namespace callstream::projector
