#pragma once
// AWS Signature Version 4, written out: the canonical request, the string to sign, the signing
// key and the signature (docs.aws.amazon.com, "Create a signed AWS API request"), and from them
// presigned S3 URLs (query-string authentication), which the console's player streams from.
// Uploads are signed by libcurl (CURLOPT_AWS_SIGV4); this is the part libcurl cannot do. Checked
// against AWS's published SigV4 test suite and against botocore (tests/unit/sigv4_test.cpp,
// tests/e2e/test_sigv4_botocore.py).
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace callstream::s3 {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // temporary credentials (STS); empty for a long-lived key
};

// A request as SigV4 sees it. Names and values are as sent, before any encoding.
struct SignedRequest {
  std::string method = "GET";
  std::string host;        // the Host header: "bucket.s3.eu-west-1.amazonaws.com", "127.0.0.1:9000"
  std::string path = "/";  // decoded; each segment is URI-encoded once when signing (S3's rule)
  std::vector<std::pair<std::string, std::string>> query;
  std::vector<std::pair<std::string, std::string>> headers;  // besides Host
  std::string payload_sha256 = "UNSIGNED-PAYLOAD";           // hex, or UNSIGNED-PAYLOAD
};

struct Scope {
  std::string region;  // us-east-1
  std::string service = "s3";
};

// RFC 3986 percent-encoding of everything but A-Z a-z 0-9 - . _ ~ (and '/' when kept).
std::string uri_encode(std::string_view s, bool keep_slash = false);

// 20150830T123600Z for a Unix time.
std::string amz_date(int64_t unix_seconds);

// The canonical request (its SignedHeaders line comes back in `signed_headers`).
std::string canonical_request(const SignedRequest& request, std::string* signed_headers = nullptr);

// The hex signature of `request` at `unix_seconds`, as Authorization or X-Amz-Signature carry it.
std::string signature(const Credentials& credentials, const Scope& scope,
                      const SignedRequest& request, int64_t unix_seconds);

// The Authorization header of `request`, which must carry its X-Amz-Date header.
std::string authorization(const Credentials& credentials, const Scope& scope,
                          const SignedRequest& request, int64_t unix_seconds);

// A presigned URL for `method` of `path` on `host` ("https://" + host + path + query), valid
// `expires_seconds` (1 to 604800) from `unix_seconds`.
std::string presigned_url(const Credentials& credentials, const Scope& scope,
                          std::string_view scheme, SignedRequest request, int64_t unix_seconds,
                          int expires_seconds);

}  // namespace callstream::s3
