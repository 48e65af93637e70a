#pragma once
// The console's route table: every /api/ path, who may call it, and its handler. A path
// segment written {sid} matches one Twilio SID (letters and digits) and is the handler's
// `param`. docs/console.md lists the same table.
#include <optional>
#include <string_view>

#include "api_call.hpp"

namespace callstream::projector::console {

enum class Access {
  anyone,      // signing in
  signed_in,   // supervisors and agents (agents see their own calls only)
  supervisor,  // supervisors only
};

using ApiHandler = http::Response (*)(ApiCall&);

struct ApiRoute {
  std::string_view method;
  std::string_view path;
  Access access;
  ApiHandler handler;
  std::string_view name;  // the metrics' route label
};

struct RouteMatch {
  const ApiRoute* route = nullptr;  // nullptr: no route has this path
  bool method_allowed = false;
  std::string_view param;
};

RouteMatch match_route(std::string_view method, std::string_view path);

}  // namespace callstream::projector::console
