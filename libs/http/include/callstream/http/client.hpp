#pragma once
// One outbound HTTP(S) exchange over libcurl, with connect and total deadlines: what the Twilio
// REST client and the alert sender (Slack) are built on. Blocking: call it from a worker thread.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace callstream::http {

struct ClientRequest {
  std::string method = "GET";  // GET, POST, DELETE...
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;                        // sent when not empty, or always for POST
  std::string basic_user, basic_password;  // HTTP Basic auth when basic_user is set
  std::chrono::milliseconds connect_timeout{3000};
  std::chrono::milliseconds timeout{10000};  // the whole exchange
  // Redirects are followed (credentials are never sent to another host); media on S3 does.
  bool follow_redirects = false;
  size_t max_body = 64 * 1024 * 1024;  // a longer answer fails (transport_error)
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
