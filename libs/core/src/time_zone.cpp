#include "callstream/core/time_zone.hpp"

#include <date/tz.h>

#include <cstdio>
#include <stdexcept>

namespace callstream::core {

std::string LocalTime::date() const {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", year, month, day);
  return buf;
}

std::string LocalTime::hhmm() const {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d:%02d", minute_of_day / 60, minute_of_day % 60);
  return buf;
}

Result<TimeZone> TimeZone::locate(std::string_view name) {
  try {
    const date::time_zone* zone = date::locate_zone(name);
    return TimeZone(zone, std::string(name));
  } catch (const std::exception& e) {
    return fail("unknown_time_zone",
                "unknown time zone '" + std::string(name) + "' (" + e.what() + ")");
  }
}

LocalTime TimeZone::local(SysMillis t) const {
  const auto* zone = static_cast<const date::time_zone*>(zone_);
  auto local = zone->to_local(std::chrono::time_point_cast<std::chrono::seconds>(t));
  auto day = date::floor<date::days>(local);
  date::year_month_day ymd(day);
  date::hh_mm_ss<std::chrono::seconds> tod(local - day);
  LocalTime out;
  out.year = static_cast<int>(ymd.year());
  out.month = static_cast<int>(static_cast<unsigned>(ymd.month()));
  out.day = static_cast<int>(static_cast<unsigned>(ymd.day()));
  out.weekday = static_cast<int>(date::weekday(day).c_encoding());
  out.minute_of_day = static_cast<int>(tod.hours().count() * 60 + tod.minutes().count());
  out.second = static_cast<int>(tod.seconds().count());
  return out;
}

}  // namespace callstream::core
