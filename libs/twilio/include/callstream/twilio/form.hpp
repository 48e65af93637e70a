#pragma once
// application/x-www-form-urlencoded bodies and query strings, as Twilio sends them.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace callstream::twilio {

// Parameters in the order received; a repeated key appears once per value.
using Params = std::vector<std::pair<std::string, std::string>>;

struct FormError {
  std::string message;  // says what was wrong, e.g. "bad percent-encoding near 'Caller=%zz'"
};

// Decodes a form body or a query string ('+' is a space, %XX escapes). Empty input is zero
// parameters. Malformed input (bad escapes, characters a query cannot hold) is an error, and so
// is decoded text that is not UTF-8 or holds NUL (parameters end up in JSON events and PostgreSQL).
std::optional<Params> decode_form(std::string_view text, FormError* error = nullptr);

// Encodes parameters as an application/x-www-form-urlencoded body (unreserved characters kept,
// everything else %XX): the inverse of decode_form, for REST calls, tools and tests.
std::string encode_form(const Params& params);

// Views of the parameters sorted by key, then value, repeats kept: what the signature and the
// event id are both computed over, so a webhook's parameters are sorted once. The views point
// into `params`, which must outlive them.
using SortedParams = std::vector<std::pair<std::string_view, std::string_view>>;
SortedParams sort_params(const Params& params);

// The first value of `key`, or nullptr.
const std::string* find_param(const Params& params, std::string_view key);

}  // namespace callstream::twilio
