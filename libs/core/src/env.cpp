#include "callstream/core/env.hpp"

#include <algorithm>
#include <cstdlib>
#include <sstream>

namespace callstream::core {

Env::Env(std::vector<EnvVar> vars, Lookup lookup)
    : vars_(std::move(vars)), lookup_(std::move(lookup)) {
  if (!lookup_) lookup_ = [](const char* n) { return std::getenv(n); };
}

const EnvVar& Env::var(const std::string& name) const {
  for (const auto& v : vars_)
    if (v.name == name) return v;
  // A service asked for a variable it did not declare: a programming error.
  throw std::logic_error("undeclared environment variable " + name);
}

std::string Env::str(const std::string& name) {
  const EnvVar& v = var(name);
  const char* raw = lookup_(name.c_str());
  std::string value = raw && *raw ? std::string(raw) : v.default_value;
  if (value.empty() && v.required) fail(name, "is required (" + v.description + ")");
  return value;
}

std::vector<std::string> Env::list(const std::string& name) {
  std::string text = str(name);
  std::vector<std::string> items;
  for (size_t start = 0; start <= text.size();) {
    size_t end = std::min(text.find(',', start), text.size());
    std::string item = text.substr(start, end - start);
    item.erase(0, item.find_first_not_of(' '));
    item.erase(item.find_last_not_of(' ') + 1);
    if (!item.empty()) items.push_back(std::move(item));
    start = end + 1;
  }
  return items;
}

long long Env::integer(const std::string& name, long long min, long long max) {
  std::string s = str(name);
  if (s.empty()) return min;
  try {
    size_t used = 0;
    long long n = std::stoll(s, &used);
    if (used != s.size()) throw std::invalid_argument("trailing");
    if (n < min || n > max) {
      fail(name,
           "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", got " + s);
      return min;
    }
    return n;
  } catch (const std::exception&) {
    fail(name, "must be a whole number, got '" + s + "'");
    return min;
  }
}

std::chrono::milliseconds Env::millis(const std::string& name, long long min_ms, long long max_ms) {
  return std::chrono::milliseconds(integer(name, min_ms, max_ms));
}

std::chrono::microseconds Env::fractional_millis(const std::string& name, long long min_ms,
                                                 long long max_ms) {
  std::string s = str(name);
  if (s.empty()) return std::chrono::milliseconds(min_ms);
  size_t dot = s.find('.');
  std::string whole = s.substr(0, dot);
  std::string decimals = dot == std::string::npos ? "" : s.substr(dot + 1);
  auto digits = [](const std::string& t) {
    return t.find_first_not_of("0123456789") == std::string::npos;
  };
  if (whole.empty() || whole.size() > 9 || !digits(whole) || !digits(decimals) ||
      decimals.size() > 3 || (dot != std::string::npos && decimals.empty())) {
    fail(name, "must be a number of milliseconds with at most three decimals, got '" + s + "'");
    return std::chrono::milliseconds(min_ms);
  }
  long long micros = std::stoll(whole) * 1000;
  if (!decimals.empty()) micros += std::stoll(decimals + std::string(3 - decimals.size(), '0'));
  if (micros < min_ms * 1000 || micros > max_ms * 1000) {
    fail(name, "must be between " + std::to_string(min_ms) + " and " + std::to_string(max_ms) +
                   ", got " + s);
    return std::chrono::milliseconds(min_ms);
  }
  return std::chrono::microseconds(micros);
}

bool Env::boolean(const std::string& name) {
  std::string s = str(name);
  if (s == "1" || s == "true" || s == "yes" || s == "on") return true;
  if (s.empty() || s == "0" || s == "false" || s == "no" || s == "off") return false;
  fail(name, "must be true or false, got '" + s + "'");
  return false;
}

log::Level Env::log_level(const std::string& name) {
  std::string s = str(name);
  log::Level level = log::Level::info;
  if (!log::parse_level(s, level))
    fail(name, "must be debug, info, warn or error, got '" + s + "'");
  return level;
}

std::map<std::string, std::string> Env::properties(const std::string& name,
                                                   const std::vector<std::string>& refused) {
  std::map<std::string, std::string> out;
  std::string text = str(name);
  for (size_t start = 0; start < text.size();) {
    size_t end = text.find(',', start);
    std::string item =
        text.substr(start, end == std::string::npos ? std::string::npos : end - start);
    size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      fail(name, "items must be key=value, got '" + item.substr(0, item.find('=')) + "'");
    } else {
      std::string key = item.substr(0, eq);
      if (std::find(refused.begin(), refused.end(), key) != refused.end())
        fail(name,
             "must not set " + key + " (it has its own variable, or callstream depends on it)");
      else
        out[key] = item.substr(eq + 1);
    }
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

void Env::fail(const std::string& name, const std::string& problem) {
  problems_.push_back(name + " " + problem);
}

void Env::fail(const std::string& name, const Problems& problems) {
  for (const auto& p : problems) fail(name, p);
}

void Env::finish() const {
  if (problems_.empty()) return;
  std::ostringstream out;
  out << "configuration invalid (" << problems_.size() << " problem"
      << (problems_.size() > 1 ? "s" : "") << "):";
  for (const auto& p : problems_) out << "\n  - " << p;
  throw ConfigError(out.str());
}

std::string Env::help(const std::string& program, const std::string& summary) const {
  std::ostringstream out;
  out << "Usage: " << program << "\n" << summary << "\n\nEnvironment variables:\n";
  for (const auto& v : vars_) {
    out << "  " << v.name;
    if (v.required) out << " (required)";
    if (!v.default_value.empty()) out << " [default: " << v.default_value << "]";
    out << "\n      " << v.description << "\n";
  }
  return out.str();
}

}  // namespace callstream::core
