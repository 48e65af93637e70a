#pragma once
// application/x-www-form-urlencoded bodies and query strings, as Twilio sends them.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "callstream/core/result.hpp"

namespace callstream::twilio {

// Parameters in the order received; a repeated key appears once per value.
using Params = std::vector<std::pair<std::string, std::string>>;

// Decodes a form body or a query string ('+' is a space, %XX escapes). Empty input is zero
// parameters. Malformed input (bad escapes, characters a query cannot hold) fails
// (malformed_form, saying where: "malformed form encoding near 'Caller=%zz'"), and so does decoded
// text that is not UTF-8 or holds NUL (parameters end up in JSON events and PostgreSQL).
core::Result<Params> decode_form(std::string_view text);

// One percent-encoded path segment ("/optouts/%2B13055550100"), by the same rules except that
// '+' is itself.
core::Result<std::string> decode_path_segment(std::string_view text);

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
