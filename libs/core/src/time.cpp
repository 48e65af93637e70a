#include "callstream/core/time.hpp"

#include <cctype>
#include <cstdio>

namespace callstream::core {
namespace {

// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

struct Civil {
  int64_t year;
  unsigned month, day;
};

// The civil date of a day count since 1970-01-01 (the inverse, same source). gmtime_r would take
// glibc's time-zone lock on every call, and every event formats two times.
Civil civil_from_days(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<int64_t>(yoe) + era * 400 + (m <= 2), m, d};
}

struct Cursor {
  std::string_view s;
  size_t i = 0;
  void skip_spaces() {
    while (i < s.size() && s[i] == ' ') ++i;
  }
  bool digits(int count, int& out) {
    out = 0;
    for (int k = 0; k < count; ++k) {
      if (i >= s.size() || !std::isdigit(static_cast<unsigned char>(s[i]))) return false;
      out = out * 10 + (s[i++] - '0');
    }
    return true;
  }
  bool up_to_digits(int max, int& out) {
    size_t start = i;
    out = 0;
    while (i < s.size() && i - start < static_cast<size_t>(max) &&
           std::isdigit(static_cast<unsigned char>(s[i])))
      out = out * 10 + (s[i++] - '0');
    return i > start;
  }
  bool literal(char c) {
    if (i < s.size() && s[i] == c) {
      ++i;
      return true;
    }
    return false;
  }
};

std::optional<SysMillis> make(int y, int mo, int d, int h, int mi, int s, int ms,
                              int offset_minutes) {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return std::nullopt;
  int64_t days = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  int64_t total = ((days * 24 + h) * 60 + mi - offset_minutes) * 60 + s;
  return SysMillis(std::chrono::milliseconds(total * 1000 + ms));
}

}  // namespace

SysMillis now_millis() {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

std::string format_rfc3339(SysMillis t) {
  int64_t ms = t.time_since_epoch().count();
  int64_t secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
  int msr = static_cast<int>(ms - secs * 1000);
  int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  int sod = static_cast<int>(secs - days * 86400);
  Civil date = civil_from_days(days);
  int year = static_cast<int>(date.year);
  int hour = sod / 3600, minute = sod / 60 % 60, second = sod % 60;
  if (date.year < 0 || date.year > 9999) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02d.%03dZ",
                  static_cast<long long>(date.year), date.month, date.day, hour, minute, second,
                  msr);
    return buf;
  }
  // Every event carries two of these: written by hand, snprintf is most of their cost.
  std::string out = "0000-00-00T00:00:00.000Z";
  auto put = [&out](size_t at, int value, int digits) {
    for (int i = digits - 1; i >= 0; --i, value /= 10)
      out[at + i] = static_cast<char>('0' + value % 10);
  };
  put(0, year, 4);
  put(5, static_cast<int>(date.month), 2);
  put(8, static_cast<int>(date.day), 2);
  put(11, hour, 2);
  put(14, minute, 2);
  put(17, second, 2);
  put(20, msr, 3);
  return out;
}

std::optional<SysMillis> parse_rfc2822(std::string_view text) {
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  Cursor c{text};
  c.skip_spaces();
  // Optional "Thu,"
  if (c.i < text.size() && std::isalpha(static_cast<unsigned char>(text[c.i]))) {
    auto comma = text.find(',', c.i);
    if (comma == std::string_view::npos) return std::nullopt;
    c.i = comma + 1;
    c.skip_spaces();
  }
  int day, year, h, mi, s = 0;
  if (!c.up_to_digits(2, day)) return std::nullopt;
  c.skip_spaces();
  if (c.i + 3 > text.size()) return std::nullopt;
  int month = 0;
  for (int k = 0; k < 12; ++k)
    if (text.substr(c.i, 3) == kMonths[k]) month = k + 1;
  if (month == 0) return std::nullopt;
  c.i += 3;
  c.skip_spaces();
  if (!c.digits(4, year)) return std::nullopt;
  c.skip_spaces();
  if (!c.digits(2, h) || !c.literal(':') || !c.digits(2, mi)) return std::nullopt;
  if (c.literal(':') && !c.digits(2, s)) return std::nullopt;
  c.skip_spaces();
  int offset = 0;
  std::string_view zone = text.substr(c.i);
  if (!zone.empty() && (zone[0] == '+' || zone[0] == '-')) {
    int sign = zone[0] == '-' ? -1 : 1;
    ++c.i;
    int hh, mm;
    if (!c.digits(2, hh) || !c.digits(2, mm)) return std::nullopt;
    offset = sign * (hh * 60 + mm);
  } else if (!(zone == "GMT" || zone == "UT" || zone == "UTC" || zone == "Z" || zone.empty())) {
    return std::nullopt;
  } else {
    c.i = text.size();
  }
  c.skip_spaces();
  if (c.i != text.size()) return std::nullopt;
  return make(year, month, day, h, mi, s, 0, offset);
}

std::optional<SysMillis> parse_rfc3339(std::string_view text) {
  Cursor c{text};
  int y, mo, d, h, mi, s, ms = 0;
  if (!c.digits(4, y) || !c.literal('-') || !c.digits(2, mo) || !c.literal('-') || !c.digits(2, d))
    return std::nullopt;
  if (!(c.literal('T') || c.literal('t') || c.literal(' '))) return std::nullopt;
  if (!c.digits(2, h) || !c.literal(':') || !c.digits(2, mi) || !c.literal(':') || !c.digits(2, s))
    return std::nullopt;
  if (c.literal('.')) {
    int frac = 0, n = 0;
    while (c.i < text.size() && std::isdigit(static_cast<unsigned char>(text[c.i]))) {
      if (n < 3) frac = frac * 10 + (text[c.i] - '0');
      ++n;
      ++c.i;
    }
    if (n == 0) return std::nullopt;
    for (; n < 3; ++n) frac *= 10;
    ms = frac;
  }
  int offset = 0;
  if (c.literal('Z') || c.literal('z')) {
  } else if (c.i < text.size() && (text[c.i] == '+' || text[c.i] == '-')) {
    int sign = text[c.i] == '-' ? -1 : 1;
    ++c.i;
    int hh, mm;
    if (!c.digits(2, hh) || !c.literal(':') || !c.digits(2, mm)) return std::nullopt;
    offset = sign * (hh * 60 + mm);
  } else {
    return std::nullopt;
  }
  if (c.i != text.size()) return std::nullopt;
  return make(y, mo, d, h, mi, s, ms, offset);
}

}  // namespace callstream::core
