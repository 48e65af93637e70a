#pragma once
// A small façade over RapidJSON so that its headers stay out of the rest of the code.
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "callstream/core/result.hpp"

namespace callstream::events {

// Builds compact JSON into a string.
class JsonWriter {
 public:
  // `capacity`: the expected size of the text, so the buffer does not grow along the way.
  explicit JsonWriter(size_t capacity = 256);
  ~JsonWriter();
  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;

  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view k);
  JsonWriter& string(std::string_view v);
  JsonWriter& integer(long long v);
  JsonWriter& boolean(bool v);
  JsonWriter& null();
  // Inserts already-serialized JSON as the next value.
  JsonWriter& raw(std::string_view json);
  // Shorthand for key(k).string(v).
  JsonWriter& field(std::string_view k, std::string_view v) { return key(k).string(v); }

  std::string str() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// True when a string in this JSON text holds U+0000 (written \u0000): valid JSON, but neither
// PostgreSQL's text nor its jsonb can store it.
bool holds_nul(std::string_view json);

// A parsed document with read access by path of object keys. Text that is not UTF-8 is an error.
class JsonDocument {
 public:
  // Fails (invalid_json) with the offset and RapidJSON's reason.
  static core::Result<JsonDocument> parse(std::string_view text);
  JsonDocument(JsonDocument&&) noexcept;
  JsonDocument& operator=(JsonDocument&&) noexcept;
  ~JsonDocument();

  using Path = std::initializer_list<std::string_view>;
  // The string at path; nullopt when absent or not a string.
  std::optional<std::string_view> string_at(Path path) const;
  // The subtree at path, serialized; nullopt when absent.
  std::optional<std::string> json_at(Path path) const;
  // The members of the object at path, in document order, each value as text: a string as it
  // is, a number or boolean as written, an object or array serialized; null members are left
  // out. nullopt when the path is absent or not an object.
  std::optional<std::vector<std::pair<std::string, std::string>>> members_at(Path path) const;
  bool is_object() const;
  bool is_array() const;
  // Each element of a top-level array, serialized; empty when the document is not an array.
  std::vector<std::string> array_elements() const;

 private:
  JsonDocument();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace callstream::events
