#pragma once
// The filters of the calls list and its CSV export, from the query string: checked once, bound
// as the parameters of kFilteredCalls (read_api.cpp).
#include <optional>
#include <string>
#include <vector>

#include "callstream/core/result.hpp"
#include "callstream/pg/connection.hpp"
#include "callstream/twilio/form.hpp"

namespace callstream::projector::console {

struct CallFilters {
  std::optional<std::string> from_day, to_day;  // YYYY-MM-DD, local days, inclusive
  std::optional<std::string> direction;         // inbound, outbound-api, outbound-dial...
  std::optional<std::string> outcome;           // answered, missed, abandoned
  std::optional<std::string> agent, queue;
  std::optional<std::string> number;                 // digits found in the from or to number
  std::optional<std::string> before_us, before_sid;  // the keyset cursor: older than this call
  std::optional<std::string> limit = "50";           // rows per page; none for the export

  // $1..$10 of kFilteredCalls, in order.
  std::vector<pg::Param> params() const;
};

// Fails (invalid_filter) naming the parameter. An agent's `agent` is always its own name.
core::Result<CallFilters> parse_call_filters(const twilio::Params& query,
                                             const std::optional<std::string>& only_agent);

// "<microseconds since the epoch>.<CallSid>": the cursor of the page after the given call.
std::string page_cursor(std::string_view started_us, std::string_view call_sid);

// True for YYYY-MM-DD.
bool is_day(std::string_view text);

}  // namespace callstream::projector::console
