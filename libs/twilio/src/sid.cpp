#include "callstream/twilio/sid.hpp"

#include <cctype>

namespace callstream::twilio {

bool is_sid(std::string_view s, std::string_view prefix) {
  if (s.size() != 34 || !s.starts_with(prefix)) return false;
  for (char c : s.substr(2))
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

}  // namespace callstream::twilio
