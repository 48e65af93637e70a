#pragma once
// Structured logs: one JSON object per line on stderr, with fields as key/value pairs.
// Secrets never go in; phone numbers go through mask_phone().
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace callstream::core::log {

enum class Level { debug = 0, info = 1, warn = 2, error = 3 };

using Field = std::pair<std::string_view, std::string_view>;

void set_level(Level level);
// Parses "debug" | "info" | "warn" | "error"; false if unknown.
bool parse_level(std::string_view text, Level& out);
void set_service(std::string_view name);
bool enabled(Level level);

void write(Level level, std::string_view message, std::initializer_list<Field> fields = {});
inline void debug(std::string_view m, std::initializer_list<Field> f = {}) {
  write(Level::debug, m, f);
}
inline void info(std::string_view m, std::initializer_list<Field> f = {}) {
  write(Level::info, m, f);
}
inline void warn(std::string_view m, std::initializer_list<Field> f = {}) {
  write(Level::warn, m, f);
}
inline void error(std::string_view m, std::initializer_list<Field> f = {}) {
  write(Level::error, m, f);
}

// "+14158675309" -> "+1415***5309": enough to correlate, not enough to dial.
std::string mask_phone(std::string_view number);

// Escapes s for inclusion in a JSON string literal (without the quotes).
void append_json_escaped(std::string& out, std::string_view s);

}  // namespace callstream::core::log
