#include "partition_offsets.hpp"

#include <algorithm>

namespace callstream::projector {

void PartitionOffsets::assign(const PartitionKey& key, int64_t next) {
  std::lock_guard lock(mutex_);
  next_[key] = next;
}

void PartitionOffsets::revoke(const PartitionKey& key) {
  std::lock_guard lock(mutex_);
  next_.erase(key);
}

std::optional<int64_t> PartitionOffsets::next(const PartitionKey& key) const {
  std::lock_guard lock(mutex_);
  auto it = next_.find(key);
  if (it == next_.end()) return std::nullopt;
  return it->second;
}

bool PartitionOffsets::advance(const PartitionKey& key, int64_t next) {
  std::lock_guard lock(mutex_);
  auto it = next_.find(key);
  if (it == next_.end()) return false;
  it->second = next;
  return true;
}

std::vector<PartitionKey> PartitionOffsets::assigned() const {
  std::lock_guard lock(mutex_);
  std::vector<PartitionKey> keys;
  for (const auto& [key, next] : next_) keys.push_back(key);
  return keys;
}

std::vector<std::pair<PartitionKey, int64_t>> PartitionOffsets::follow(OffsetStore& store) {
  std::lock_guard lock(mutex_);
  std::vector<std::pair<PartitionKey, int64_t>> moved;
  for (auto& [key, next] : next_) {
    int64_t stored = store.load(key.first, key.second);
    if (stored == next) continue;
    moved.emplace_back(key, stored);
    next = stored;
  }
  return moved;
}

bool PartitionOffsets::reached(const std::map<std::string, std::vector<int64_t>>& ends) const {
  std::lock_guard lock(mutex_);
  for (const auto& [topic, partitions] : ends)
    for (size_t p = 0; p < partitions.size(); ++p) {
      if (partitions[p] == 0) continue;  // empty partition
      auto it = next_.find({topic, static_cast<int32_t>(p)});
      if (it == next_.end() || it->second < partitions[p]) return false;
    }
  return true;
}

int64_t PartitionOffsets::applied_through(
    const std::map<std::string, std::vector<int64_t>>& ends) const {
  std::lock_guard lock(mutex_);
  int64_t done = 0;
  for (const auto& [topic, partitions] : ends)
    for (size_t p = 0; p < partitions.size(); ++p)
      if (auto it = next_.find({topic, static_cast<int32_t>(p)}); it != next_.end())
        done += std::clamp<int64_t>(it->second, 0, partitions[p]);
  return done;
}

double PartitionOffsets::lag_of(const kafka::Consumer& consumer, const PartitionKey& key,
                                int64_t next) {
  int64_t high = consumer.high_watermark(key.first, key.second);
  return high < 0 ? 0.0 : static_cast<double>(high - (next < 0 ? 0 : next));
}

double PartitionOffsets::lag(const kafka::Consumer& consumer) const {
  std::lock_guard lock(mutex_);
  double lag = 0;
  for (const auto& [key, next] : next_) lag += lag_of(consumer, key, next);
  return lag;
}

double PartitionOffsets::lag(const kafka::Consumer& consumer, const PartitionKey& key) const {
  std::lock_guard lock(mutex_);
  auto it = next_.find(key);
  return it == next_.end() ? 0.0 : lag_of(consumer, key, it->second);
}

}  // namespace callstream::projector
