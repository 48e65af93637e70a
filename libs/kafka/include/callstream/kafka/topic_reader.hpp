#pragma once
// Reads every partition of one topic from its beginning, outside any consumer group: for state
// a service rebuilds at start from a compacted topic (the opt-out list) and then follows live.
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "callstream/kafka/consumer.hpp"
#include "callstream/kafka/settings.hpp"

namespace callstream::kafka {

class TopicReader {
 public:
  // Assigns every partition of `topic` from offset 0. Throws KafkaError when the topic's
  // metadata cannot be had within `timeout`.
  TopicReader(const std::string& brokers, const std::string& topic, const std::string& client_id,
              std::chrono::milliseconds timeout);
  ~TopicReader();
  TopicReader(const TopicReader&) = delete;
  TopicReader& operator=(const TopicReader&) = delete;

  using OnMessage = std::function<void(const ConsumedMessage&)>;

  // Reads until every partition has reached the end it had when this was called. False if that
  // took longer than `timeout` (what was read has been handed over all the same).
  bool catch_up(const OnMessage& on_message, std::chrono::milliseconds timeout);
  // Hands over what arrives within `timeout`; returns how many messages.
  size_t poll(const OnMessage& on_message, std::chrono::milliseconds timeout);

 private:
  friend std::vector<int64_t> end_offsets(const std::string&, const std::string&,
                                          std::chrono::milliseconds);
  struct Handle;
  std::unique_ptr<Handle> handle_;
};

// The end (high watermark) of every partition of `topic`, asked of the brokers: index = partition.
// Throws KafkaError when they cannot say within `timeout`.
std::vector<int64_t> end_offsets(const std::string& brokers, const std::string& topic,
                                 std::chrono::milliseconds timeout);

}  // namespace callstream::kafka
