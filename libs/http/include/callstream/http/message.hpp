#pragma once
// Plain HTTP request and response values: what a route handler sees, with no Beast types.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace callstream::http {

struct Request {
  std::string method;  // "POST"
  std::string target;  // path and query exactly as sent, e.g. "/call_status?x=1"
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // Header value by case-insensitive name; empty when absent.
  std::string_view header(std::string_view name) const;
  std::string_view path() const;   // target up to '?'
  std::string_view query() const;  // after '?', without it; empty when none
};

struct Response {
  int status = 200;
  std::string content_type;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// A short JSON error body: {"error":"<code>","message":"<message>"}.
Response error_response(int status, std::string_view code, std::string_view message);
Response text_response(int status, std::string content_type, std::string body);

}  // namespace callstream::http
