#include "callstream/http/message.hpp"

#include <algorithm>
#include <cctype>

#include "callstream/core/log.hpp"

namespace callstream::http {

namespace {

char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

}  // namespace

std::string_view Request::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (k.size() == name.size() && std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) {
          return ascii_lower(a) == ascii_lower(b);  // field names are ASCII: no locale
        }))
      return v;
  return {};
}

std::string_view Request::path() const {
  std::string_view t = target;
  return t.substr(0, t.find('?'));
}

std::string_view Request::query() const {
  std::string_view t = target;
  auto q = t.find('?');
  return q == std::string_view::npos ? std::string_view() : t.substr(q + 1);
}

Response error_response(int status, std::string_view code, std::string_view message) {
  std::string body = "{\"error\":\"";
  core::log::append_json_escaped(body, code);
  body += "\",\"message\":\"";
  core::log::append_json_escaped(body, message);
  body += "\"}";
  return Response{status, "application/json", std::move(body), {}};
}

Response text_response(int status, std::string content_type, std::string body) {
  return Response{status, std::move(content_type), std::move(body), {}};
}

}  // namespace callstream::http

namespace callstream::http {

Response json_response(int status, std::string body) {
  return Response{status, "application/json", std::move(body), {}, {}};
}

}  // namespace callstream::http
