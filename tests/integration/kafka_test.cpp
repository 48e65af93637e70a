// libs/kafka against librdkafka's mock cluster (a real Kafka-protocol broker set on loopback).
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <future>
#include <thread>

#include "callstream/kafka/consumer.hpp"
#include "callstream/kafka/mock_cluster.hpp"
#include "callstream/kafka/producer.hpp"
#include "callstream/kafka/topic_reader.hpp"

using namespace callstream;
using namespace std::chrono_literals;

namespace {

kafka::DeliveryReport publish_and_wait(kafka::Producer& p, const kafka::Message& m) {
  std::promise<kafka::DeliveryReport> done;
  p.publish(m, [&done](const kafka::DeliveryReport& r) { done.set_value(r); });
  return done.get_future().get();
}

struct StartAt : kafka::RebalanceListener {
  int64_t offset;
  std::atomic<int> assigned{0};
  explicit StartAt(int64_t o) : offset(o) {}
  void on_assigned(std::vector<kafka::TopicPartition>& parts) override {
    for (auto& tp : parts) tp.offset = offset;
    assigned += static_cast<int>(parts.size());
  }
  void on_revoked(const std::vector<kafka::TopicPartition>&) override {}
};

std::vector<std::string> consume(kafka::Consumer& c, size_t want, std::chrono::seconds deadline) {
  std::vector<std::string> out;
  auto until = std::chrono::steady_clock::now() + deadline;
  while (out.size() < want && std::chrono::steady_clock::now() < until)
    for (auto& m : c.poll_batch(100, 100ms)) out.emplace_back(m.value());
  return out;
}

int port_of(const sockaddr_storage& a) {
  return a.ss_family == AF_INET ? ntohs(reinterpret_cast<const sockaddr_in&>(a).sin_port) : -1;
}

// Connects to the broker at `port` and returns TCP_NODELAY of the socket the broker (in this
// process) accepted for it, or -1 when that socket did not show up.
int broker_side_nodelay(int port) {
  int client = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
  REQUIRE(::connect(client, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0);
  sockaddr_storage mine{};
  socklen_t len = sizeof mine;
  ::getsockname(client, reinterpret_cast<sockaddr*>(&mine), &len);
  int found = -1;
  for (int attempt = 0; attempt < 200 && found < 0; ++attempt) {
    std::this_thread::sleep_for(10ms);
    DIR* dir = ::opendir("/proc/self/fd");
    while (dirent* e = ::readdir(dir)) {
      int fd = std::atoi(e->d_name);
      sockaddr_storage local{}, peer{};
      socklen_t l1 = sizeof local, l2 = sizeof peer;
      if (fd == client || ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &l1) != 0 ||
          ::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &l2) != 0)
        continue;
      if (port_of(local) != port || port_of(peer) != port_of(mine)) continue;
      int nodelay = 0;
      socklen_t l3 = sizeof nodelay;
      ::getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &nodelay, &l3);
      found = nodelay != 0;
    }
    ::closedir(dir);
  }
  ::close(client);
  return found;
}

}  // namespace

TEST_CASE("the mock brokers answer with Nagle's algorithm off, as Kafka's do, also after a restart",
          "[kafka]") {
  // With Nagle on, a response written right after another waited for the client's delayed ACK:
  // 40 ms stalls in every benchmark on the mock.
  kafka::MockCluster cluster(3);
  auto ports = cluster.broker_ports();
  REQUIRE(ports.size() == 3);
  for (int port : ports) CHECK(broker_side_nodelay(port) == 1);
  cluster.set_broker_down(2);
  cluster.set_broker_up(2);
  for (int port : ports) CHECK(broker_side_nodelay(port) == 1);
}

TEST_CASE("a published message is persisted, then read back with key and headers", "[kafka]") {
  kafka::MockCluster cluster(3);
  cluster.create_topic("events", 1, 3);
  kafka::Producer producer({cluster.bootstrap_servers()});
  auto report =
      publish_and_wait(producer, {"events", "CA1", "hello", {{"ce_type", "t1"}, {"ce_id", "id1"}}});
  REQUIRE(report.status == kafka::Delivery::persisted);
  CHECK(report.offset == 0);

  StartAt listener(kafka::kOffsetBeginning);
  kafka::Consumer consumer({cluster.bootstrap_servers(), "g1", "test", {"events"}}, listener);
  auto until = std::chrono::steady_clock::now() + 15s;
  std::optional<kafka::ConsumedMessage> got;
  while (!got && std::chrono::steady_clock::now() < until)
    for (auto& m : consumer.poll_batch(10, 100ms)) got.emplace(std::move(m));
  REQUIRE(got);
  CHECK(got->key() == "CA1");
  CHECK(got->value() == "hello");
  CHECK(got->header("ce_id") == std::string_view("id1"));
  CHECK_FALSE(got->header("absent"));
}

TEST_CASE("a lingering poll gathers what arrives meanwhile into one batch", "[kafka]") {
  kafka::MockCluster cluster(1);
  cluster.create_topic("events", 1, 1);
  kafka::Producer producer({cluster.bootstrap_servers()});
  StartAt listener(kafka::kOffsetBeginning);
  kafka::ConsumerSettings cs{cluster.bootstrap_servers(), "g-linger", "test", {"events"}};
  cs.extra = {{"fetch.wait.max.ms", "10"}};
  kafka::Consumer consumer(cs, listener);
  REQUIRE(publish_and_wait(producer, {"events", "k", "first", {}}).status ==
          kafka::Delivery::persisted);
  REQUIRE(consume(consumer, 1, 15s) == std::vector<std::string>{"first"});
  auto pair_of_messages = [&](std::chrono::milliseconds linger) {
    REQUIRE(publish_and_wait(producer, {"events", "k", "now", {}}).status ==
            kafka::Delivery::persisted);
    std::thread later([&] {
      std::this_thread::sleep_for(150ms);
      publish_and_wait(producer, {"events", "k", "later", {}});
    });
    auto batch = consumer.poll_batch(10, 2000ms, linger);
    later.join();
    std::vector<std::string> values;
    for (auto& m : batch) values.emplace_back(m.value());
    return values;
  };
  CHECK(pair_of_messages(600ms) == std::vector<std::string>{"now", "later"});
  CHECK(pair_of_messages(0ms) == std::vector<std::string>{"now"});  // "later" comes after it
}

TEST_CASE("the rebalance listener decides where each partition starts", "[kafka]") {
  kafka::MockCluster cluster(1);
  cluster.create_topic("events", 1, 1);
  kafka::Producer producer({cluster.bootstrap_servers()});
  for (int i = 0; i < 5; ++i)
    REQUIRE(publish_and_wait(producer, {"events", "k", "m" + std::to_string(i), {}}).status ==
            kafka::Delivery::persisted);
  StartAt listener(3);
  kafka::Consumer consumer({cluster.bootstrap_servers(), "g2", "test", {"events"}}, listener);
  auto values = consume(consumer, 2, 15s);
  REQUIRE(values.size() == 2);
  CHECK(values[0] == "m3");
  CHECK(values[1] == "m4");
  CHECK(listener.assigned == 1);
  consumer.seek("events", 0, 1, 5s);
  auto again = consume(consumer, 4, 10s);
  REQUIRE_FALSE(again.empty());
  CHECK(again[0] == "m1");
}

TEST_CASE("with every broker down the delivery report fails within the delivery timeout",
          "[kafka]") {
  kafka::MockCluster cluster(3);
  cluster.create_topic("events", 1, 3);
  kafka::ProducerSettings s{cluster.bootstrap_servers()};
  s.delivery_timeout = 1000ms;
  kafka::Producer producer(s);
  // Connecting and getting a producer id share the 1 s budget with the first message: on a slow
  // machine (ASan, a loaded CI) that can take longer, so the warm-up may take a few attempts.
  bool warm = false;
  for (int i = 0; i < 10 && !warm; ++i)
    warm = publish_and_wait(producer, {"events", "k", "warm-up", {}}).status ==
           kafka::Delivery::persisted;
  REQUIRE(warm);
  for (int b = 1; b <= 3; ++b) cluster.set_broker_down(b);
  auto started = std::chrono::steady_clock::now();
  auto report = publish_and_wait(producer, {"events", "k", "lost?", {}});
  auto took = std::chrono::steady_clock::now() - started;
  CHECK(report.status != kafka::Delivery::persisted);
  CHECK_FALSE(report.error.empty());
  // librdkafka scans for timed-out messages once a second, so the report comes 1-2 s after the
  // 1 s timeout; 5 s leaves room for a loaded machine and still catches a report that waits for
  // the brokers (librdkafka's default timeout is 300 s).
  CHECK(took < 5s);
  for (int b = 1; b <= 3; ++b) cluster.set_broker_up(b);
  // The client reconnects with backoff: a later publish goes through.
  bool persisted = false;
  for (int i = 0; i < 20 && !persisted; ++i)
    persisted = publish_and_wait(producer, {"events", "k", "after", {}}).status ==
                kafka::Delivery::persisted;
  CHECK(persisted);
}

TEST_CASE("a message too large to enqueue completes its callback at once with a failure",
          "[kafka]") {
  kafka::MockCluster cluster(1);
  cluster.create_topic("events", 1, 1);
  kafka::Producer producer({cluster.bootstrap_servers()});
  auto report = publish_and_wait(producer, {"events", "k", std::string(2 << 20, 'x'), {}});
  CHECK(report.status == kafka::Delivery::not_persisted);
  CHECK(report.error.find("MSG_SIZE_TOO_LARGE") != std::string::npos);
}

TEST_CASE("KAFKA_PROPERTIES reach every client, and a secret never reaches an error message",
          "[kafka]") {
  kafka::MockCluster cluster(1);
  cluster.create_topic("events", 1, 1);
  struct Reset {
    ~Reset() { kafka::set_common_properties({}); }
  } reset;
  kafka::ProducerSettings s{cluster.bootstrap_servers()};

  kafka::set_common_properties({{"no.such.property", "1"}});
  CHECK_THROWS_WITH(kafka::Producer(s), Catch::Contains("no.such.property"));
  CHECK_THROWS_WITH(
      kafka::TopicReader(cluster.bootstrap_servers(), "events", "reader", std::chrono::seconds(5)),
      Catch::Contains("no.such.property"));

  kafka::set_common_properties({{"client.secret.password", "hunter2"}});
  CHECK_THROWS_WITH(kafka::Producer(s), Catch::Contains("client.secret.password=<redacted>") &&
                                            !Catch::Contains("hunter2"));

  // Valid ones are applied and the client works.
  kafka::set_common_properties({{"socket.keepalive.enable", "true"}});
  kafka::Producer producer(s);
  CHECK(publish_and_wait(producer, {"events", "k", "v", {}}).status == kafka::Delivery::persisted);
}
