#pragma once
// "A value, or why not": what every callstream function that can fail in an expected way returns
// (a malformed webhook, a number that is not E.164, a refused REST call). One shape everywhere:
// std::expected with an error that says what kind of failure it is (`code`, stable: metrics,
// HTTP error codes and callers switch on it), what happened (`message`, for a log line or an
// error body) and whether the same request later can succeed (`retryable`).
//
// A library whose failures carry more keeps those three and adds its own (twilio::RestError:
// the HTTP status and Twilio's error code). Failures that end a unit of work rather than answer a
// request (a lost database connection, a fatal Kafka error) stay exceptions, typed the same way
// (pg::PgError, kafka::KafkaError: retryable or not).
//
// A configuration parser does not stop at the first mistake: it returns every problem it found
// (core::Problems, each naming its place: "rules[2].channels: ..."), so an operator fixes a file
// in one go; the service's Env reports them under the variable that names the file.
#include <expected>
#include <string>
#include <utility>
#include <vector>

namespace callstream::core {

struct Error {
  std::string code;
  std::string message;
  bool retryable = false;
};

template <class T, class E = Error>
using Result = std::expected<T, E>;

using Unexpected = std::unexpected<Error>;

// Every problem a configuration has, each a line naming its place.
using Problems = std::vector<std::string>;

// return core::fail("malformed_body", "expected a JSON object");
inline Unexpected fail(std::string code, std::string message, bool retryable = false) {
  return std::unexpected(Error{std::move(code), std::move(message), retryable});
}

}  // namespace callstream::core
