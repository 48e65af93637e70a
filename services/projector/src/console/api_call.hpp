#pragma once
// What a console API handler is given, and the helpers every handler answers with.
#include <optional>
#include <string>
#include <string_view>

#include "callstream/http/message.hpp"
#include "callstream/pg/connection.hpp"
#include "callstream/twilio/form.hpp"
#include "console_settings.hpp"
#include "live_stream.hpp"
#include "sessions.hpp"

namespace callstream::projector::console {

struct ApiCall {
  const http::Request& request;
  const twilio::Params& query;
  std::string_view param;   // the {sid} of the route's path, when it has one
  const SessionUser* user;  // nullptr on routes open to anyone (sign-in)
  const ConsoleSettings& settings;
  pg::Connection& db;
  std::string address;                        // the client's address (X-Forwarded-For when trusted)
  const pg::ConnectionSettings& db_settings;  // for work on a connection of its own (export)
  LiveHub& live;

  const std::string* query_value(std::string_view key) const {
    return twilio::find_param(query, key);
  }
  // An agent's own name (the filter every read of calls gets), nullopt for a supervisor.
  std::optional<std::string> only_agent() const {
    if (user && !user->supervisor()) return user->name;
    return std::nullopt;
  }
};

using http::json_response;
// The statement's one `json` column as a 200 (kKpis, kQueues...).
http::Response json_of(pg::Connection& db, const char* name, const char* sql,
                       const std::vector<pg::Param>& params);
http::Response forbidden(std::string_view why);

}  // namespace callstream::projector::console
