#pragma once
#include <chrono>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace callstream::kafka {

// Any librdkafka property
// (https://github.com/confluentinc/librdkafka/blob/master/CONFIGURATION.md), applied after
// callstream's own defaults.
using Properties = std::map<std::string, std::string>;

class KafkaError : public std::runtime_error {
 public:
  KafkaError(const std::string& what, bool retryable)
      : std::runtime_error(what), retryable_(retryable) {}
  bool retryable() const { return retryable_; }

 private:
  bool retryable_;
};

struct ProducerSettings {
  std::string brokers;
  std::string client_id = "callstream";
  // Upper bound on a delivery (message.timeout.ms): the report always arrives within it.
  std::chrono::milliseconds delivery_timeout{5000};
  // The latency a message may wait to share a batch (linger.ms).
  std::chrono::milliseconds linger{1};
  Properties extra;
  // Called once on a fatal producer error (the idempotence guarantee is lost). The default logs
  // and exits the process with status 70, as librdkafka advises.
  std::function<void(const std::string&)> on_fatal;
};

struct ConsumerSettings {
  std::string brokers;
  std::string group_id;
  std::string client_id = "callstream";
  std::vector<std::string> topics;
  Properties extra;
};

struct Header {
  std::string name;
  std::string value;
};

struct Message {
  std::string topic;
  std::string key;
  std::string value;
  std::vector<Header> headers;
};

}  // namespace callstream::kafka
