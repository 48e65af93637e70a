#pragma once
// The dead-letter topic: a letter is published there, and persisted, before the batch that met
// it commits (docs/operations.md, "Dead letters").
#include <atomic>
#include <memory>
#include <string>

#include "callstream/core/metrics.hpp"
#include "callstream/kafka/producer.hpp"
#include "dead_letters.hpp"
#include "projector_config.hpp"

namespace callstream::projector {

class DeadLetterTopic {
 public:
  DeadLetterTopic(const ProjectorConfig& config, std::string topic, core::Counter& published);

  // Publishes `letter` and waits until Kafka persisted it, retrying each second; throws when
  // `stop` is set while the letter is still undelivered (the batch must not commit then).
  void publish(const DeadLetter& letter, const std::atomic<bool>& stop);

 private:
  std::string topic_;
  core::Counter& published_;
  std::unique_ptr<kafka::Producer> producer_;
};

}  // namespace callstream::projector
