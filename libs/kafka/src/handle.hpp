#pragma once
// RAII over librdkafka handles (private to libs/kafka).
#include <librdkafka/rdkafka.h>

#include <memory>
#include <string>

#include "callstream/kafka/settings.hpp"

namespace callstream::kafka::detail {

using KafkaPtr = std::unique_ptr<rd_kafka_t, void (*)(rd_kafka_t*)>;
using ConfPtr = std::unique_ptr<rd_kafka_conf_t, void (*)(rd_kafka_conf_t*)>;
using PartitionListPtr =
    std::unique_ptr<rd_kafka_topic_partition_list_t, void (*)(rd_kafka_topic_partition_list_t*)>;

ConfPtr make_conf();
// Sets one property; throws KafkaError naming it on a bad value.
void set(rd_kafka_conf_t* conf, const std::string& name, const std::string& value);
void set_all(rd_kafka_conf_t* conf, const Properties& props);
// Creates the client; takes ownership of conf on success.
KafkaPtr make_client(rd_kafka_type_t type, ConfPtr conf);
// Forwards librdkafka's log lines to callstream's structured log.
void route_logs(rd_kafka_conf_t* conf);

PartitionListPtr make_list(int size);

}  // namespace callstream::kafka::detail
