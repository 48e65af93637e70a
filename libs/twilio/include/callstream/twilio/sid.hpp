#pragma once
// Twilio's resource identifiers: a two-letter prefix naming the kind (CA a call, RE a recording,
// WK a worker, WA an activity...) and 32 hex digits.
#include <string_view>

namespace callstream::twilio {

// `s` is a SID of the kind `prefix` names (so never a path, a query or anything else).
bool is_sid(std::string_view s, std::string_view prefix);

}  // namespace callstream::twilio
