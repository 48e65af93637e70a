#include "routes.hpp"

namespace callstream::ingress {
namespace {

constexpr Route kRoutes[] = {
    {"/healthz", "GET", Auth::none, Handler::healthz},
    {"/readyz", "GET", Auth::none, Handler::readyz},
    // Status callbacks: TaskRouter sends some as GET.
    {"/call_status", "POST, GET", Auth::twilio_signature, Handler::status_webhook,
     "callstream.voice.calls.v1", describe_call_status},
    {"/amd_status", "POST", Auth::twilio_signature, Handler::status_webhook,
     "callstream.voice.calls.v1", describe_amd_status},
    {"/recording_status", "POST", Auth::twilio_signature, Handler::status_webhook,
     "callstream.voice.recordings.v1", describe_recording_status},
    {"/taskrouter_event", "POST", Auth::twilio_signature, Handler::status_webhook,
     "callstream.taskrouter.v1", describe_taskrouter_event},
    {"/voice", "POST", Auth::twilio_signature, Handler::voice},
    {"/outbound", "POST", Auth::twilio_signature, Handler::outbound},
    {"/queue_wait", "POST", Auth::twilio_signature, Handler::queue_wait},
    {"/dial_status", "POST", Auth::twilio_signature, Handler::dial_status},
    {"/whisper", "POST", Auth::twilio_signature, Handler::whisper},
    {"/assignment", "POST", Auth::twilio_signature, Handler::assignment},
    // The TwiML App's Voice URL: calls placed from the browser softphone.
    {"/client_voice", "POST", Auth::twilio_signature, Handler::client_voice},
    {"/sms", "POST", Auth::twilio_signature, Handler::sms},
    {"/events/twilio", "POST", Auth::event_streams, Handler::event_streams},
    {"/make_call", "POST", Auth::api_key, Handler::make_call},
    {"/token", "GET", Auth::api_key, Handler::token},
    {"/optouts", "POST", Auth::api_key, Handler::optouts},
    {"/optouts/{number}", "GET, DELETE", Auth::api_key, Handler::optout},
    {"/activities", "GET", Auth::api_key, Handler::activities},
    {"/worker_activity", "POST", Auth::api_key, Handler::worker_activity},
};

// A route's last segment may be a {placeholder}: any one non-empty segment.
bool matches(const Route& r, std::string_view path) {
  if (!r.path.ends_with('}')) return path == r.path;
  std::string_view prefix = r.path.substr(0, r.path.rfind('/') + 1);
  return path.size() > prefix.size() && path.starts_with(prefix) &&
         path.find('/', prefix.size()) == std::string_view::npos;
}

bool takes(const Route& r, std::string_view method) {
  if (method == "HEAD") method = "GET";
  for (size_t at = 0; at < r.methods.size();) {
    size_t end = r.methods.find(',', at);
    std::string_view m = r.methods.substr(at, end == std::string_view::npos ? end : end - at);
    if (m == method) return true;
    if (end == std::string_view::npos) break;
    at = end + 2;  // ", "
  }
  return false;
}

}  // namespace

std::span<const Route> routes() { return kRoutes; }

Refusal refuse(int status, std::string reason, std::string message) {
  http::Response r = http::error_response(status, reason, message);
  return {std::move(r), std::move(reason)};
}

core::Result<const Route*, Refusal> match(const http::Request& request) {
  std::string_view path = request.path();
  for (const Route& r : kRoutes) {
    if (!matches(r, path)) continue;
    if (takes(r, request.method)) return &r;
    Refusal refusal = refuse(405, "method_not_allowed", "use " + std::string(r.methods));
    refusal.response.headers.emplace_back("Allow", std::string(r.methods));
    return std::unexpected(std::move(refusal));
  }
  return std::unexpected(refuse(404, "not_found", "no route for " + std::string(path)));
}

}  // namespace callstream::ingress
