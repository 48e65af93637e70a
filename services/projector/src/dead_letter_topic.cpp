#include "dead_letter_topic.hpp"

#include <chrono>
#include <future>
#include <stdexcept>
#include <thread>

#include "callstream/core/log.hpp"

namespace callstream::projector {
namespace log = core::log;
namespace {

kafka::Message to_message(const std::string& topic, const DeadLetter& l) {
  kafka::Message m;
  m.topic = topic;
  m.key = l.key;
  m.value = l.value;
  m.headers = {{"dlq_error", l.error},
               {"dlq_kind", l.kind},
               {"dlq_topic", l.topic},
               {"dlq_partition", std::to_string(l.partition)},
               {"dlq_offset", std::to_string(l.offset)}};
  if (!l.event_id.empty()) m.headers.push_back({"ce_id", l.event_id});
  return m;
}

}  // namespace

DeadLetterTopic::DeadLetterTopic(const ProjectorConfig& config, std::string topic,
                                 core::Counter& published)
    : topic_(std::move(topic)), published_(published) {
  kafka::ProducerSettings settings;
  settings.extra = config.producer_properties;
  settings.brokers = config.kafka_brokers;
  settings.client_id = "callstream-projector-dlq";
  settings.delivery_timeout = std::chrono::seconds(10);
  producer_ = std::make_unique<kafka::Producer>(std::move(settings));
}

void DeadLetterTopic::publish(const DeadLetter& l, const std::atomic<bool>& stop) {
  kafka::Message message = to_message(topic_, l);
  for (;;) {
    std::promise<kafka::DeliveryReport> done;
    producer_->publish(message, [&done](const kafka::DeliveryReport& r) { done.set_value(r); });
    auto report = done.get_future().get();
    if (report.status == kafka::Delivery::persisted) break;
    log::error("dead letter not persisted; retrying", {{"error", report.error}});
    if (stop) throw std::runtime_error("stopping with an undelivered dead letter");
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  published_.inc();
  log::warn("event dead-lettered", {{"topic", l.topic},
                                    {"partition", std::to_string(l.partition)},
                                    {"offset", std::to_string(l.offset)},
                                    {"key", l.key},
                                    {"kind", l.kind},
                                    {"error", l.error}});
}

}  // namespace callstream::projector
