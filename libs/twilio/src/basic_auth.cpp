#include "callstream/twilio/basic_auth.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

namespace callstream::twilio {

std::string basic_authorization(std::string_view user, std::string_view password) {
  std::string plain = std::string(user) + ":" + std::string(password);
  std::string encoded(4 * ((plain.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()),
                          reinterpret_cast<const unsigned char*>(plain.data()),
                          static_cast<int>(plain.size()));
  encoded.resize(static_cast<size_t>(n));
  return "Basic " + encoded;
}

bool authorization_matches(std::string_view header, std::string_view expected) {
  return !expected.empty() && header.size() == expected.size() &&
         CRYPTO_memcmp(header.data(), expected.data(), header.size()) == 0;
}

}  // namespace callstream::twilio
