#pragma once
// The console's commands go through the ingress's operator API with the console's own key
// (CONSOLE_OPERATOR_KEY): the browser never holds it.
#include <optional>
#include <string>

#include "api_call.hpp"
#include "callstream/http/client.hpp"

namespace callstream::projector::console {

// 503 commands_disabled when CONSOLE_OPERATOR_KEY is not set (the console is read-only).
std::optional<http::Response> commands_disabled(const ApiCall& call);

// A request to the ingress's operator API with the console's key.
http::ClientRequest to_ingress(const ApiCall& call, const char* method, const std::string& target);

// The ingress's answer as the browser gets it: 502 when the ingress is unreachable or refuses
// the console's key (logged), else its status and body as they are.
http::Response from_ingress(const http::ClientResponse& r);

}  // namespace callstream::projector::console
