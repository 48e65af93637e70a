#include "call_filters.hpp"

#include <algorithm>
#include <cctype>

namespace callstream::projector::console {
namespace {

bool is_name(std::string_view v) {
  return !v.empty() && v.size() <= 128 && std::all_of(v.begin(), v.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '_' || c == '-' || c == '.' || c == '@' || c == ' ';
  });
}

core::Result<void> parse_cursor(std::string_view cursor, CallFilters& f) {
  size_t dot = cursor.find('.');
  std::string_view us = cursor.substr(0, dot);
  if (dot == std::string_view::npos || us.empty() || us.size() > 18 ||
      !std::all_of(us.begin(), us.end(), [](unsigned char c) { return std::isdigit(c); }) ||
      !is_name(cursor.substr(dot + 1)))
    return core::fail("invalid_filter", "'after' is the 'next' value of the previous page");
  f.before_us = std::string(us);
  f.before_sid = std::string(cursor.substr(dot + 1));
  return {};
}

core::Result<void> apply(CallFilters& f, const std::string& key, const std::string& value) {
  auto bad = [&](const char* why) { return core::fail("invalid_filter", key + ": " + why); };
  if (key == "from" || key == "to") {
    if (!is_day(value)) return bad("a day, YYYY-MM-DD");
    (key == "from" ? f.from_day : f.to_day) = value;
  } else if (key == "direction") {
    if (!is_name(value)) return bad("inbound, outbound-api or outbound-dial");
    f.direction = value;
  } else if (key == "outcome") {
    if (value != "answered" && value != "missed" && value != "abandoned")
      return bad("answered, missed or abandoned");
    f.outcome = value;
  } else if (key == "agent" || key == "queue") {
    if (!is_name(value)) return bad("letters, digits, spaces and _ - . @");
    (key == "agent" ? f.agent : f.queue) = value;
  } else if (key == "number") {
    std::string digits;
    for (char c : value)
      if (std::isdigit(static_cast<unsigned char>(c))) digits += c;
    if (digits.empty() || digits.size() > 15) return bad("1 to 15 digits of a phone number");
    f.number = digits;
  } else if (key == "after") {
    return parse_cursor(value, f);
  } else if (key == "limit") {
    int n = std::atoi(value.c_str());
    if (n < 1 || n > 500) return bad("1 to 500");
    f.limit = std::to_string(n);
  } else {
    return bad("not a filter (from, to, direction, outcome, agent, queue, number, after, limit)");
  }
  return {};
}

}  // namespace

bool is_day(std::string_view t) {
  if (t.size() != 10 || t[4] != '-' || t[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (!std::isdigit(static_cast<unsigned char>(t[i]))) return false;
  int month = std::stoi(std::string(t.substr(5, 2))), day = std::stoi(std::string(t.substr(8, 2)));
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

core::Result<CallFilters> parse_call_filters(const twilio::Params& query,
                                             const std::optional<std::string>& only_agent) {
  CallFilters f;
  for (const auto& [key, value] : query)
    if (auto ok = apply(f, key, value); !ok) return std::unexpected(ok.error());
  if (only_agent) f.agent = only_agent;
  return f;
}

std::vector<pg::Param> CallFilters::params() const {
  auto p = [](const std::optional<std::string>& v) -> pg::Param {
    return v ? pg::Param(*v) : std::nullopt;
  };
  return {p(from_day), p(to_day), p(direction), p(outcome),    p(agent),
          p(queue),    p(number), p(before_us), p(before_sid), p(limit)};
}

std::string page_cursor(std::string_view started_us, std::string_view call_sid) {
  return std::string(started_us) + "." + std::string(call_sid);
}

}  // namespace callstream::projector::console
