#include "api_keys.hpp"

#include <openssl/crypto.h>

namespace callstream::ingress {
namespace {

bool same_secret(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

bool ApiKeys::accepts(const http::Request& request) const {
  std::string_view presented = request.header("X-API-Key");
  std::string_view authorization = request.header("Authorization");
  if (presented.empty() && authorization.rfind("Bearer ", 0) == 0)
    presented = authorization.substr(7);
  bool known = false;
  for (const auto& k : keys_) known = same_secret(presented, k) || known;  // no early exit
  return known && !presented.empty();
}

}  // namespace callstream::ingress
