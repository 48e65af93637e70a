#pragma once
#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "callstream/kafka/settings.hpp"

namespace callstream::kafka {

struct NewTopic {
  std::string name;
  int partitions = 1;
  int replication_factor = 1;
  std::map<std::string, std::string> config;
};

// Creates the topics that do not exist yet; existing ones are left as they are.
// Throws KafkaError naming the topic and the broker's reason.
void create_topics(const std::string& brokers, const std::vector<NewTopic>& topics,
                   std::chrono::milliseconds timeout);

}  // namespace callstream::kafka
