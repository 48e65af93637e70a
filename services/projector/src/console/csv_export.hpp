#pragma once
// GET /api/calls.csv: the filtered calls list as CSV, read through a cursor on a connection and
// a thread of its own and written as it is read, so a month of calls never sits in memory.
#include "api_call.hpp"

namespace callstream::projector::console {

http::Response get_calls_csv(ApiCall& call, const pg::ConnectionSettings& db);

// One CSV field, quoted when it must be; a field a spreadsheet would run as a formula (=, @,
// or + and - before something other than a digit) is prefixed with an apostrophe.
void append_csv_field(std::string& out, std::string_view field);

}  // namespace callstream::projector::console
