#include "callstream/twilio/phone_number.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

namespace callstream::twilio {
namespace {

struct AreaCode {
  std::string_view code;
  std::string_view region;
};

constexpr AreaCode kRegions[] = {
#include "nanp_regions.inc"
};

constexpr bool sorted_by_code() {
  for (size_t i = 1; i < std::size(kRegions); ++i)
    if (!(kRegions[i - 1].code < kRegions[i].code)) return false;
  return true;
}
static_assert(sorted_by_code(), "nanp_regions.inc must be sorted by area code");

bool digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

core::Result<std::string> normalize_e164(std::string_view text) {
  auto fail = [](const char* reason) { return core::fail("invalid_number", reason); };
  std::string out;
  for (char c : text) {
    if (c == ' ' || c == '-' || c == '.' || c == '(' || c == ')') continue;
    if (c == '+' && out.empty()) {
      out += c;
      continue;
    }
    if (!digit(c)) return fail("only digits, after a leading '+', may form a phone number");
    if (out.empty()) return fail("a phone number in E.164 starts with '+' and the country code");
    out += c;
  }
  if (out.size() < 2) return fail("a phone number in E.164 starts with '+' and the country code");
  if (out[1] == '0') return fail("a country code never starts with 0");
  if (out.size() < 9 || out.size() > 16) return fail("E.164 numbers have 8 to 15 digits");
  if (out[1] == '1') {
    if (out.size() != 12) return fail("a +1 (NANP) number has ten digits after the +1");
    if (out[2] < '2' || out[5] < '2')
      return fail("NANP area codes and exchanges do not start with 0 or 1");
    if (out[3] == '1' && out[4] == '1') return fail("N11 codes are not area codes");
  }
  return out;
}

std::string_view nanp_area_code(std::string_view e164) {
  if (e164.size() != 12 || e164[0] != '+' || e164[1] != '1') return {};
  return e164.substr(2, 3);
}

std::optional<std::string_view> nanp_region(std::string_view area_code) {
  auto it =
      std::lower_bound(std::begin(kRegions), std::end(kRegions), area_code,
                       [](const AreaCode& a, std::string_view code) { return a.code < code; });
  if (it == std::end(kRegions) || it->code != area_code) return std::nullopt;
  return it->region;
}

std::optional<std::string> canonical_region(std::string_view name) {
  std::string upper;
  for (char c : name) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (const auto& a : kRegions) {
    if (a.region == upper) return upper;
    if (upper.size() == 2 && a.region.size() == 5 && a.region.substr(3) == upper)
      return std::string(a.region);
  }
  return std::nullopt;
}

}  // namespace callstream::twilio
