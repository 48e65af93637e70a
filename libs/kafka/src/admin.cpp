#include "callstream/kafka/admin.hpp"

#include <librdkafka/rdkafka.h>

#include "handle.hpp"

namespace callstream::kafka {

void create_topics(const std::string& brokers, const std::vector<NewTopic>& topics,
                   std::chrono::milliseconds timeout) {
  if (topics.empty()) return;
  auto conf = detail::make_conf();
  detail::set(conf.get(), "bootstrap.servers", brokers);
  detail::route_logs(conf.get());
  auto rk = detail::make_client(RD_KAFKA_PRODUCER, std::move(conf));

  char err[512];
  std::vector<rd_kafka_NewTopic_t*> specs;
  auto destroy_specs = [&specs] {
    rd_kafka_NewTopic_destroy_array(specs.data(), specs.size());
  };
  for (const auto& t : topics) {
    rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(t.name.c_str(), t.partitions, t.replication_factor, err, sizeof err);
    if (!nt) {
      destroy_specs();
      throw KafkaError("topic " + t.name + ": " + err, false);
    }
    for (const auto& [k, v] : t.config) rd_kafka_NewTopic_set_config(nt, k.c_str(), v.c_str());
    specs.push_back(nt);
  }
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk.get());
  rd_kafka_AdminOptions_t* opts = rd_kafka_AdminOptions_new(rk.get(), RD_KAFKA_ADMIN_OP_CREATETOPICS);
  rd_kafka_AdminOptions_set_operation_timeout(opts, static_cast<int>(timeout.count()), err, sizeof err);
  rd_kafka_AdminOptions_set_request_timeout(opts, static_cast<int>(timeout.count()), err, sizeof err);
  rd_kafka_CreateTopics(rk.get(), specs.data(), specs.size(), opts, q);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q, static_cast<int>(timeout.count() + 1000));
  std::string failure;
  bool retryable = true;
  if (!ev) {
    failure = "no answer from " + brokers + " within " + std::to_string(timeout.count()) + " ms";
  } else if (rd_kafka_event_error(ev)) {
    failure = rd_kafka_event_error_string(ev);
  } else {
    size_t n = 0;
    const rd_kafka_topic_result_t** results = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
    for (size_t i = 0; i < n; ++i) {
      auto code = rd_kafka_topic_result_error(results[i]);
      if (code == RD_KAFKA_RESP_ERR_NO_ERROR || code == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) continue;
      const char* msg = rd_kafka_topic_result_error_string(results[i]);
      failure += std::string(failure.empty() ? "" : "; ") + rd_kafka_topic_result_name(results[i]) + ": " +
                 (msg ? msg : rd_kafka_err2str(code));
      retryable = false;
    }
  }
  if (ev) rd_kafka_event_destroy(ev);
  rd_kafka_AdminOptions_destroy(opts);
  rd_kafka_queue_destroy(q);
  destroy_specs();
  if (!failure.empty()) throw KafkaError("creating topics: " + failure, retryable);
}

}  // namespace callstream::kafka
