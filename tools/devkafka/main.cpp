// callstream-devkafka: librdkafka's mock cluster as a stand-alone broker set for the local stack
// and tests. In memory; data is gone when it stops.
#include <csignal>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>

#include "callstream/core/log.hpp"
#include "callstream/events/contract.hpp"
#include "callstream/kafka/mock_cluster.hpp"

namespace {
volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

const char* kHelp =
    "Usage: callstream-devkafka [--brokers N] [--bootstrap-file PATH] [--topic-prefix P]\n"
    "                           [--partitions N]\n"
    "Runs an in-memory Kafka cluster (librdkafka's mock cluster) on loopback, creates the topics\n"
    "of proto/topics.json, prints the bootstrap address on stdout (and writes it to PATH), and\n"
    "runs until SIGINT/SIGTERM. Every Kafka client (kcat, both services) can connect to it.\n"
    "  --brokers N            number of brokers (default 3)\n"
    "  --bootstrap-file PATH  also write the bootstrap address to PATH\n"
    "  --topic-prefix P       prefix of every topic name (as KAFKA_TOPIC_PREFIX)\n"
    "  --partitions N         every topic gets N partitions instead of proto/topics.json's count.\n"
    "                         The mock keeps about 5 MB per partition and drops older messages:\n"
    "                         soaks of more than a few thousand events per partition need more.\n";
}  // namespace

int main(int argc, char** argv) {
  using namespace callstream;
  int brokers = 3;
  int partitions = 0;  // 0: as proto/topics.json says
  std::string bootstrap_file, prefix;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << a << " needs a value\n" << kHelp;
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--help" || a == "-h") {
      std::cout << kHelp;
      return 0;
    } else if (a == "--brokers") {
      brokers = std::stoi(next());
    } else if (a == "--bootstrap-file") {
      bootstrap_file = next();
    } else if (a == "--topic-prefix") {
      prefix = next();
    } else if (a == "--partitions") {
      partitions = std::stoi(next());
    } else {
      std::cerr << "unknown argument " << a << "\n" << kHelp;
      return 2;
    }
  }
  core::log::set_service("callstream-devkafka");
  core::log::set_level(core::log::Level::warn);
  try {
    kafka::MockCluster cluster(brokers);
    events::Contract contract(prefix);
    for (const auto& t : contract.topics())
      cluster.create_topic(t.name, partitions > 0 ? partitions : t.partitions,
                           t.replication_factor);
    std::string bootstrap = cluster.bootstrap_servers();
    if (!bootstrap_file.empty()) {
      std::ofstream(bootstrap_file + ".tmp") << bootstrap << "\n";
      std::rename((bootstrap_file + ".tmp").c_str(), bootstrap_file.c_str());
    }
    std::cout << bootstrap << std::endl;
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (!bootstrap_file.empty()) std::remove(bootstrap_file.c_str());
    return 0;
  } catch (const std::exception& e) {
    core::log::error("cannot start", {{"error", e.what()}});
    return 1;
  }
}
