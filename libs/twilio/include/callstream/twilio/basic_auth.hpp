#pragma once
// HTTP Basic authorization: what Twilio sends to an Event Streams sink whose destination URL
// carries user:password, and what Twilio's REST API expects from us.
#include <string>
#include <string_view>

namespace callstream::twilio {

// "Basic " + base64(user ":" password)
std::string basic_authorization(std::string_view user, std::string_view password);

// Constant-time comparison of an Authorization header with the expected value.
bool authorization_matches(std::string_view header, std::string_view expected);

}  // namespace callstream::twilio
