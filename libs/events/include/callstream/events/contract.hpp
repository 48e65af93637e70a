#pragma once
// The event contract of proto/: which topic carries which event type, and the JSON Schema each
// event's envelope and data must satisfy.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace callstream::events {

struct TopicSpec {
  std::string name;  // with the configured prefix
  int partitions = 1;
  int replication_factor = 1;
  std::string key;  // what the message key is, for the catalogue
  std::map<std::string, std::string> config;
};

class Contract {
 public:
  // Loads the embedded proto/ files; topic names get `topic_prefix` prepended.
  explicit Contract(std::string topic_prefix = "");
  ~Contract();
  Contract(const Contract&) = delete;
  Contract& operator=(const Contract&) = delete;

  const std::vector<TopicSpec>& topics() const { return topics_; }
  // The (prefixed) topic of a base name such as "callstream.voice.calls.v1".
  std::string topic(std::string_view base_name) const;
  // The (prefixed) topic an event type goes to; nullopt for an unknown type.
  std::optional<std::string> topic_for_type(std::string_view type) const;
  // The schema reference an event of this type carries in `dataschema`.
  std::optional<std::string> dataschema_for_type(std::string_view type) const;

  // Validates a serialized event against the envelope schema and its type's data schema.
  // Returns the first problem, or nullopt when valid.
  std::optional<std::string> validate(std::string_view event_json) const;

 private:
  struct Schemas;
  // (topic, schema file) of a type, by exact name or by a "prefix.*" entry; nullptr if unknown.
  const std::pair<std::string, std::string>* find_type(std::string_view type) const;
  std::string prefix_;
  std::vector<TopicSpec> topics_;
  std::map<std::string, std::pair<std::string, std::string>, std::less<>>
      types_;  // type -> (topic, schema file)
  std::unique_ptr<Schemas> schemas_;
};

}  // namespace callstream::events
