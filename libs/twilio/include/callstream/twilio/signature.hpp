#pragma once
// X-Twilio-Signature: HMAC-SHA1 over the URL Twilio requested followed by the sorted POST
// parameters, base64, compared in constant time. Accepts the quirks Twilio's own SDKs accept:
// the URL with and without its port, the query with WHATWG percent-encoding, repeated keys
// (sorted, de-duplicated values), JSON bodies signed through a bodySHA256 query parameter, and
// several auth tokens at once (primary and secondary during a rotation).
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "callstream/twilio/form.hpp"

namespace callstream::twilio {

enum class SignatureCheck {
  valid,
  missing,        // no X-Twilio-Signature header: 400
  invalid,        // does not match any token or URL variant: 403
  body_mismatch,  // JSON body whose SHA-256 is not the signed bodySHA256: 403
};

const char* to_string(SignatureCheck c);

class SignatureValidator {
 public:
  // Tokens in order of preference; empty ones are ignored. At least one is required.
  explicit SignatureValidator(std::vector<std::string> auth_tokens);

  // A form-encoded POST (params = the decoded body) or a GET (params empty).
  SignatureCheck validate(std::string_view url, const Params& params,
                          std::string_view signature) const;
  // The same with the parameters already sorted (sort_params).
  SignatureCheck validate(std::string_view url, const SortedParams& sorted,
                          std::string_view signature) const;

  // An application/json POST: the URL carries bodySHA256=<hex sha256 of body>.
  SignatureCheck validate_json(std::string_view url, std::string_view body,
                               std::string_view signature) const;

  // The string HMAC-SHA1 is computed over (the URL without its #fragment, then the sorted
  // parameters), and the signature itself (for tests and tools).
  static std::string string_to_sign(std::string_view url, const Params& params);
  static std::string string_to_sign(std::string_view url, const SortedParams& sorted);
  static std::string compute(std::string_view auth_token, std::string_view url,
                             const Params& params);

  // The URLs tried for one request URL: as given, without its port, with the default port,
  // each also with a WHATWG-encoded query where that differs. De-duplicated, as given first.
  static std::vector<std::string> url_variants(std::string_view url);

 private:
  struct Key;  // one token's precomputed HMAC state
  bool matches(std::string_view url, std::string_view payload_suffix,
               std::string_view signature) const;
  bool matches_any(std::string_view url, std::string_view payload_suffix,
                   std::string_view signature) const;
  std::vector<std::shared_ptr<const Key>> keys_;
};

// Lowercase hex SHA-256.
std::string sha256_hex(std::string_view data);

}  // namespace callstream::twilio
