#include "ingress_client.hpp"

#include "callstream/core/log.hpp"

namespace callstream::projector::console {
namespace log = core::log;

http::Response from_ingress(const http::ClientResponse& r) {
  if (r.status == 0) {
    log::error("console: the ingress cannot be reached", {{"error", r.transport_error}});
    return http::error_response(502, "ingress_unreachable", "the ingress did not answer");
  }
  if (r.status == 401 || r.status == 403) {
    log::error("console: the ingress refused CONSOLE_OPERATOR_KEY",
               {{"status", std::to_string(r.status)}});
    return http::error_response(502, "ingress_refused", "the console's operator key is refused");
  }
  return json_response(r.status, r.body);  // 201, 409 opted_out, 422, 503: as the ingress says
}

// Commands need the ingress's operator key; without it the console answers reads only.
std::optional<http::Response> commands_disabled(const ApiCall& call) {
  if (!call.settings.operator_key.empty()) return std::nullopt;
  return http::error_response(503, "commands_disabled",
                              "CONSOLE_OPERATOR_KEY is not set: the console is read-only");
}

// A request to the ingress's operator API with the console's key.
http::ClientRequest to_ingress(const ApiCall& call, const char* method, const std::string& target) {
  http::ClientRequest req;
  req.method = method;
  req.url = call.settings.ingress_url + target;
  req.headers = {{"Authorization", "Bearer " + call.settings.operator_key}};
  req.timeout = std::chrono::seconds(30);
  return req;
}

}  // namespace callstream::projector::console
