#include "passwords.hpp"

#include <sodium.h>

#include <mutex>
#include <stdexcept>

namespace callstream::projector::console {
namespace {

void init_sodium() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (sodium_init() < 0) throw std::runtime_error("libsodium cannot start");
  });
}

// The interactive limits: 64 MiB and 2 passes, about 0.1 s here.
constexpr unsigned long long kOps = crypto_pwhash_OPSLIMIT_INTERACTIVE;
constexpr size_t kMemory = crypto_pwhash_MEMLIMIT_INTERACTIVE;

}  // namespace

core::Result<std::string> hash_password(std::string_view password) {
  init_sodium();
  if (password.size() < kMinPasswordLength)
    return core::fail("weak_password", "a password has at least " +
                                           std::to_string(kMinPasswordLength) + " characters");
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), kOps, kMemory,
                            crypto_pwhash_ALG_ARGON2ID13) != 0)
    return core::fail("out_of_memory", "not enough memory to hash the password", true);
  return std::string(out);
}

bool verify_password(std::string_view hash, std::string_view password) {
  init_sodium();
  std::string h(hash);  // crypto_pwhash_str_verify reads a NUL-terminated string
  return crypto_pwhash_str_verify(h.c_str(), password.data(), password.size()) == 0;
}

void verify_nothing(std::string_view password) {
  static const std::string dummy = *hash_password("callstream-no-such-user");
  verify_password(dummy, password);
}

std::string random_token(size_t bytes) {
  init_sodium();
  std::string raw(bytes, '\0');
  randombytes_buf(raw.data(), raw.size());
  std::string out(sodium_base64_ENCODED_LEN(bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(raw.data()),
                    raw.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(out.find('\0'));
  return out;
}

std::string sha256(std::string_view text) {
  init_sodium();
  std::string out(crypto_hash_sha256_BYTES, '\0');
  crypto_hash_sha256(reinterpret_cast<unsigned char*>(out.data()),
                     reinterpret_cast<const unsigned char*>(text.data()), text.size());
  return out;
}

}  // namespace callstream::projector::console
