#include "caller_id.hpp"

#include <cctype>

#include "callstream/twilio/phone_number.hpp"

namespace callstream::ingress {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

template <typename F>
void split(std::string_view s, char sep, F&& each) {
  while (!s.empty()) {
    size_t end = s.find(sep);
    std::string_view part = trim(s.substr(0, end));
    if (!part.empty()) each(part);
    if (end == std::string_view::npos) break;
    s.remove_prefix(end + 1);
  }
}

}  // namespace

core::Result<void, core::Problems> parse_caller_id_pools(std::string_view spec,
                                                         CallerIdConfig& config) {
  core::Problems problems;
  split(spec, ';', [&](std::string_view entry) {
    size_t eq = entry.find('=');
    if (eq == std::string_view::npos) {
      problems.push_back("'" + std::string(entry) + "' is not KEY=NUMBER[,NUMBER...]");
      return;
    }
    std::string_view name = trim(entry.substr(0, eq));
    std::string key;
    if (name.size() == 3 && std::isdigit(static_cast<unsigned char>(name[0]))) {
      if (!twilio::nanp_region(name)) {
        problems.push_back("'" + std::string(name) + "' is not an assigned area code");
        return;
      }
      key = name;
    } else if (auto region = twilio::canonical_region(name)) {
      key = *region;
    } else {
      problems.push_back("'" + std::string(name) +
                         "' is neither an area code nor a region (FL, US-FL, ON, PR...)");
      return;
    }
    split(entry.substr(eq + 1), ',', [&](std::string_view number) {
      if (auto e164 = twilio::normalize_e164(number))
        config.pools[key].push_back(*e164);
      else
        problems.push_back("'" + std::string(number) + "' (" + key + "): " + e164.error().message);
    });
  });
  if (!problems.empty()) return std::unexpected(std::move(problems));
  return {};
}

CallerIdSelector::CallerIdSelector(CallerIdConfig config) : config_(std::move(config)) {
  for (const auto& [key, numbers] : config_.pools)
    for (const auto& n : numbers) pools_[key].push_back(Slot{n, 0});
}

std::string CallerIdSelector::take(std::vector<Slot>& pool) {
  Slot* best = &pool.front();
  for (auto& s : pool)
    if (s.last_used < best->last_used) best = &s;
  best->last_used = ++clock_;
  return best->number;
}

std::optional<CallerIdChoice> CallerIdSelector::choose(std::string_view to) {
  std::string_view area = twilio::nanp_area_code(to);
  std::string region;
  if (!area.empty())
    if (auto r = twilio::nanp_region(area)) region = *r;
  std::lock_guard lock(mutex_);
  if (!area.empty())
    if (auto it = pools_.find(area); it != pools_.end() && !it->second.empty())
      return CallerIdChoice{take(it->second), "area_code", region};
  if (!region.empty())
    if (auto it = pools_.find(region); it != pools_.end() && !it->second.empty())
      return CallerIdChoice{take(it->second), "region", region};
  if (config_.default_number.empty()) return std::nullopt;
  return CallerIdChoice{config_.default_number, "default", region};
}

}  // namespace callstream::ingress
