#include "operator_api.hpp"

#include <openssl/crypto.h>

#include <cctype>

#include "callstream/core/log.hpp"
#include "callstream/core/time.hpp"
#include "callstream/events/cloudevent.hpp"
#include "callstream/events/json.hpp"
#include "callstream/twilio/phone_number.hpp"

namespace callstream::ingress {
namespace log = core::log;
namespace {

http::Response json_response(int status, std::string body) {
  return http::Response{status, "application/json", std::move(body), {}};
}

bool same_secret(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// Agent identities as Twilio Client names them: letters, digits, _ - . @.
bool identity_ok(std::string_view s) {
  if (s.empty() || s.size() > 121) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' ||
          c == '@'))
      return false;
  return true;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

bool json_body(const http::Request& r) {
  std::string_view ct = r.header("Content-Type");
  return ct.substr(0, ct.find(';')) == "application/json";
}

std::string query_value(const http::Request& r, std::string_view key) {
  if (auto params = twilio::decode_form(r.query()))
    if (const std::string* v = twilio::find_param(*params, key)) return *v;
  return {};
}

}  // namespace

OperatorApi::OperatorApi(OperatorApiSettings settings, const CallFlowConfig& flow,
                         OptOutList& optouts, core::Registry& metrics, PublishAll publish_all,
                         PublishAlongside publish_alongside)
    : settings_(std::move(settings)),
      flow_(flow),
      optouts_(optouts),
      metrics_(metrics),
      publish_all_(std::move(publish_all)),
      publish_alongside_(std::move(publish_alongside)),
      caller_ids_(settings_.caller_ids),
      rest_(settings_.rest),
      twilio_latency_(metrics.histogram("callstream_ingress_twilio_api_seconds",
                                        "Time to create a call with Twilio's REST API, retries "
                                        "included",
                                        core::latency_buckets())) {
  metrics.gauge_callback("callstream_ingress_optouts", "Numbers on the opt-out list",
                         [this] { return static_cast<double>(optouts_.size()); });
  for (size_t i = 0; i < std::max<size_t>(settings_.workers, 1); ++i)
    workers_.emplace_back([this] {
      for (;;) {
        std::function<void()> job;
        {
          std::unique_lock lock(mutex_);
          wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
          if (jobs_.empty()) return;  // stopping, nothing left
          job = std::move(jobs_.front());
          jobs_.pop_front();
        }
        job();
      }
    });
}

OperatorApi::~OperatorApi() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : workers_) t.join();
}

bool OperatorApi::submit(std::function<void()> job) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || jobs_.size() >= settings_.queue_limit) return false;
    jobs_.push_back(std::move(job));
  }
  wake_.notify_one();
  return true;
}

void OperatorApi::count(const std::string& route, int status) {
  metrics_
      .counter("callstream_ingress_requests_total", "Requests by route and HTTP status",
               {{"route", route}, {"status", std::to_string(status)}})
      .inc();
}

bool OperatorApi::handle(http::Request& request, http::Respond& respond) {
  std::string_view path = request.path();
  std::string route;
  if (path == "/make_call" || path == "/token")
    route = std::string(path);
  else if (path == "/optouts" || path.rfind("/optouts/", 0) == 0)
    route = "/optouts";
  else
    return false;
  // Every answer of this API is counted under its route.
  http::Respond answer = [this, route, respond = std::move(respond)](http::Response r) {
    count(route, r.status);
    respond(std::move(r));
  };
  if (settings_.api_keys.empty()) {
    answer(http::error_response(404, "not_found",
                                "the operator API is not configured (OPERATOR_API_KEYS)"));
    return true;
  }
  std::string_view presented = request.header("X-API-Key");
  std::string_view authorization = request.header("Authorization");
  if (presented.empty() && authorization.rfind("Bearer ", 0) == 0)
    presented = authorization.substr(7);
  bool known = false;
  for (const auto& k : settings_.api_keys) known = same_secret(presented, k) || known;
  if (!known) {
    auto r = http::error_response(401, "unauthorized",
                                  "an API key is required (Authorization: Bearer <key>)");
    r.headers.emplace_back("WWW-Authenticate", "Bearer");
    answer(std::move(r));
    return true;
  }
  if (route == "/make_call") {
    if (request.method != "POST") {
      auto r = http::error_response(405, "method_not_allowed", "use POST");
      r.headers.emplace_back("Allow", "POST");
      answer(std::move(r));
    } else {
      make_call(request, std::move(answer));
    }
  } else if (route == "/token") {
    if (request.method != "GET") {
      auto r = http::error_response(405, "method_not_allowed", "use GET");
      r.headers.emplace_back("Allow", "GET");
      answer(std::move(r));
    } else {
      token(request, std::move(answer));
    }
  } else {
    optouts(request, std::move(answer));
  }
  return true;
}

void OperatorApi::make_call(const http::Request& request, http::Respond respond) {
  if (!json_body(request))
    return respond(
        http::error_response(415, "unsupported_media_type", "expected application/json"));
  std::string error;
  auto doc = events::JsonDocument::parse(request.body, &error);
  if (!doc || !doc->is_object())
    return respond(
        http::error_response(400, "malformed_body", doc ? "expected a JSON object" : error));
  std::string to_text(doc->string_at({"to"}).value_or(""));
  std::string agent(doc->string_at({"agent"}).value_or(""));
  std::string why;
  auto to = twilio::normalize_e164(to_text, &why);
  if (!to)
    return respond(http::error_response(
        422, "invalid_number", "'to' must be a phone number in E.164 (+13055550100): " + why));
  if (!identity_ok(agent))
    return respond(http::error_response(
        422, "invalid_agent",
        "'agent' must be the agent's client identity (letters, digits, _ - . @)"));
  if (optouts_.contains(*to)) {
    metrics_
        .counter("callstream_ingress_outbound_calls_total", "POST /make_call outcomes",
                 {{"result", "opted_out"}})
        .inc();
    return respond(http::error_response(
        409, "opted_out", *to + " is on the opt-out list: the number asked not to be called"));
  }
  auto caller_id = caller_ids_.choose(*to);
  if (!caller_id)
    return respond(http::error_response(503, "no_caller_id",
                                        "no caller id fits and TWILIO_PHONE_NUMBER is not set"));

  const std::string& base = settings_.base_url;
  twilio::Params params = {{"To", *to},
                           {"From", caller_id->number},
                           {"Url", base + "/outbound?" + twilio::encode_form({{"agent", agent}})},
                           {"Method", "POST"},
                           {"StatusCallback", base + "/call_status"},
                           {"StatusCallbackMethod", "POST"},
                           {"StatusCallbackEvent", "initiated"},
                           {"StatusCallbackEvent", "ringing"},
                           {"StatusCallbackEvent", "answered"},
                           {"StatusCallbackEvent", "completed"},
                           {"Timeout", std::to_string(flow_.outbound_ring_seconds)}};
  if (flow_.recording != RecordingMode::off) {
    params.emplace_back("Record", "true");
    params.emplace_back("RecordingChannels",
                        flow_.recording == RecordingMode::dual ? "dual" : "mono");
    params.emplace_back("RecordingStatusCallback", base + "/recording_status");
    params.emplace_back("RecordingStatusCallbackEvent", "in-progress completed absent");
  }
  if (flow_.machine_detection != MachineDetection::off)
    params.emplace_back("MachineDetection", to_string(flow_.machine_detection));

  auto job = [this, params = std::move(params), to = *to, agent, choice = *caller_id,
              respond]() mutable {
    auto started = std::chrono::steady_clock::now();
    twilio::CallResult result = rest_.create_call(params);
    twilio_latency_.observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    auto outcome = [this](const char* r) {
      metrics_
          .counter("callstream_ingress_outbound_calls_total", "POST /make_call outcomes",
                   {{"result", r}})
          .inc();
    };
    if (!result.call) {
      const twilio::RestError& e = result.error;
      log::warn("twilio refused or failed the call",
                {{"to", log::mask_phone(to)},
                 {"http_status", std::to_string(e.http_status)},
                 {"twilio_code", std::to_string(e.code)},
                 {"error", e.message}});
      events::JsonWriter w;
      int status;
      const char* code;
      if (e.http_status >= 400 && e.http_status < 500 && e.http_status != 429 &&
          e.http_status != 401 && e.http_status != 403) {
        status = 422, code = "twilio_rejected";  // the request itself: a bad number, say
      } else if (e.http_status == 401 || e.http_status == 403) {
        status = 502, code = "twilio_auth";  // our credentials: an operator's problem
      } else if (e.retryable) {
        status = 503, code = "twilio_unavailable";
      } else {
        status = 504, code = "twilio_outcome_unknown";
      }
      outcome(code);
      w.begin_object().field("error", code).field("message", e.message);
      if (e.code) w.key("twilio_code").integer(e.code);
      if (!e.more_info.empty()) w.field("more_info", e.more_info);
      w.end_object();
      http::Response r = json_response(status, w.str());
      if (status == 503) r.headers.emplace_back("Retry-After", "5");
      return respond(std::move(r));
    }
    const twilio::CreatedCall& call = *result.call;
    outcome("placed");
    metrics_
        .counter("callstream_ingress_caller_id_total", "Caller ids chosen, by how they matched",
                 {{"match", choice.match}})
        .inc();
    log::info("outbound call placed", {{"call_sid", call.sid},
                                       {"to", log::mask_phone(to)},
                                       {"from", log::mask_phone(choice.number)},
                                       {"caller_id_match", choice.match},
                                       {"attempts", std::to_string(call.attempts)}});

    events::JsonWriter data;
    data.begin_object()
        .field("call_sid", call.sid)
        .field("to", to)
        .field("from", choice.number)
        .field("caller_id_match", choice.match);
    if (!choice.to_region.empty()) data.field("to_region", choice.to_region);
    data.field("agent", agent)
        .field("machine_detection", to_string(flow_.machine_detection))
        .field("twilio_status", call.status)
        .key("twilio_attempts")
        .integer(call.attempts)
        .end_object();
    auto now = core::now_millis();
    events::CloudEvent e;
    e.id = events::event_id("/make_call", {{"CallSid", call.sid}});
    e.source = settings_.base_url + "/make_call";
    e.type = "io.callstream.call.outbound-requested";
    e.subject = call.sid;
    e.receivedat = core::format_rfc3339(now);
    e.time = e.receivedat;
    e.dataschema = "schemas/outbound-call.json";
    e.twilioaccount = settings_.rest.account_sid;
    e.data = data.str();
    kafka::Message message{settings_.calls_topic,
                           call.sid,
                           events::serialize(e),
                           {{"ce_type", e.type},
                            {"ce_id", e.id},
                            {"content-type", std::string(events::kContentType)}}};

    events::JsonWriter body;
    body.begin_object()
        .field("call_sid", call.sid)
        .field("to", to)
        .field("from", choice.number)
        .field("caller_id_match", choice.match)
        .field("status", call.status)
        .end_object();
    // The call exists now: its event must land. Answered once persisted; if Kafka cannot take
    // it in time, it is retried in the background and the answer says so.
    publish_all_({message}, [this, message, respond, body = body.str()](bool ok, std::string) {
      if (!ok) publish_alongside_(message, "/make_call");
      http::Response r = json_response(201, body);
      if (!ok) r.headers.emplace_back("X-Callstream-Event", "pending");
      respond(std::move(r));
    });
  };
  if (!submit(std::move(job))) {
    auto r = http::error_response(503, "busy", "too many calls being placed; retry shortly");
    r.headers.emplace_back("Retry-After", "1");
    respond(std::move(r));
  }
}

void OperatorApi::token(const http::Request& request, http::Respond respond) {
  if (settings_.token.api_key_sid.empty())
    return respond(http::error_response(
        404, "not_found", "tokens are not configured (TWILIO_API_KEY_SID, TWILIO_API_KEY_SECRET)"));
  std::string identity = query_value(request, "identity");
  if (!identity_ok(identity))
    return respond(http::error_response(
        422, "invalid_identity",
        "identity (the agent's client name: letters, digits, _ - . @) is required"));
  int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  std::string jwt = twilio::access_token(
      settings_.token, identity, twilio::VoiceGrant{true, settings_.outgoing_application_sid}, now);
  metrics_.counter("callstream_ingress_tokens_issued_total", "Voice SDK access tokens issued")
      .inc();
  events::JsonWriter w;
  w.begin_object()
      .field("identity", identity)
      .field("token", jwt)
      .key("ttl_seconds")
      .integer(settings_.token.ttl.count())
      .key("expires_at")
      .integer(now + settings_.token.ttl.count())
      .end_object();
  respond(json_response(200, w.str()));
}

void OperatorApi::optouts(const http::Request& request, http::Respond respond) {
  std::string_view path = request.path();
  std::string number_text;
  if (path.size() > 9) number_text = percent_decode(path.substr(9));  // after "/optouts/"
  std::string why;
  bool collection = path == "/optouts" || path == "/optouts/";

  auto state = [](const std::string& number, bool opted_out) {
    events::JsonWriter w;
    w.begin_object().field("number", number).key("opted_out").boolean(opted_out).end_object();
    return w.str();
  };
  if (collection && request.method == "POST") {
    if (!json_body(request))
      return respond(
          http::error_response(415, "unsupported_media_type", "expected application/json"));
    std::string error;
    auto doc = events::JsonDocument::parse(request.body, &error);
    if (!doc || !doc->is_object())
      return respond(
          http::error_response(400, "malformed_body", doc ? "expected a JSON object" : error));
    number_text = std::string(doc->string_at({"number"}).value_or(""));
    std::string reason(doc->string_at({"reason"}).value_or(""));
    auto number = twilio::normalize_e164(number_text, &why);
    if (!number)
      return respond(http::error_response(422, "invalid_number",
                                          "'number' must be in E.164 (+13055550100): " + why));
    OptOutChange change{*number, true, "api", "", reason.substr(0, 500), ""};
    auto now = core::now_millis();
    std::string id = events::event_id(
        "/optouts",
        {{"number", *number}, {"opted_out", "true"}, {"at", core::format_rfc3339(now)}});
    auto message =
        optout_message(change, settings_.optouts_topic, id, settings_.base_url + "/optouts", now);
    return publish_all_({message}, [this, number = *number, respond, state](bool ok,
                                                                            std::string error) {
      if (!ok) {
        auto r = http::error_response(503, "not_persisted", "opt-out not yet durable: " + error);
        r.headers.emplace_back("Retry-After", "1");
        return respond(std::move(r));
      }
      optouts_.set(number, true);
      respond(json_response(201, state(number, true)));
    });
  }
  if (collection) {
    auto r = http::error_response(405, "method_not_allowed",
                                  "POST /optouts, or GET or DELETE /optouts/{number}");
    r.headers.emplace_back("Allow", "POST");
    return respond(std::move(r));
  }
  auto number = twilio::normalize_e164(number_text, &why);
  if (!number)
    return respond(http::error_response(422, "invalid_number",
                                        "the number must be in E.164 (%2B13055550100): " + why));
  if (request.method == "GET")
    return respond(json_response(200, state(*number, optouts_.contains(*number))));
  if (request.method != "DELETE") {
    auto r = http::error_response(405, "method_not_allowed", "use GET or DELETE");
    r.headers.emplace_back("Allow", "GET, DELETE");
    return respond(std::move(r));
  }
  OptOutChange change{*number, false, "api", "", "", ""};
  auto now = core::now_millis();
  std::string id = events::event_id(
      "/optouts", {{"number", *number}, {"opted_out", "false"}, {"at", core::format_rfc3339(now)}});
  auto message =
      optout_message(change, settings_.optouts_topic, id, settings_.base_url + "/optouts", now);
  publish_all_({message}, [this, number = *number, respond, state](bool ok, std::string error) {
    if (!ok) {
      auto r = http::error_response(503, "not_persisted", "opt-in not yet durable: " + error);
      r.headers.emplace_back("Retry-After", "1");
      return respond(std::move(r));
    }
    optouts_.set(number, false);
    respond(json_response(200, state(number, false)));
  });
}

}  // namespace callstream::ingress
