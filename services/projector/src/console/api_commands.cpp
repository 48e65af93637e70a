#include "api_commands.hpp"

#include <algorithm>

#include "callstream/core/log.hpp"
#include "callstream/events/json.hpp"
#include "callstream/http/client.hpp"
#include "ingress_client.hpp"
#include "read_queries.hpp"

namespace callstream::projector::console {
namespace log = core::log;

namespace {

// Who takes the call back: an agent is always themselves; a supervisor names the agent.
core::Result<std::string, http::Response> callback_agent(const ApiCall& call) {
  if (call.only_agent()) return *call.only_agent();
  auto doc = events::JsonDocument::parse(call.request.body.empty() ? "{}" : call.request.body);
  std::optional<std::string_view> agent;
  if (doc && doc->is_object()) agent = doc->string_at({"agent"});
  if (!agent || agent->empty())
    return std::unexpected(http::error_response(
        422, "invalid_agent", "a supervisor names the agent who calls back: {\"agent\": \"...\"}"));
  return std::string(*agent);
}

std::string media_url(const ConsoleSettings& s, std::string_view sid, std::string_view format) {
  return s.twilio_api_base + "/2010-04-01/Accounts/" + s.account_sid + "/Recordings/" +
         std::string(sid) + "." + std::string(format);
}

bool valid_range(std::string_view range) {
  return range.starts_with("bytes=") && range.size() < 100 &&
         std::all_of(range.begin() + 6, range.end(), [](char c) {
           return (c >= '0' && c <= '9') || c == '-' || c == ',' || c == ' ';
         });
}

http::Response media_answer(http::ClientResponse&& r, std::string_view sid) {
  if (r.status == 200 || r.status == 206 || r.status == 416) {
    http::Response out{
        r.status, std::string(http::header(r, "content-type")), std::move(r.body), {}, {}};
    for (const char* name : {"content-range", "accept-ranges"})
      if (auto v = http::header(r, name); !v.empty()) out.headers.emplace_back(name, v);
    out.headers.emplace_back("Cache-Control", "private, max-age=300");
    return out;
  }
  if (r.status == 404)
    return http::error_response(404, "media_not_found", "Twilio has no media for this recording");
  log::error("console: recording media not fetched", {{"recording_sid", std::string(sid)},
                                                      {"status", std::to_string(r.status)},
                                                      {"error", r.transport_error}});
  return http::error_response(502, "media_unavailable",
                              r.status == 401 || r.status == 403
                                  ? "Twilio refused the account's credentials"
                                  : "Twilio did not deliver the recording");
}

// An archived recording: the player is sent to the archive with a presigned GET.
std::optional<http::Response> from_archive(const ConsoleSettings& s, std::string_view location) {
  std::string bucket = "s3://" + s.archive.bucket + "/";
  if (s.archive.bucket.empty() || !location.starts_with(bucket)) return std::nullopt;
  std::string key(location.substr(bucket.size()));
  auto now = std::chrono::duration_cast<std::chrono::seconds>(
      std::chrono::system_clock::now().time_since_epoch());
  http::Response r{302, "text/plain", "", {}, {}};
  r.headers.emplace_back(
      "Location", s3::S3Client(s.archive).presigned_get(key, s.playback_expiry, now.count()));
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

}  // namespace

http::Response post_callback(ApiCall& call) {
  if (auto disabled = commands_disabled(call)) return std::move(*disabled);
  auto number = call.db.exec("console_callback_number", sql::kCallbackNumber, {call.param});
  if (number.rows() == 0 || number.is_null(0, "from_number"))
    return http::error_response(404, "not_found", "no inbound call " + std::string(call.param));
  auto agent = callback_agent(call);
  if (!agent) return std::move(agent.error());
  events::JsonWriter body(128);
  body.begin_object().field("to", number.get(0, "from_number")).field("agent", *agent).end_object();
  http::ClientRequest req = to_ingress(call, "POST", "/make_call");
  req.headers.emplace_back("Content-Type", "application/json");
  req.body = body.str();
  log::info("console call back",
            {{"user", call.user->name}, {"call_sid", std::string(call.param)}});
  return from_ingress(http::exchange(req));
}

// Archived: a redirect to the archive's WAV. Else from Twilio: ?format=mp3 (the default) or
// wav, a Range header passed through so the player can seek.
http::Response get_recording_media(ApiCall& call) {
  auto rec = call.db.exec("console_recording", sql::kRecording, {call.param});
  if (rec.rows() == 0)
    return http::error_response(404, "not_found", "no recording " + std::string(call.param));
  if (auto self = call.only_agent(); self && rec.get(0, "agent") != *self)
    return forbidden("an agent hears only the calls they handled");
  if (auto archived = from_archive(call.settings, rec.get(0, "archive_location")))
    return std::move(*archived);
  const std::string* format = call.query_value("format");
  std::string fmt = format ? *format : "mp3";
  if (fmt != "mp3" && fmt != "wav")
    return http::error_response(422, "invalid_format", "mp3 or wav");
  http::ClientRequest req;
  req.url = media_url(call.settings, call.param, fmt);
  req.basic_user = call.settings.account_sid;
  req.basic_password = call.settings.auth_token;
  req.follow_redirects = true;
  req.timeout = std::chrono::seconds(60);
  std::string_view range = call.request.header("Range");
  if (!range.empty() && valid_range(range)) req.headers.emplace_back("Range", std::string(range));
  return media_answer(http::exchange(req), call.param);
}

}  // namespace callstream::projector::console
