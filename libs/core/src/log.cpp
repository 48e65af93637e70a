#include "callstream/core/log.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace callstream::core::log {
namespace {
std::atomic<int> g_level{static_cast<int>(Level::info)};
std::string g_service = "callstream";
std::mutex g_write_mutex;
const char* name_of(Level l) {
  switch (l) {
    case Level::debug:
      return "debug";
    case Level::info:
      return "info";
    case Level::warn:
      return "warn";
    case Level::error:
      return "error";
  }
  return "info";
}
}  // namespace

void set_level(Level level) { g_level = static_cast<int>(level); }
void set_service(std::string_view name) { g_service = std::string(name); }
bool enabled(Level level) {
  return static_cast<int>(level) >= g_level.load(std::memory_order_relaxed);
}

bool parse_level(std::string_view text, Level& out) {
  for (Level l : {Level::debug, Level::info, Level::warn, Level::error})
    if (text == name_of(l)) {
      out = l;
      return true;
    }
  return false;
}

void append_json_escaped(std::string& out, std::string_view s) {
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
}

void write(Level level, std::string_view message, std::initializer_list<Field> fields) {
  if (!enabled(level)) return;
  auto now = std::chrono::system_clock::now();
  auto secs = std::chrono::system_clock::to_time_t(now);
  auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char ts[64];
  std::snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  std::string line;
  line.reserve(160);
  line += "{\"ts\":\"";
  line += ts;
  line += "\",\"level\":\"";
  line += name_of(level);
  line += "\",\"service\":\"";
  append_json_escaped(line, g_service);
  line += "\",\"msg\":\"";
  append_json_escaped(line, message);
  line += '"';
  for (const auto& [k, v] : fields) {
    line += ",\"";
    append_json_escaped(line, k);
    line += "\":\"";
    append_json_escaped(line, v);
    line += '"';
  }
  line += "}\n";
  std::lock_guard lock(g_write_mutex);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

std::string mask_phone(std::string_view number) {
  if (number.size() <= 8) return std::string(number.size(), '*');
  std::string out(number.substr(0, 5));
  out += "***";
  out += number.substr(number.size() - 4);
  return out;
}

}  // namespace callstream::core::log
