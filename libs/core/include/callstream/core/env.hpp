#pragma once
// 12-factor configuration: each service declares its variables in one table (name, default,
// description) that drives both parsing and `--help`. Every problem is collected, then reported
// together with the name of the variable to change.
#include <chrono>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "callstream/core/log.hpp"
#include "callstream/core/result.hpp"

namespace callstream::core {

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct EnvVar {
  std::string name;
  std::string default_value;  // empty = no default
  std::string description;
  bool required = false;
  bool secret = false;  // never printed
};

class Env {
 public:
  // Reads from the process environment by default; tests pass a lookup of their own.
  using Lookup = std::function<const char*(const char*)>;
  explicit Env(std::vector<EnvVar> vars, Lookup lookup = nullptr);

  std::string str(const std::string& name);
  // Comma-separated items, each trimmed of spaces; empty items dropped.
  std::vector<std::string> list(const std::string& name);
  long long integer(const std::string& name, long long min, long long max);
  std::chrono::milliseconds millis(const std::string& name, long long min_ms, long long max_ms);
  // Milliseconds with up to three decimals ("0.5", "2.25"), for settings finer than a millisecond.
  std::chrono::microseconds fractional_millis(const std::string& name, long long min_ms,
                                              long long max_ms);
  bool boolean(const std::string& name);
  // Comma-separated key=value items (librdkafka properties, say). A key in `refused` is a
  // problem: it has a variable of its own, or callstream's guarantees depend on its value.
  std::map<std::string, std::string> properties(const std::string& name,
                                                const std::vector<std::string>& refused = {});
  // debug | info | warn | error
  log::Level log_level(const std::string& name);

  // Records a problem with a variable (for checks the caller makes).
  void fail(const std::string& name, const std::string& problem);
  // Records each problem a parser found in the value (or the file) of a variable.
  void fail(const std::string& name, const Problems& problems);
  // Throws ConfigError listing every problem found so far.
  void finish() const;

  // The `--help` text: every variable with its default and description.
  std::string help(const std::string& program, const std::string& summary) const;

 private:
  const EnvVar& var(const std::string& name) const;
  std::vector<EnvVar> vars_;
  Lookup lookup_;
  std::vector<std::string> problems_;
};

}  // namespace callstream::core
