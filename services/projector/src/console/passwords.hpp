#pragma once
// Console passwords: Argon2id through libsodium (crypto_pwhash_str), never a fast hash.
#include <string>
#include <string_view>

#include "callstream/core/result.hpp"

namespace callstream::projector::console {

// At least kMinPasswordLength characters; the hash embeds its salt and cost.
inline constexpr size_t kMinPasswordLength = 10;
core::Result<std::string> hash_password(std::string_view password);
bool verify_password(std::string_view hash, std::string_view password);
// Spends what a verification spends, for a name that does not exist: the answer's timing then
// does not tell which of name or password was wrong.
void verify_nothing(std::string_view password);

// `bytes` random bytes from the operating system's generator, as URL-safe base64 (no padding).
std::string random_token(size_t bytes);
// SHA-256 of `text`, as the raw 32 bytes.
std::string sha256(std::string_view text);

}  // namespace callstream::projector::console
