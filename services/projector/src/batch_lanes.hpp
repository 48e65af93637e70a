#pragma once
// Spreads one polled batch over the PostgreSQL connections. Partitions are independent (a key
// lives in one partition, each has its own offset row), so they are dealt over the connections
// and applied concurrently, a lane per connection: while one waits for its commit to be flushed,
// another works. A lane applies all its partitions in one transaction (Projector::apply_lane):
// one commit and one statement per read model for the lot, not for each partition.
#include <functional>
#include <map>
#include <vector>

#include "callstream/kafka/consumer.hpp"
#include "callstream/pg/connection.hpp"
#include "partition_offsets.hpp"

namespace callstream::projector {

using PartitionBatches = std::map<PartitionKey, std::vector<kafka::ConsumedMessage*>>;
using Lane = std::vector<const PartitionBatches::value_type*>;
using ApplyLane = std::function<bool(const Lane&, pg::Connection&)>;

// The batch's messages by partition, each partition's in offset order.
PartitionBatches by_partition(std::vector<kafka::ConsumedMessage>& batch);

// A further lane for each this many messages polled. A live load polls tens of messages at a
// time: one lane, one transaction, and each call's facts refreshed once for all its topics
// (lanes of one batch would each refresh the calls they share, and wait on each other's locks).
// A backlog polls thousands: its partitions spread over every connection.
inline constexpr size_t kMessagesPerLane = 500;

// Deals the partitions round-robin over `connections` (as many as kMessagesPerLane calls for)
// and applies each lane's partitions with `apply` (one thread per connection in use, the first
// on the caller's). False when any lane did not commit.
bool apply_in_lanes(PartitionBatches& batches, const std::vector<pg::Connection*>& connections,
                    const ApplyLane& apply);

}  // namespace callstream::projector
