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

// Properties every Kafka client of this process starts from (security.protocol, sasl.*, ssl.*:
// what connecting to the cluster takes), set once at start-up from KAFKA_PROPERTIES. Each client's
// own settings are applied after them.
void set_common_properties(Properties properties);

// What KAFKA_PROPERTIES, KAFKA_PRODUCER_PROPERTIES and KAFKA_CONSUMER_PROPERTIES may not set:
// each has a variable of its own, or a guarantee (idempotent acks=all producer, offsets committed
// only with the read models) depends on its value.
inline const std::vector<std::string>& reserved_properties() {
  static const std::vector<std::string> kReserved = {"bootstrap.servers",
                                                     "metadata.broker.list",
                                                     "group.id",
                                                     "client.id",
                                                     "enable.idempotence",
                                                     "acks",
                                                     "request.required.acks",
                                                     "linger.ms",
                                                     "queue.buffering.max.ms",
                                                     "message.timeout.ms",
                                                     "delivery.timeout.ms",
                                                     "enable.auto.commit",
                                                     "enable.auto.offset.store",
                                                     "auto.offset.reset"};
  return kReserved;
}

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
  // The latency a message may wait to share a batch (linger.ms, which takes fractions).
  std::chrono::microseconds linger{500};
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
  // How long the group waits for a silent member before its partitions move to the others
  // (session.timeout.ms; heartbeats go at a sixth of it). 6 s is the least a Kafka broker accepts
  // by default (group.min.session.timeout.ms).
  std::chrono::milliseconds session_timeout{6000};
  // Static membership (group.instance.id, KIP-345) when set: a restarted member with the same id
  // takes its partitions back without a rebalance. Unique per live member; stable across restarts.
  std::string group_instance_id;
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
