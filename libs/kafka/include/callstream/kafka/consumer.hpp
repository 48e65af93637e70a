#pragma once
// A group consumer with manual offsets: on assignment the listener says where each partition
// starts (offsets kept outside Kafka), and the caller stores offsets only for lag monitoring.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "callstream/kafka/settings.hpp"

struct rd_kafka_message_s;

namespace callstream::kafka {

inline constexpr int64_t kOffsetBeginning = -2;
// The group's committed offset (auto.offset.reset applies when there is none): for consumers
// whose effects are idempotent by themselves, such as the archiver.
inline constexpr int64_t kOffsetStored = -1000;

struct TopicPartition {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = kOffsetBeginning;  // where to start; filled in by the listener
};

class RebalanceListener {
 public:
  virtual ~RebalanceListener() = default;
  // Partitions newly assigned: set each one's starting offset.
  virtual void on_assigned(std::vector<TopicPartition>& partitions) = 0;
  // Partitions taken away: stop working on them.
  virtual void on_revoked(const std::vector<TopicPartition>& partitions) = 0;
};

class ConsumedMessage {
 public:
  explicit ConsumedMessage(rd_kafka_message_s* m);
  ConsumedMessage(ConsumedMessage&&) noexcept;
  ConsumedMessage& operator=(ConsumedMessage&&) noexcept;
  ~ConsumedMessage();

  std::string_view topic() const;
  int32_t partition() const;
  int64_t offset() const;
  std::string_view key() const;
  std::string_view value() const;
  std::optional<std::string_view> header(const char* name) const;
  // Broker/producer timestamp in ms since the epoch, or -1.
  int64_t timestamp_ms() const;

 private:
  rd_kafka_message_s* m_;
};

class Consumer {
 public:
  Consumer(ConsumerSettings settings, RebalanceListener& listener);
  ~Consumer();  // close() with a 10 s deadline
  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;

  // Up to `max` messages, waiting at most `timeout` for the first. Rebalance callbacks run in
  // here, on the caller's thread.
  // With `linger`, it keeps collecting for that long after the first message (fewer, larger
  // batches for a little latency).
  std::vector<ConsumedMessage> poll_batch(size_t max, std::chrono::milliseconds timeout,
                                          std::chrono::milliseconds linger = {});

  // Moves the fetch position of an assigned partition (after a fenced batch, to re-read).
  void seek(const std::string& topic, int32_t partition, int64_t offset,
            std::chrono::milliseconds timeout);

  // Records the next offset to read, committed in the background for lag monitoring only.
  void store_offset(const std::string& topic, int32_t partition, int64_t next_offset);

  // High watermark of a partition as last seen by the fetcher (cached, no request), or -1.
  int64_t high_watermark(const std::string& topic, int32_t partition) const;

  std::vector<TopicPartition> assignment() const;

  // Leaves the group; waits at most `timeout` (a close without a deadline can hang forever
  // against unreachable brokers). Idempotent.
  void close(std::chrono::milliseconds timeout);

 private:
  struct Handle;
  std::unique_ptr<Handle> handle_;
};

}  // namespace callstream::kafka
