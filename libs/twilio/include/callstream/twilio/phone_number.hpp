#pragma once
// Phone numbers as Twilio takes them (E.164) and the North American Numbering Plan's area codes.
#include <optional>
#include <string>
#include <string_view>

#include "callstream/core/result.hpp"

namespace callstream::twilio {

// "+13055550100" from "+1 (305) 555-0100" and the like: a '+', then 8 to 15 digits (the first not
// 0) once spaces, dashes, dots and parentheses are removed. A +1 number must also be a valid
// NANP number: ten digits, area code and exchange not starting with 0 or 1, area code not N11.
// Fails otherwise (invalid_number), saying what is wrong.
core::Result<std::string> normalize_e164(std::string_view text);

// The area code of a +1 E.164 number ("305" of "+13055550100"); empty when not a NANP number.
std::string_view nanp_area_code(std::string_view e164);

// The region an area code serves: an ISO 3166-2 subdivision in the US and Canada ("US-FL",
// "CA-ON"), an ISO 3166-1 country elsewhere in the NANP ("PR", "JM"). Every assigned geographic
// area code is known, overlays included; nullopt for others (toll-free, unassigned).
std::optional<std::string_view> nanp_region(std::string_view area_code);

// A region as configuration may name it: "US-FL", "FL" (a US state or Canadian province), "PR".
// nullopt when no area code serves such a region.
std::optional<std::string> canonical_region(std::string_view name);

}  // namespace callstream::twilio
