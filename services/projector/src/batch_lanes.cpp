#include "batch_lanes.hpp"

#include <algorithm>
#include <future>
#include <string>

namespace callstream::projector {

PartitionBatches by_partition(std::vector<kafka::ConsumedMessage>& batch) {
  PartitionBatches batches;
  for (auto& m : batch) batches[{std::string(m.topic()), m.partition()}].push_back(&m);
  return batches;
}

bool apply_in_lanes(PartitionBatches& batches, const std::vector<pg::Connection*>& connections,
                    const ApplyLane& apply) {
  size_t messages = 0;
  for (const auto& [key, partition] : batches) messages += partition.size();
  size_t lanes = std::min({connections.size(), batches.size(), 1 + messages / kMessagesPerLane});
  if (lanes == 0) return true;
  std::vector<Lane> work(lanes);
  size_t i = 0;
  for (auto& entry : batches) work[i++ % lanes].push_back(&entry);
  auto run_lane = [&](size_t lane) { return apply(work[lane], *connections[lane]); };
  std::vector<std::future<bool>> others;
  for (size_t lane = 1; lane < lanes; ++lane)
    others.push_back(std::async(std::launch::async, run_lane, lane));
  bool ok = run_lane(0);
  for (auto& f : others) ok = f.get() && ok;
  return ok;
}

}  // namespace callstream::projector
