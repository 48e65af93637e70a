#pragma once
// librdkafka's mock cluster: a real Kafka-protocol broker set, in memory, in this process,
// reachable over TCP on loopback by any Kafka client. For devkafka and for tests.
#include <memory>
#include <string>
#include <vector>

namespace callstream::kafka {

class MockCluster {
 public:
  explicit MockCluster(int brokers = 3);
  ~MockCluster();
  MockCluster(const MockCluster&) = delete;
  MockCluster& operator=(const MockCluster&) = delete;

  std::string bootstrap_servers() const;
  // The brokers' TCP ports on loopback, in broker order.
  std::vector<int> broker_ports() const;
  void create_topic(const std::string& name, int partitions, int replication_factor);
  // Brokers are numbered from 1. A down broker refuses connections until set up again.
  void set_broker_down(int broker_id);
  void set_broker_up(int broker_id);
  int broker_count() const { return brokers_; }

 private:
  struct Handle;
  std::unique_ptr<Handle> handle_;
  int brokers_;
};

}  // namespace callstream::kafka
