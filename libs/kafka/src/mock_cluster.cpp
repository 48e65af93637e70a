#include "callstream/kafka/mock_cluster.hpp"

#include "handle.hpp"  // rdkafka.h first: rdkafka_mock.h requires it

#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <librdkafka/rdkafka_mock.h>

#include <algorithm>
#include <cstdlib>
#include <set>

namespace callstream::kafka {

struct MockCluster::Handle {
  detail::KafkaPtr rk{nullptr, rd_kafka_destroy};
  rd_kafka_mock_cluster_t* cluster = nullptr;
};

namespace {

// A Kafka broker answers with Nagle's algorithm off (its SocketServer sets TCP_NODELAY); the mock
// leaves it on, so a response written right after another waits for the client's delayed ACK
// (40 ms). Accepted sockets inherit TCP_NODELAY from their listener: this finds the brokers'
// listening sockets among the process's descriptors by their ports and sets it there.
void disable_nagle_on_listeners(const std::vector<int>& broker_ports) {
  std::set<int> ports(broker_ports.begin(), broker_ports.end());
  DIR* dir = ::opendir("/proc/self/fd");
  if (!dir) return;
  while (dirent* e = ::readdir(dir)) {
    int fd = std::atoi(e->d_name);
    int listening = 0;
    socklen_t len = sizeof listening;
    sockaddr_storage addr{};
    socklen_t addr_len = sizeof addr;
    if (fd <= 2 || ::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 ||
        !listening || ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &addr_len) != 0)
      continue;
    int port = -1;
    if (addr.ss_family == AF_INET)
      port = ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
    else if (addr.ss_family == AF_INET6)
      port = ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
    int one = 1;
    if (ports.count(port)) ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ::closedir(dir);
}

}  // namespace

MockCluster::MockCluster(int brokers) : handle_(std::make_unique<Handle>()), brokers_(brokers) {
  auto conf = detail::make_conf();
  detail::route_logs(conf.get());
  handle_->rk = detail::make_client(RD_KAFKA_PRODUCER, std::move(conf));
  handle_->cluster = rd_kafka_mock_cluster_new(handle_->rk.get(), brokers);
  if (!handle_->cluster) throw KafkaError("cannot start the mock Kafka cluster", false);
  disable_nagle_on_listeners(broker_ports());
}

MockCluster::~MockCluster() {
  if (handle_->cluster) rd_kafka_mock_cluster_destroy(handle_->cluster);
}

std::string MockCluster::bootstrap_servers() const {
  return rd_kafka_mock_cluster_bootstraps(handle_->cluster);
}

std::vector<int> MockCluster::broker_ports() const {
  std::string bootstrap = bootstrap_servers();  // "127.0.0.1:PORT,127.0.0.1:PORT,..."
  std::vector<int> ports;
  for (size_t at = 0; at < bootstrap.size();) {
    size_t end = std::min(bootstrap.find(',', at), bootstrap.size());
    size_t colon = bootstrap.rfind(':', end - 1);
    if (colon != std::string::npos && colon >= at)
      ports.push_back(std::atoi(bootstrap.substr(colon + 1, end - colon - 1).c_str()));
    at = end + 1;
  }
  return ports;
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
  // Taking a broker down replaced its listener (same port); it accepts again from here.
  disable_nagle_on_listeners(broker_ports());
}

}  // namespace callstream::kafka
