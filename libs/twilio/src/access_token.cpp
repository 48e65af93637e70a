#include "callstream/twilio/access_token.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <stdexcept>

namespace callstream::twilio {

std::string base64url(std::string_view data) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  auto byte = [&data](size_t k) { return static_cast<unsigned char>(data[k]); };
  for (; i + 2 < data.size(); i += 3) {
    uint32_t n = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
    for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(n >> s) & 63];
  }
  if (i + 1 == data.size()) {
    uint32_t n = byte(i) << 16;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
  } else if (i + 2 == data.size()) {
    uint32_t n = (byte(i) << 16) | (byte(i + 1) << 8);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
  }
  return out;
}

std::string access_token(const AccessTokenSettings& settings, const std::string& identity,
                         const VoiceGrant& grant, int64_t now) {
  if (identity.empty()) throw std::invalid_argument("an access token needs an identity");
  if (settings.ttl.count() <= 0 || settings.ttl > kMaxTokenTtl)
    throw std::invalid_argument("an access token lives between 1 s and 24 h");

  // The header and claims in the layout of Twilio's Python SDK (PyJWT: sorted header keys).
  const std::string header = R"({"alg":"HS256","cty":"twilio-fpa;v=1","typ":"JWT"})";
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  auto str = [&w](std::string_view s) {
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  };
  w.StartObject();
  str("jti");
  str(settings.api_key_sid + "-" + std::to_string(now));
  str("grants");
  w.StartObject();
  str("voice");
  w.StartObject();
  if (grant.incoming_allow) {
    str("incoming");
    w.StartObject();
    str("allow");
    w.Bool(true);
    w.EndObject();
  }
  if (!grant.outgoing_application_sid.empty()) {
    str("outgoing");
    w.StartObject();
    str("application_sid");
    str(grant.outgoing_application_sid);
    w.EndObject();
  }
  w.EndObject();
  str("identity");
  str(identity);
  w.EndObject();
  str("iss");
  str(settings.api_key_sid);
  str("exp");
  w.Int64(now + settings.ttl.count());
  str("nbf");
  w.Int64(now);
  str("sub");
  str(settings.account_sid);
  w.EndObject();

  std::string signing_input = base64url(header) + "." + base64url(buffer.GetString());
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), settings.api_key_secret.data(),
       static_cast<int>(settings.api_key_secret.size()),
       reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size(), mac,
       &mac_len);
  return signing_input + "." +
         base64url(std::string_view(reinterpret_cast<const char*>(mac), mac_len));
}

}  // namespace callstream::twilio
