#pragma once
// Plain HTTP request and response values: what a route handler sees, with no Beast types.
#include <functional>
#include <optional>
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
  std::string peer;  // the client's address as the socket sees it ("127.0.0.1")

  // Header value by case-insensitive name; empty when absent.
  std::string_view header(std::string_view name) const;
  std::string_view path() const;   // target up to '?'
  std::string_view query() const;  // after '?', without it; empty when none
};

// A body sent in pieces as they become ready (Transfer-Encoding: chunked): a live event stream,
// a CSV export read from a cursor. The server asks the source for the next piece each time the
// previous one is written; the source answers each ask once, from any thread, now or later, with
// the piece or with nullopt at the end. The server drops the source when the client goes away.
// A source that fails midway answers kAbortStream: the connection then closes without the
// chunked ending, so the client knows the body is incomplete.
using NextChunk = std::function<void(std::optional<std::string>)>;
inline constexpr std::string_view kAbortStream{"\0callstream:abort", 17};
using ChunkSource = std::function<void(NextChunk)>;

struct Response {
  int status = 200;
  std::string content_type;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  ChunkSource stream;  // when set, the body comes from it (and `body` is ignored)
};

// How a handler answers: exactly once, from any thread (see Server).
using Respond = std::function<void(Response)>;

// A short JSON error body: {"error":"<code>","message":"<message>"}.
Response error_response(int status, std::string_view code, std::string_view message);
Response text_response(int status, std::string content_type, std::string body);
Response json_response(int status, std::string body);

}  // namespace callstream::http
