#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <catch2/catch.hpp>
#include <random>
#include <string>

#include "callstream/events/json.hpp"

using callstream::events::JsonDocument;
using callstream::events::JsonWriter;

namespace {

// The same document written by RapidJSON's own Writer: the reference for escaping and separators.
std::string rapidjson_reference(const std::vector<std::string>& strings) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  for (const auto& s : strings) {
    w.Key(s.data(), static_cast<rapidjson::SizeType>(s.size()));
    w.StartArray();
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
    w.Int64(7);
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
    w.EndArray();
  }
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string ours(const std::vector<std::string>& strings) {
  JsonWriter w(16);  // small on purpose: the buffer must grow correctly
  w.begin_object();
  for (const auto& s : strings) w.key(s).begin_array().string(s).integer(7).string(s).end_array();
  w.end_object();
  return w.str();
}

}  // namespace

TEST_CASE("JsonWriter writes strings byte for byte as RapidJSON's Writer does", "[json]") {
  std::vector<std::string> every_byte;
  for (int c = 1; c < 256; ++c) every_byte.push_back(std::string(1, static_cast<char>(c)));
  every_byte.push_back(std::string("\0", 1));
  every_byte.push_back("");
  every_byte.push_back("plain +1 (305) 555-0123 ünïcödé");
  CHECK(ours(every_byte) == rapidjson_reference(every_byte));

  std::mt19937 rng(20261125);
  const std::string alphabet =
      std::string("\"\\/\b\f\n\r\t\x01\x1f\x7f abcXYZ09%&=+", 23) + "\xc3\xa9";
  for (int round = 0; round < 2000; ++round) {
    std::vector<std::string> strings(1 + rng() % 4);
    for (auto& s : strings) {
      s.resize(rng() % 200);
      for (auto& c : s) c = alphabet[rng() % alphabet.size()];
    }
    INFO("round " << round);
    REQUIRE(ours(strings) == rapidjson_reference(strings));
  }
}

TEST_CASE("JsonWriter output parses back to the strings written", "[json]") {
  std::string all_ascii;
  for (int c = 1; c < 128; ++c) all_ascii += static_cast<char>(c);
  JsonWriter w;
  w.begin_object().field("s", all_ascii).field("e", "").end_object();
  auto doc = JsonDocument::parse(w.str());
  REQUIRE(doc);
  CHECK(doc->string_at({"s"}) == all_ascii);
  CHECK(doc->string_at({"e"}) == "");
}
