#include "callstream/events/json.hpp"

// Strings are scanned for characters to escape 16 bytes at a time (SSE2 is in every x86-64).
#if defined(__SSE2__) && !defined(RAPIDJSON_SSE2)
#define RAPIDJSON_SSE2
#endif
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <array>
#include <cstring>

namespace callstream::events {

struct JsonWriter::Impl {
  explicit Impl(size_t capacity) : buffer(nullptr, capacity) {}
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer{buffer};
};

JsonWriter::JsonWriter(size_t capacity) : impl_(std::make_unique<Impl>(capacity)) {}
JsonWriter::~JsonWriter() = default;

JsonWriter& JsonWriter::begin_object() {
  impl_->writer.StartObject();
  return *this;
}
JsonWriter& JsonWriter::end_object() {
  impl_->writer.EndObject();
  return *this;
}
JsonWriter& JsonWriter::begin_array() {
  impl_->writer.StartArray();
  return *this;
}
JsonWriter& JsonWriter::end_array() {
  impl_->writer.EndArray();
  return *this;
}
namespace {

// What RapidJSON's Writer writes for each byte: 0 as is, 'u' as \u00XX, else \ and that letter.
constexpr std::array<char, 256> kEscape = [] {
  std::array<char, 256> e{};
  for (int c = 0; c < 0x20; ++c) e[c] = 'u';
  e['\b'] = 'b';
  e['\t'] = 't';
  e['\n'] = 'n';
  e['\f'] = 'f';
  e['\r'] = 'r';
  e['"'] = '"';
  e['\\'] = '\\';
  return e;
}();

// A JSON string, quoted and escaped exactly as RapidJSON's Writer does, with the unescaped runs
// copied whole (its Writer goes byte by byte, and reserves six bytes per byte of the string).
void put_string(rapidjson::StringBuffer& out, std::string_view s) {
  size_t escapes = 0;
  for (unsigned char c : s) escapes += (c < 0x20) | (c == '"') | (c == '\\');  // vectorizes
  const size_t size = s.size() + 2 + escapes * 5;
  char* const start = out.Push(size);
  char* p = start;
  *p++ = '"';
  if (escapes == 0) {
    std::memcpy(p, s.data(), s.size());
    p += s.size();
  } else {
    for (unsigned char c : s) {
      char e = kEscape[c];
      if (e == 0) {
        *p++ = static_cast<char>(c);
      } else if (e == 'u') {
        static constexpr char kHex[] = "0123456789ABCDEF";
        std::memcpy(p, "\\u00", 4);
        p[4] = kHex[c >> 4];
        p[5] = kHex[c & 15];
        p += 6;
      } else {
        *p++ = '\\';
        *p++ = e;
      }
    }
  }
  *p++ = '"';
  out.Pop(size -
          static_cast<size_t>(p - start));  // escapes counted 6 bytes; \n and the like take 2
}

}  // namespace

// RapidJSON writes the separator (RawValue of nothing, which keeps its object/array state), the
// string itself is written here.
JsonWriter& JsonWriter::key(std::string_view k) {
  impl_->writer.RawValue("", 0, rapidjson::kStringType);
  put_string(impl_->buffer, k);
  return *this;
}
JsonWriter& JsonWriter::string(std::string_view v) {
  impl_->writer.RawValue("", 0, rapidjson::kStringType);
  put_string(impl_->buffer, v);
  return *this;
}
JsonWriter& JsonWriter::integer(long long v) {
  impl_->writer.Int64(v);
  return *this;
}
JsonWriter& JsonWriter::boolean(bool v) {
  impl_->writer.Bool(v);
  return *this;
}
JsonWriter& JsonWriter::null() {
  impl_->writer.Null();
  return *this;
}
JsonWriter& JsonWriter::raw(std::string_view json) {
  // RawValue copies byte by byte; an empty one does the separators, then the text is appended
  // in one copy (an event's data is most of its envelope).
  impl_->writer.RawValue("", 0, rapidjson::kObjectType);
  std::memcpy(impl_->buffer.Push(json.size()), json.data(), json.size());
  return *this;
}
std::string JsonWriter::str() const {
  return std::string(impl_->buffer.GetString(), impl_->buffer.GetSize());
}

struct JsonDocument::Impl {
  rapidjson::Document doc;
};

JsonDocument::JsonDocument() : impl_(std::make_unique<Impl>()) {}
JsonDocument::JsonDocument(JsonDocument&&) noexcept = default;
JsonDocument& JsonDocument::operator=(JsonDocument&&) noexcept = default;
JsonDocument::~JsonDocument() = default;

core::Result<JsonDocument> JsonDocument::parse(std::string_view text) {
  JsonDocument d;
  // JSON text is UTF-8 (RFC 8259 8.1); RapidJSON only checks when asked.
  d.impl_->doc.Parse<rapidjson::kParseValidateEncodingFlag>(text.data(), text.size());
  if (d.impl_->doc.HasParseError())
    return core::fail("invalid_json",
                      "invalid JSON at offset " + std::to_string(d.impl_->doc.GetErrorOffset()) +
                          ": " + rapidjson::GetParseError_En(d.impl_->doc.GetParseError()));
  return d;
}

namespace {
const rapidjson::Value* walk(const rapidjson::Value& root, JsonDocument::Path path) {
  const rapidjson::Value* v = &root;
  for (auto k : path) {
    if (!v->IsObject()) return nullptr;
    auto it = v->FindMember(rapidjson::Value(rapidjson::StringRef(k.data(), k.size())));
    if (it == v->MemberEnd()) return nullptr;
    v = &it->value;
  }
  return v;
}
}  // namespace

std::optional<std::string_view> JsonDocument::string_at(Path path) const {
  const auto* v = walk(impl_->doc, path);
  if (!v || !v->IsString()) return std::nullopt;
  return std::string_view(v->GetString(), v->GetStringLength());
}

std::optional<std::string> JsonDocument::json_at(Path path) const {
  const auto* v = walk(impl_->doc, path);
  if (!v) return std::nullopt;
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  v->Accept(w);
  return std::string(buf.GetString(), buf.GetSize());
}

std::optional<std::vector<std::pair<std::string, std::string>>> JsonDocument::members_at(
    Path path) const {
  const auto* v = walk(impl_->doc, path);
  if (!v || !v->IsObject()) return std::nullopt;
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& m : v->GetObject()) {
    if (m.value.IsNull()) continue;
    std::string name(m.name.GetString(), m.name.GetStringLength());
    if (m.value.IsString()) {
      out.emplace_back(std::move(name),
                       std::string(m.value.GetString(), m.value.GetStringLength()));
      continue;
    }
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    m.value.Accept(w);
    out.emplace_back(std::move(name), std::string(buf.GetString(), buf.GetSize()));
  }
  return out;
}

bool JsonDocument::is_object() const { return impl_->doc.IsObject(); }
bool JsonDocument::is_array() const { return impl_->doc.IsArray(); }

std::vector<std::string> JsonDocument::array_elements() const {
  std::vector<std::string> out;
  if (!impl_->doc.IsArray()) return out;
  for (const auto& v : impl_->doc.GetArray()) {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    v.Accept(w);
    out.emplace_back(buf.GetString(), buf.GetSize());
  }
  return out;
}

bool holds_nul(std::string_view json) {
  // "\u0000" is an escape when the backslashes before the 'u' are odd in number ("\\u0000" is
  // a backslash and the text u0000); outside strings valid JSON has no backslash at all.
  for (size_t at = json.find("u0000"); at != std::string_view::npos;
       at = json.find("u0000", at + 1)) {
    size_t backslashes = 0;
    while (backslashes < at && json[at - 1 - backslashes] == '\\') ++backslashes;
    if (backslashes % 2 == 1) return true;
  }
  return false;
}

}  // namespace callstream::events
