#include "operator_api.hpp"

#include <chrono>

#include "callstream/core/log.hpp"
#include "callstream/core/time.hpp"
#include "callstream/events/cloudevent.hpp"
#include "callstream/events/json.hpp"
#include "callstream/twilio/phone_number.hpp"
#include "worker_activity.hpp"

namespace callstream::ingress {
namespace log = core::log;
using http::json_response;

namespace {

// The JSON object of a request body: 415 unless it says application/json, 400 unless it is an
// object.
core::Result<events::JsonDocument, http::Response> json_object(const http::Request& r) {
  std::string_view ct = r.header("Content-Type");
  if (ct.substr(0, ct.find(';')) != "application/json")
    return std::unexpected(
        http::error_response(415, "unsupported_media_type", "expected application/json"));
  auto doc = events::JsonDocument::parse(r.body);
  if (!doc)
    return std::unexpected(http::error_response(400, "malformed_body", doc.error().message));
  if (!doc->is_object())
    return std::unexpected(http::error_response(400, "malformed_body", "expected a JSON object"));
  return std::move(*doc);
}

std::string query_value(const http::Request& r, std::string_view key) {
  if (auto params = twilio::decode_form(r.query()))
    if (const std::string* v = twilio::find_param(*params, key)) return *v;
  return {};
}

std::string optout_state(const std::string& number, bool opted_out) {
  events::JsonWriter w;
  w.begin_object().field("number", number).key("opted_out").boolean(opted_out).end_object();
  return w.str();
}

}  // namespace

OperatorApi::OperatorApi(OperatorApiSettings settings, const CallFlowConfig& flow,
                         const events::Contract& contract, OptOutList& optouts,
                         CallerIdSelector& caller_ids, core::Registry& metrics,
                         PublishAll publish_all, PublishAlongside publish_alongside)
    : settings_(std::move(settings)),
      keys_(settings_.api_keys),
      flow_(flow),
      contract_(contract),
      optouts_(optouts),
      metrics_(metrics),
      publish_all_(std::move(publish_all)),
      publish_alongside_(std::move(publish_alongside)),
      caller_ids_(caller_ids),
      rest_(settings_.rest),
      jobs_(settings_.workers, settings_.queue_limit) {
  metrics_.optouts([this] { return static_cast<double>(optouts_.size()); });
}

void OperatorApi::handle(const Route& route, const http::Request& request, http::Respond respond) {
  if (keys_.empty())
    return respond(http::error_response(404, "not_found",
                                        "the operator API is not configured (OPERATOR_API_KEYS)"));
  if (!keys_.accepts(request)) {
    auto r = http::error_response(401, "unauthorized",
                                  "an API key is required (Authorization: Bearer <key>)");
    r.headers.emplace_back("WWW-Authenticate", "Bearer");
    return respond(std::move(r));
  }
  switch (route.handler) {
    case Handler::make_call:
      return make_call(request, std::move(respond));
    case Handler::token:
      return token(request, std::move(respond));
    case Handler::optouts:
      return add_optout(request, std::move(respond));
    case Handler::activities:
      return activities(std::move(respond));
    case Handler::worker_activity:
      return set_worker_activity(request, std::move(respond));
    default:
      return optout(request, std::move(respond));
  }
}

void OperatorApi::count_outcome(std::string_view result) {
  metrics_.outbound_calls.at({{"result", std::string(result)}}).inc();
}

// validate -> choose the caller id -> place the call (a job of its own) -> the event, the answer.
void OperatorApi::make_call(const http::Request& request, http::Respond respond) {
  auto call = validate_call(request);
  if (!call) return respond(std::move(call.error()));
  submit([this, call = *call, respond] { place_call(call, respond); }, respond);
}

void OperatorApi::submit(std::function<void()> job, const http::Respond& respond) {
  if (jobs_.submit(std::move(job))) return;
  auto r = http::error_response(503, "busy", "too many Twilio requests waiting; retry shortly");
  r.headers.emplace_back("Retry-After", "1");
  respond(std::move(r));
}

core::Result<OutboundCall, http::Response> OperatorApi::validate_call(
    const http::Request& request) {
  auto doc = json_object(request);
  if (!doc) return std::unexpected(std::move(doc.error()));
  auto to = twilio::normalize_e164(doc->string_at({"to"}).value_or(""));
  if (!to)
    return std::unexpected(http::error_response(
        422, "invalid_number",
        "'to' must be a phone number in E.164 (+13055550100): " + to.error().message));
  std::string agent(doc->string_at({"agent"}).value_or(""));
  if (!valid_identity(agent))
    return std::unexpected(http::error_response(
        422, "invalid_agent",
        "'agent' must be the agent's client identity (letters, digits, _ - . @)"));
  if (optouts_.contains(*to)) {
    count_outcome("opted_out");
    return std::unexpected(http::error_response(
        409, "opted_out", *to + " is on the opt-out list: the number asked not to be called"));
  }
  auto caller_id = caller_ids_.choose(*to);
  if (!caller_id)
    return std::unexpected(http::error_response(
        503, "no_caller_id", "no caller id fits and TWILIO_PHONE_NUMBER is not set"));
  return OutboundCall{*to, agent, *caller_id};
}

void OperatorApi::place_call(const OutboundCall& call, const http::Respond& respond) {
  auto started = std::chrono::steady_clock::now();
  auto created = rest_.create_call(call_request(call, flow_, settings_.base_url));
  metrics_.twilio_api_seconds.observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  if (!created) {
    const twilio::RestError& e = created.error();
    log::warn("twilio refused or failed the call", {{"to", log::mask_phone(call.to)},
                                                    {"http_status", std::to_string(e.http_status)},
                                                    {"twilio_code", std::to_string(e.code)},
                                                    {"error", e.message}});
    TwilioRefusal refusal = twilio_refusal(e);
    count_outcome(refusal.outcome);
    return respond(std::move(refusal.response));
  }
  count_outcome("placed");
  metrics_.caller_ids.at({{"match", call.caller_id.match}}).inc();
  log::info("outbound call placed", {{"call_sid", created->sid},
                                     {"to", log::mask_phone(call.to)},
                                     {"from", log::mask_phone(call.caller_id.number)},
                                     {"caller_id_match", call.caller_id.match},
                                     {"attempts", std::to_string(created->attempts)}});
  kafka::Message event =
      outbound_requested(call, *created, {"/make_call", flow_.machine_detection}, contract_,
                         settings_.base_url, settings_.rest.account_sid, core::now_millis());
  // The call exists now: its event must land. Answered once persisted; if Kafka cannot take
  // it in time, it is retried in the background and the answer says so.
  publish_all_({event}, [this, event, respond,
                         body = placed_body(call, *created)](core::Result<void> persisted) {
    if (!persisted) publish_alongside_(event, "/make_call");
    http::Response r = json_response(201, body);
    if (!persisted) r.headers.emplace_back("X-Callstream-Event", "pending");
    respond(std::move(r));
  });
}

void OperatorApi::token(const http::Request& request, http::Respond respond) {
  if (settings_.token.api_key_sid.empty())
    return respond(http::error_response(
        404, "not_found", "tokens are not configured (TWILIO_API_KEY_SID, TWILIO_API_KEY_SECRET)"));
  std::string identity = query_value(request, "identity");
  if (!valid_identity(identity))
    return respond(http::error_response(
        422, "invalid_identity",
        "identity (the agent's client name: letters, digits, _ - . @) is required"));
  int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  std::string jwt = twilio::access_token(
      settings_.token, identity, twilio::VoiceGrant{true, settings_.outgoing_application_sid}, now);
  metrics_.tokens_issued.inc();
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

void OperatorApi::activities(http::Respond respond) {
  if (settings_.workspace_sid.empty())
    return respond(http::error_response(404, "not_found",
                                        "TaskRouter is not configured (TASKROUTER_WORKSPACE_SID)"));
  {
    std::lock_guard lock(activities_mutex_);
    if (!activities_body_.empty() &&
        std::chrono::steady_clock::now() - activities_at_ < std::chrono::minutes(1))
      return respond(json_response(200, activities_body_));
  }
  submit(
      [this, respond] {
        auto listed = rest_.list_activities(settings_.workspace_sid);
        if (!listed) {
          log::warn("twilio did not list the workspace's activities",
                    {{"http_status", std::to_string(listed.error().http_status)},
                     {"error", listed.error().message}});
          return respond(std::move(twilio_refusal(listed.error()).response));
        }
        std::string body = activities_body(*listed);
        {
          std::lock_guard lock(activities_mutex_);
          activities_body_ = body;
          activities_at_ = std::chrono::steady_clock::now();
        }
        respond(json_response(200, body));
      },
      respond);
}

void OperatorApi::set_worker_activity(const http::Request& request, http::Respond respond) {
  if (settings_.workspace_sid.empty())
    return respond(http::error_response(404, "not_found",
                                        "TaskRouter is not configured (TASKROUTER_WORKSPACE_SID)"));
  auto doc = json_object(request);
  if (!doc) return respond(std::move(doc.error()));
  auto change = parse_activity_change(*doc);
  if (!change) return respond(std::move(change.error()));
  submit(
      [this, change = *change, respond] {
        auto updated = rest_.update_worker_activity(settings_.workspace_sid, change.worker_sid,
                                                    change.activity_sid);
        if (!updated) {
          const twilio::RestError& e = updated.error();
          log::warn("twilio did not set the worker's activity",
                    {{"worker_sid", change.worker_sid},
                     {"activity_sid", change.activity_sid},
                     {"http_status", std::to_string(e.http_status)},
                     {"twilio_code", std::to_string(e.code)},
                     {"error", e.message}});
          TwilioRefusal refusal = twilio_refusal(e);
          metrics_.worker_activity.at({{"result", refusal.outcome}}).inc();
          return respond(std::move(refusal.response));
        }
        metrics_.worker_activity.at({{"result", "updated"}}).inc();
        log::info("worker activity set", {{"worker_sid", change.worker_sid},
                                          {"activity", updated->activity_name},
                                          {"attempts", std::to_string(updated->attempts)}});
        respond(json_response(200, worker_body(*updated)));
      },
      respond);
}

// POST /optouts {"number", "reason"}
void OperatorApi::add_optout(const http::Request& request, http::Respond respond) {
  auto doc = json_object(request);
  if (!doc) return respond(std::move(doc.error()));
  auto number = twilio::normalize_e164(doc->string_at({"number"}).value_or(""));
  if (!number)
    return respond(http::error_response(
        422, "invalid_number",
        "'number' must be in E.164 (+13055550100): " + number.error().message));
  std::string reason(doc->string_at({"reason"}).value_or(""));
  change_optout(OptOutChange{*number, true, "api", "", reason.substr(0, 500), ""}, 201,
                std::move(respond));
}

// GET or DELETE /optouts/{number}
void OperatorApi::optout(const http::Request& request, http::Respond respond) {
  auto text = twilio::decode_path_segment(request.path().substr(9));  // after "/optouts/"
  auto number = text ? twilio::normalize_e164(*text) : std::unexpected(text.error());
  if (!number)
    return respond(http::error_response(
        422, "invalid_number",
        "the number must be in E.164 (%2B13055550100): " + number.error().message));
  if (request.method == "DELETE")
    return change_optout(OptOutChange{*number, false, "api", "", "", ""}, 200, std::move(respond));
  respond(json_response(200, optout_state(*number, optouts_.contains(*number))));
}

void OperatorApi::change_optout(OptOutChange change, int status, http::Respond respond) {
  auto now = core::now_millis();
  std::string id = events::event_id("/optouts", {{"number", change.number},
                                                 {"opted_out", change.opted_out ? "true" : "false"},
                                                 {"at", core::format_rfc3339(now)}});
  auto message = optout_message(change, contract_, id, settings_.base_url + "/optouts", now);
  publish_all_({message}, [this, change, status, respond](core::Result<void> persisted) {
    if (!persisted) {
      auto r = http::error_response(503, "not_persisted",
                                    std::string(change.opted_out ? "opt-out" : "opt-in") +
                                        " not yet durable: " + persisted.error().message);
      r.headers.emplace_back("Retry-After", "1");
      return respond(std::move(r));
    }
    optouts_.set(change.number, change.opted_out);
    respond(json_response(status, optout_state(change.number, change.opted_out)));
  });
}

}  // namespace callstream::ingress
