#include "callstream/twilio/rest_client.hpp"

#include <curl/curl.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <ctime>
#include <random>
#include <thread>

namespace callstream::twilio {
namespace {

std::string string_member(const rapidjson::Value& v, const char* name) {
  if (!v.IsObject()) return {};
  auto it = v.FindMember(name);
  return it != v.MemberEnd() && it->value.IsString() ? it->value.GetString() : std::string();
}

}  // namespace

RestClient::RestClient(RestSettings settings) : settings_(std::move(settings)) {
  for (std::string* base : {&settings_.base_url, &settings_.taskrouter_base_url})
    while (!base->empty() && base->back() == '/') base->pop_back();
  sleep = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
}

std::string RestClient::account_path(const std::string& resource) const {
  return "/2010-04-01/Accounts/" + settings_.account_sid + "/" + resource;
}

RestResponse RestClient::exchange(const std::string& method, const std::string& path,
                                  const std::string& form) const {
  return exchange_at(settings_.base_url, method, path, form);
}

RestResponse RestClient::exchange_at(const std::string& base, const std::string& method,
                                     const std::string& path, const std::string& form) const {
  http::ClientRequest req;
  req.method = method;
  req.url = base + path;
  req.headers = {{"Accept", "application/json"}};
  if (method == "POST") {
    req.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    req.body = form;
  }
  req.basic_user = settings_.username;
  req.basic_password = settings_.password;
  req.connect_timeout = settings_.connect_timeout;
  req.timeout = settings_.timeout;
  return http::exchange(req);
}

RestError RestClient::error_of(const RestResponse& r) {
  RestError e;
  e.http_status = r.status;
  e.retryable = r.status == 0 || r.status == 429 || r.status >= 500;
  e.retry_after = r.retry_after;
  if (r.status == 0) {
    e.message = "no answer from Twilio: " + r.transport_error;
    return e;
  }
  rapidjson::Document doc;
  doc.Parse(r.body.data(), r.body.size());
  if (!doc.HasParseError() && doc.IsObject()) {
    e.message = string_member(doc, "message");
    e.more_info = string_member(doc, "more_info");
    auto code = doc.FindMember("code");
    if (code != doc.MemberEnd() && code->value.IsInt()) e.code = code->value.GetInt();
  }
  if (e.message.empty())
    e.message = "Twilio answered HTTP " + std::to_string(r.status) +
                (r.body.empty() ? std::string() : ": " + r.body.substr(0, 200));
  return e;
}

std::chrono::milliseconds RestClient::backoff(int attempt, const RestResponse& r) const {
  if (r.retry_after)
    return std::min<std::chrono::milliseconds>(*r.retry_after, std::chrono::seconds(60));
  thread_local std::mt19937 rng{std::random_device{}()};
  auto base = settings_.first_backoff * (1LL << std::min(attempt - 1, 10));
  base = std::min<std::chrono::milliseconds>(base, settings_.max_backoff);
  std::uniform_real_distribution<double> jitter(0.75, 1.25);
  return std::chrono::milliseconds(static_cast<long long>(base.count() * jitter(rng)));
}

core::Result<std::optional<CreatedCall>, RestError> RestClient::find_created_call(
    const Params& params, long since_unix) const {
  Params query;
  for (const char* name : {"To", "From"})
    if (const std::string* v = find_param(params, name)) query.emplace_back(name, *v);
  query.emplace_back("PageSize", "20");
  RestResponse r = exchange("GET", account_path("Calls.json?" + encode_form(query)), "");
  if (r.status != 200) return std::unexpected(error_of(r));
  rapidjson::Document doc;
  doc.Parse(r.body.data(), r.body.size());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("calls") || !doc["calls"].IsArray())
    return std::unexpected(
        RestError{r.status, 0, "unexpected answer to the call lookup", "", false});
  for (const auto& call : doc["calls"].GetArray()) {
    std::string created = string_member(call, "date_created");
    time_t t = created.empty() ? -1 : curl_getdate(created.c_str(), nullptr);
    if (t >= since_unix)
      return CreatedCall{string_member(call, "sid"), string_member(call, "status")};
  }
  return std::nullopt;
}

core::Result<CreatedCall, RestError> RestClient::create_call(const Params& params) {
  const std::string form = encode_form(params);
  // Twilio's clock and ours may differ a little: look back a few seconds more.
  const long since = static_cast<long>(std::time(nullptr)) - 5;
  for (int attempt = 1;; ++attempt) {
    RestResponse r = exchange("POST", account_path("Calls.json"), form);
    if (r.status == 200 || r.status == 201) {
      rapidjson::Document doc;
      doc.Parse(r.body.data(), r.body.size());
      std::string sid = doc.HasParseError() ? std::string() : string_member(doc, "sid");
      if (sid.empty())
        return std::unexpected(
            RestError{r.status, 0, "Twilio's answer carries no call sid", "", false});
      return CreatedCall{sid, string_member(doc, "status"), attempt, false};
    }
    RestError error = error_of(r);
    if (!error.retryable || attempt >= settings_.max_attempts) return std::unexpected(error);
    bool outcome_unknown =
        (r.status == 0 && r.request_sent) || r.status == 500 || r.status == 502 || r.status == 504;
    sleep(backoff(attempt, r));
    if (!outcome_unknown) continue;
    auto found = find_created_call(params, since);
    if (!found) {
      // Without knowing whether the call exists, another attempt could place it twice.
      error.retryable = false;
      error.message +=
          "; the call may have been created (lookup failed: " + found.error().message + ")";
      return std::unexpected(error);
    }
    if (*found) {
      CreatedCall call = **found;
      call.attempts = attempt;
      call.recovered = true;
      return call;
    }
  }
}

core::Result<RestResponse, RestError> RestClient::create_message(const Params& params) {
  const std::string form = encode_form(params);
  for (int attempt = 1;; ++attempt) {
    RestResponse r = exchange("POST", account_path("Messages.json"), form);
    if (r.status == 200 || r.status == 201) return r;
    bool not_taken = r.status == 429 || r.status == 503 || (r.status == 0 && !r.request_sent);
    if (!not_taken || attempt >= settings_.max_attempts) return std::unexpected(error_of(r));
    sleep(backoff(attempt, r));
  }
}

core::Result<void, RestError> RestClient::delete_recording(const std::string& recording_sid) {
  for (int attempt = 1;; ++attempt) {
    RestResponse r = exchange("DELETE", account_path("Recordings/" + recording_sid + ".json"), "");
    if (r.status == 204 || r.status == 200 || r.status == 404) return {};
    RestError error = error_of(r);
    if (!error.retryable || attempt >= settings_.max_attempts) return std::unexpected(error);
    sleep(backoff(attempt, r));
  }
}

RestResponse RestClient::taskrouter(const std::string& method, const std::string& path,
                                    const std::string& form, int& attempts) const {
  for (attempts = 1;; ++attempts) {
    RestResponse r = exchange_at(settings_.taskrouter_base_url, method, path, form);
    if (r.status == 200 || r.status == 201 || !error_of(r).retryable ||
        attempts >= settings_.max_attempts)
      return r;
    sleep(backoff(attempts, r));
  }
}

core::Result<WorkerState, RestError> RestClient::update_worker_activity(
    const std::string& workspace_sid, const std::string& worker_sid,
    const std::string& activity_sid) {
  int attempts = 0;
  RestResponse r = taskrouter("POST", "/v1/Workspaces/" + workspace_sid + "/Workers/" + worker_sid,
                              encode_form({{"ActivitySid", activity_sid}}), attempts);
  if (r.status != 200) return std::unexpected(error_of(r));
  rapidjson::Document doc;
  doc.Parse(r.body.data(), r.body.size());
  if (doc.HasParseError() || !doc.IsObject())
    return std::unexpected(
        RestError{r.status, 0, "unexpected answer to the worker update", "", false});
  return WorkerState{string_member(doc, "sid"), string_member(doc, "activity_sid"),
                     string_member(doc, "activity_name"), attempts};
}

core::Result<std::vector<Activity>, RestError> RestClient::list_activities(
    const std::string& workspace_sid) {
  int attempts = 0;
  RestResponse r = taskrouter("GET", "/v1/Workspaces/" + workspace_sid + "/Activities?PageSize=100",
                              "", attempts);
  if (r.status != 200) return std::unexpected(error_of(r));
  rapidjson::Document doc;
  doc.Parse(r.body.data(), r.body.size());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("activities") ||
      !doc["activities"].IsArray())
    return std::unexpected(
        RestError{r.status, 0, "unexpected answer to the activity list", "", false});
  std::vector<Activity> out;
  for (const auto& a : doc["activities"].GetArray()) {
    if (!a.IsObject()) continue;
    auto available = a.FindMember("available");
    out.push_back(
        {string_member(a, "sid"), string_member(a, "friendly_name"),
         available != a.MemberEnd() && available->value.IsBool() && available->value.GetBool()});
  }
  return out;
}

}  // namespace callstream::twilio
