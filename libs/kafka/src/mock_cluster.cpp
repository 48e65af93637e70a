#include "callstream/kafka/mock_cluster.hpp"

#include "handle.hpp"  // rdkafka.h first: rdkafka_mock.h requires it

#include <librdkafka/rdkafka_mock.h>

namespace callstream::kafka {

struct MockCluster::Handle {
  detail::KafkaPtr rk{nullptr, rd_kafka_destroy};
  rd_kafka_mock_cluster_t* cluster = nullptr;
};

MockCluster::MockCluster(int brokers) : handle_(std::make_unique<Handle>()), brokers_(brokers) {
  auto conf = detail::make_conf();
  detail::route_logs(conf.get());
  handle_->rk = detail::make_client(RD_KAFKA_PRODUCER, std::move(conf));
  handle_->cluster = rd_kafka_mock_cluster_new(handle_->rk.get(), brokers);
  if (!handle_->cluster) throw KafkaError("cannot start the mock Kafka cluster", false);
}

MockCluster::~MockCluster() {
  if (handle_->cluster) rd_kafka_mock_cluster_destroy(handle_->cluster);
}

std::string MockCluster::bootstrap_servers() const {
  return rd_kafka_mock_cluster_bootstraps(handle_->cluster);
}

void MockCluster::create_topic(const std::string& name, int partitions, int replication_factor) {
  if (replication_factor > brokers_) replication_factor = brokers_;
  if (auto err = rd_kafka_mock_topic_create(handle_->cluster, name.c_str(), partitions,
                                            replication_factor))
    throw KafkaError("mock topic " + name + ": " + rd_kafka_err2str(err), false);
}

void MockCluster::set_broker_down(int broker_id) {
  rd_kafka_mock_broker_set_down(handle_->cluster, broker_id);
}
void MockCluster::set_broker_up(int broker_id) {
  rd_kafka_mock_broker_set_up(handle_->cluster, broker_id);
}

}  // namespace callstream::kafka
