#pragma once
// One outbound HTTP(S) exchange over libcurl, with connect and total deadlines: what the Twilio
// REST client and the alert sender (Slack) are built on. Blocking: call it from a worker thread.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace callstream::http {

struct ClientRequest {
  std::string method = "GET";  // GET, POST, PUT, DELETE, HEAD...
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;                        // sent when not empty, or always for POST
  std::string basic_user, basic_password;  // HTTP Basic auth when basic_user is set
  std::chrono::milliseconds connect_timeout{3000};
  std::chrono::milliseconds timeout{10000};  // the whole exchange
  // Redirects are followed (credentials are never sent to another host); media on S3 does.
  bool follow_redirects = false;
  size_t max_body = 64 * 1024 * 1024;  // a longer answer fails (transport_error)
  // AWS SigV4, signed by libcurl (CURLOPT_AWS_SIGV4: "aws:amz:us-east-1:s3"); the access key
  // goes in basic_user and the secret in basic_password.
  std::string aws_sigv4;
  // The body streamed from this file instead of `body`: `upload_length` bytes from
  // `upload_offset` (a multipart upload's part), never all in memory.
  std::string upload_file;
  int64_t upload_offset = 0;
  int64_t upload_length = 0;
  // The answer's body handed over piece by piece instead of kept in `body` (a download to a
  // file); returning false stops the transfer (transport_error).
  std::function<bool(std::string_view)> on_body;
};

struct ClientResponse {
  int status = 0;  // 0: no HTTP answer (see transport_error)
  std::string body;
  // Every header of the final answer, names in lower case.
  std::vector<std::pair<std::string, std::string>> headers;
  std::optional<std::chrono::seconds> retry_after;  // Retry-After in seconds, when sent
  std::string transport_error;
  bool request_sent = false;  // the request may have reached the server (outcome unknown on error)
};

ClientResponse exchange(const ClientRequest& request);

// A header of `response` by lower-case name; empty when absent.
std::string_view header(const ClientResponse& response, std::string_view name);

}  // namespace callstream::http
