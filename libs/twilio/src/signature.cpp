#include "callstream/twilio/signature.hpp"

// The low-level SHA functions are deprecated in OpenSSL 3 in favour of EVP, whose per-call
// algorithm fetch costs more than hashing a webhook. Their contexts are plain structs: an HMAC key
// is absorbed once and its state copied per request, with no allocation.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <stdexcept>

namespace callstream::twilio {
namespace {

std::string base64(const unsigned char* data, size_t len) {
  std::string out(4 * ((len + 2) / 3), '\0');
  int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(len));
  out.resize(static_cast<size_t>(n));
  return out;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

struct UrlParts {
  std::string_view scheme, authority_prefix /* userinfo@host */, port, rest /* path?query */;
  bool ok = false;
};

UrlParts split(std::string_view url) {
  UrlParts p;
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return p;
  p.scheme = url.substr(0, scheme_end);
  size_t auth_start = scheme_end + 3;
  size_t auth_end = url.find_first_of("/?#", auth_start);
  if (auth_end == std::string_view::npos) auth_end = url.size();
  std::string_view authority = url.substr(auth_start, auth_end - auth_start);
  p.rest = url.substr(auth_end);
  size_t at = authority.rfind('@');
  size_t host_start = at == std::string_view::npos ? 0 : at + 1;
  size_t bracket = authority.rfind(']');
  size_t colon = authority.rfind(':');
  if (colon != std::string_view::npos && colon >= host_start &&
      (bracket == std::string_view::npos || colon > bracket)) {
    p.port = authority.substr(colon + 1);
    p.authority_prefix = authority.substr(0, colon);
  } else {
    p.authority_prefix = authority;
  }
  p.ok = true;
  return p;
}

// Percent-encodes what the WHATWG URL parser encodes in a special URL's query.
std::string whatwg_query(std::string_view url) {
  auto q = url.find('?');
  if (q == std::string_view::npos) return std::string(url);
  std::string out(url.substr(0, q + 1));
  static const char* hex = "0123456789ABCDEF";
  for (unsigned char c : url.substr(q + 1)) {
    if (c <= 0x20 || c > 0x7E || c == '"' || c == '<' || c == '>' || c == '\'') {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string strip_fragment(std::string_view url) {
  auto hash = url.find('#');
  return std::string(hash == std::string_view::npos ? url : url.substr(0, hash));
}

}  // namespace

const char* to_string(SignatureCheck c) {
  switch (c) {
    case SignatureCheck::valid:
      return "valid";
    case SignatureCheck::missing:
      return "missing";
    case SignatureCheck::invalid:
      return "invalid";
    case SignatureCheck::body_mismatch:
      return "body_mismatch";
  }
  return "invalid";
}

// HMAC-SHA1 (RFC 2104) with the key's inner and outer states computed once.
struct SignatureValidator::Key {
  SHA_CTX inner, outer;

  explicit Key(std::string_view key) {
    unsigned char block[SHA_CBLOCK] = {};
    if (key.size() > SHA_CBLOCK) {
      SHA1(reinterpret_cast<const unsigned char*>(key.data()), key.size(), block);
    } else {
      std::copy(key.begin(), key.end(), block);
    }
    unsigned char pad[SHA_CBLOCK];
    for (size_t i = 0; i < SHA_CBLOCK; ++i) pad[i] = block[i] ^ 0x36;
    SHA1_Init(&inner);
    SHA1_Update(&inner, pad, SHA_CBLOCK);
    for (size_t i = 0; i < SHA_CBLOCK; ++i) pad[i] = block[i] ^ 0x5c;
    SHA1_Init(&outer);
    SHA1_Update(&outer, pad, SHA_CBLOCK);
    OPENSSL_cleanse(block, sizeof block);
    OPENSSL_cleanse(pad, sizeof pad);
  }

  // base64(HMAC-SHA1(key, a + b)) into out (28 characters and a NUL).
  void sign(std::string_view a, std::string_view b, char (&out)[32]) const {
    unsigned char mac[SHA_DIGEST_LENGTH];
    SHA_CTX c = inner;
    SHA1_Update(&c, a.data(), a.size());
    SHA1_Update(&c, b.data(), b.size());
    SHA1_Final(mac, &c);
    c = outer;
    SHA1_Update(&c, mac, sizeof mac);
    SHA1_Final(mac, &c);
    OPENSSL_cleanse(&c, sizeof c);
    EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out), mac, sizeof mac);
  }
};

SignatureValidator::SignatureValidator(std::vector<std::string> auth_tokens) {
  for (auto& t : auth_tokens)
    if (!t.empty()) keys_.push_back(std::make_shared<const Key>(t));
  if (keys_.empty())
    throw std::invalid_argument("SignatureValidator needs at least one auth token");
}

std::string SignatureValidator::string_to_sign(std::string_view url, const Params& params) {
  return string_to_sign(url, sort_params(params));
}

std::string SignatureValidator::string_to_sign(std::string_view url, const SortedParams& sorted) {
  url = url.substr(0, url.find('#'));  // Twilio never signs the fragment (connection overrides)
  size_t total = url.size();
  for (const auto& [k, v] : sorted) total += k.size() + v.size();
  std::string out;
  out.reserve(total);
  out += url;
  for (size_t i = 0; i < sorted.size(); ++i) {
    if (i > 0 && sorted[i] == sorted[i - 1]) continue;  // a repeated pair is signed once
    out += sorted[i].first;
    out += sorted[i].second;
  }
  return out;
}

std::string SignatureValidator::compute(std::string_view auth_token, std::string_view url,
                                        const Params& params) {
  std::string data = string_to_sign(url, params);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha1(), auth_token.data(), static_cast<int>(auth_token.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &mac_len);
  return base64(mac, mac_len);
}

std::vector<std::string> SignatureValidator::url_variants(std::string_view raw_url) {
  std::string url = strip_fragment(raw_url);
  std::vector<std::string> bases{url};
  UrlParts p = split(url);
  if (p.ok) {
    std::string scheme(p.scheme);
    std::string prefix = scheme + "://" + std::string(p.authority_prefix);
    if (!p.port.empty()) {
      bases.push_back(prefix + std::string(p.rest));  // port removed
    } else {
      const char* port = iequals(p.scheme, "https") ? ":443" : ":80";
      bases.push_back(prefix + port + std::string(p.rest));  // default port added
    }
  }
  std::vector<std::string> out;
  for (const auto& b : bases) {
    if (std::find(out.begin(), out.end(), b) == out.end()) out.push_back(b);
    std::string encoded = whatwg_query(b);
    if (std::find(out.begin(), out.end(), encoded) == out.end()) out.push_back(std::move(encoded));
  }
  return out;
}

bool SignatureValidator::matches(std::string_view url, std::string_view payload_suffix,
                                 std::string_view signature) const {
  bool matched = false;
  for (const auto& key : keys_) {  // every token, so timing does not tell which one matched
    char mine[32];
    key->sign(url, payload_suffix, mine);
    matched |= constant_time_equal(std::string_view(mine, 28), signature);
  }
  return matched;
}

bool SignatureValidator::matches_any(std::string_view url, std::string_view payload_suffix,
                                     std::string_view signature) const {
  // The URL as requested is what Twilio signs unless a proxy or port got in the way: try it
  // first, and build the variants only when it fails.
  std::string_view as_given = url.substr(0, url.find('#'));
  if (matches(as_given, payload_suffix, signature)) return true;
  for (const auto& candidate : url_variants(url))
    if (candidate != as_given && matches(candidate, payload_suffix, signature)) return true;
  return false;
}

SignatureCheck SignatureValidator::validate(std::string_view url, const Params& params,
                                            std::string_view signature) const {
  if (signature.empty()) return SignatureCheck::missing;
  return validate(url, sort_params(params), signature);
}

SignatureCheck SignatureValidator::validate(std::string_view url, const SortedParams& sorted,
                                            std::string_view signature) const {
  if (signature.empty()) return SignatureCheck::missing;
  // The parameter part of the signed string does not depend on the URL variant.
  std::string payload = string_to_sign("", sorted);
  return matches_any(url, payload, signature) ? SignatureCheck::valid : SignatureCheck::invalid;
}

SignatureCheck SignatureValidator::validate_json(std::string_view url, std::string_view body,
                                                 std::string_view signature) const {
  if (signature.empty()) return SignatureCheck::missing;
  auto q = url.find('?');
  core::Result<Params> query = core::fail("no_query", "the URL has no query");
  if (q != std::string_view::npos) {
    std::string_view qs = url.substr(q + 1);
    qs = qs.substr(0, qs.find('#'));
    query = decode_form(qs);
  }
  const std::string* signed_hash = query ? find_param(*query, "bodySHA256") : nullptr;
  if (!signed_hash || *signed_hash != sha256_hex(body)) return SignatureCheck::body_mismatch;
  return matches_any(url, {}, signature) ? SignatureCheck::valid : SignatureCheck::invalid;
}

std::string sha256_hex(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256_CTX c;
  SHA256_Init(&c);
  SHA256_Update(&c, data.data(), data.size());
  SHA256_Final(digest, &c);
  static const char* hex = "0123456789abcdef";
  std::string out(2 * SHA256_DIGEST_LENGTH, '\0');
  for (size_t i = 0; i < SHA256_DIGEST_LENGTH; ++i) {
    out[2 * i] = hex[digest[i] >> 4];
    out[2 * i + 1] = hex[digest[i] & 15];
  }
  return out;
}

}  // namespace callstream::twilio
