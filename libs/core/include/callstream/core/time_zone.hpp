#pragma once
// Local wall-clock time in an IANA time zone (America/New_York, America/Sao_Paulo...), read from
// the system's tz database, daylight saving included. The tz library stays behind this header.
#include <memory>
#include <string>
#include <string_view>

#include "callstream/core/result.hpp"
#include "callstream/core/time.hpp"

namespace callstream::core {

struct LocalTime {
  int year = 0, month = 0, day = 0;  // calendar date
  int weekday = 0;                   // 0 = Sunday ... 6 = Saturday
  int minute_of_day = 0;             // 0 ... 1439
  int second = 0;
  std::string date() const;  // "2026-12-25"
  std::string hhmm() const;  // "09:05"
};

class TimeZone {
 public:
  // Fails (unknown_time_zone) when the name is not in the tz database.
  static Result<TimeZone> locate(std::string_view name);

  LocalTime local(SysMillis t) const;
  const std::string& name() const { return name_; }

 private:
  TimeZone(const void* zone, std::string name) : zone_(zone), name_(std::move(name)) {}
  const void* zone_;  // a date::time_zone, owned by the library's database (lives forever)
  std::string name_;
};

}  // namespace callstream::core
