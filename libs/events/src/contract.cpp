#include "callstream/events/contract.hpp"

#include <rapidjson/document.h>
#include <rapidjson/schema.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <stdexcept>

#include "callstream/proto/files.hpp"

namespace callstream::events {

struct Contract::Schemas {
  std::unique_ptr<rapidjson::SchemaDocument> envelope;
  std::map<std::string, std::unique_ptr<rapidjson::SchemaDocument>, std::less<>> by_file;
};

namespace {

rapidjson::Document parse_embedded(std::string_view path) {
  auto text = proto::file(path);
  if (!text) throw std::runtime_error("proto file missing from the build: " + std::string(path));
  rapidjson::Document d;
  d.Parse(text->data(), text->size());
  if (d.HasParseError())
    throw std::runtime_error("proto file is not valid JSON: " + std::string(path));
  return d;
}

std::string describe(const rapidjson::SchemaValidator& v) {
  rapidjson::StringBuffer doc_ptr, schema_ptr;
  v.GetInvalidDocumentPointer().StringifyUriFragment(doc_ptr);
  v.GetInvalidSchemaPointer().StringifyUriFragment(schema_ptr);
  return std::string("violates '") + v.GetInvalidSchemaKeyword() + "' at " + doc_ptr.GetString() +
         " (schema " + schema_ptr.GetString() + ")";
}

}  // namespace

Contract::Contract(std::string topic_prefix)
    : prefix_(std::move(topic_prefix)), schemas_(std::make_unique<Schemas>()) {
  rapidjson::Document topics = parse_embedded("topics.json");
  auto envelope = parse_embedded("schemas/cloudevent.json");
  schemas_->envelope = std::make_unique<rapidjson::SchemaDocument>(envelope);
  for (const auto& t : topics["topics"].GetArray()) {
    TopicSpec spec;
    spec.name = prefix_ + t["name"].GetString();
    spec.partitions = t["partitions"].GetInt();
    spec.replication_factor = t["replication_factor"].GetInt();
    spec.key = t["key"].GetString();
    for (const auto& c : t["config"].GetObject())
      spec.config[c.name.GetString()] = c.value.GetString();
    for (const auto& e : t["event_types"].GetObject()) {
      std::string file = e.value.GetString();
      types_[e.name.GetString()] = {spec.name, file};
      if (!schemas_->by_file.count(file)) {
        auto doc = parse_embedded(file);
        schemas_->by_file[file] = std::make_unique<rapidjson::SchemaDocument>(doc);
      }
    }
    topics_.push_back(std::move(spec));
  }
}

Contract::~Contract() = default;

std::string Contract::topic(std::string_view base_name) const {
  return prefix_ + std::string(base_name);
}

const std::pair<std::string, std::string>* Contract::find_type(std::string_view type) const {
  if (auto it = types_.find(type); it != types_.end()) return &it->second;
  // "com.twilio.taskrouter.*" covers every type with that prefix.
  for (const auto& [pattern, entry] : types_)
    if (pattern.size() > 2 && pattern.compare(pattern.size() - 2, 2, ".*") == 0 &&
        type.size() > pattern.size() - 1 &&
        type.substr(0, pattern.size() - 1) ==
            std::string_view(pattern).substr(0, pattern.size() - 1))
      return &entry;
  return nullptr;
}

std::optional<std::string> Contract::topic_for_type(std::string_view type) const {
  const auto* entry = find_type(type);
  if (!entry) return std::nullopt;
  return entry->first;
}

std::optional<std::string> Contract::dataschema_for_type(std::string_view type) const {
  const auto* entry = find_type(type);
  if (!entry) return std::nullopt;
  return "urn:callstream:proto:" + entry->second;
}

std::optional<std::string> Contract::validate(std::string_view event_json) const {
  rapidjson::Document d;
  d.Parse(event_json.data(), event_json.size());
  if (d.HasParseError()) return "not valid JSON";
  {
    rapidjson::SchemaValidator v(*schemas_->envelope);
    if (!d.Accept(v)) return "envelope " + describe(v);
  }
  std::string type = d["type"].GetString();
  const auto* entry = find_type(type);
  if (!entry) return "unknown event type " + type;
  rapidjson::SchemaValidator v(*schemas_->by_file.at(entry->second));
  if (!d["data"].Accept(v)) return "data " + describe(v);
  return std::nullopt;
}

}  // namespace callstream::events
