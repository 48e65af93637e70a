#pragma once
// The digests and encodings SigV4 and S3 requests are made of (this library's own).
#include <string>
#include <string_view>

namespace callstream::s3::detail {

std::string hex(std::string_view bytes);        // lower-case
std::string sha256(std::string_view data);      // raw digest
std::string sha256_hex(std::string_view data);  // SigV4's payload and request hashes
std::string hmac_sha256(std::string_view key, std::string_view data);  // raw
std::string base64(std::string_view bytes);  // x-amz-checksum-sha256, Content-MD5

}  // namespace callstream::s3::detail
