#pragma once
// A minimal blocking HTTP/1.1 client over a POSIX socket, for tests against a loopback server.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace callstream::test {

struct HttpReply {
  int status = 0;
  std::string headers;  // raw header block
  std::string body;
};

// Sends one request on a new connection (Connection: close) and reads the whole reply.
HttpReply http_request(uint16_t port, const std::string& method, const std::string& target,
                       const std::vector<std::pair<std::string, std::string>>& headers,
                       const std::string& body);

// Sends raw bytes and returns whatever comes back until the server closes (or timeout).
std::string raw_exchange(uint16_t port, const std::string& bytes, int timeout_ms);
// The same, the bytes sent in parts with `pause_ms` between them (a client on a slow network).
std::string raw_exchange(uint16_t port, const std::vector<std::string>& parts, int pause_ms,
                         int timeout_ms);

}  // namespace callstream::test
