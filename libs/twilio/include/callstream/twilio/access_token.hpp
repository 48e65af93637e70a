#pragma once
// Twilio Access Token for the Voice SDK (a browser softphone): a JWT signed HS256 with an API
// key secret, header {"alg":"HS256","cty":"twilio-fpa;v=1","typ":"JWT"}, a Voice grant.
#include <chrono>
#include <cstdint>
#include <string>

namespace callstream::twilio {

struct VoiceGrant {
  bool incoming_allow = true;
  std::string outgoing_application_sid;  // AP...; empty = no outgoing grant
};

struct AccessTokenSettings {
  std::string account_sid;     // AC... (sub)
  std::string api_key_sid;     // SK... (iss; the jti starts with it)
  std::string api_key_secret;  // the HMAC key
  std::chrono::seconds ttl{3600};
};

// Twilio refuses tokens that live longer than this.
inline constexpr std::chrono::seconds kMaxTokenTtl{24 * 3600};

// The signed token for `identity`, issued at `now` (unix seconds): nbf = now, exp = now + ttl,
// jti = "<api_key_sid>-<now>". Throws std::invalid_argument for a ttl over 24 h or an empty
// identity.
std::string access_token(const AccessTokenSettings& settings, const std::string& identity,
                         const VoiceGrant& grant, int64_t now);

// base64url without padding (RFC 7515), for the token and for tests.
std::string base64url(std::string_view data);

}  // namespace callstream::twilio
