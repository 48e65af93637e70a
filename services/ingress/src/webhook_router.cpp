#include "webhook_router.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "callstream/events/cloudevent.hpp"
#include "callstream/events/json.hpp"
#include "callstream/twilio/basic_auth.hpp"
#include "callstream/twilio/form.hpp"
#include "callstream/twilio/phone_number.hpp"
#include "callstream/twilio/twiml.hpp"

namespace callstream::ingress {
namespace {

Decision refuse(std::string route, int status, const char* reason, std::string message) {
  Decision d;
  d.route = std::move(route);
  d.reject_reason = reason;
  d.response = http::error_response(status, reason, message);
  return d;
}

bool is_form(std::string_view content_type) {
  constexpr std::string_view kForm = "application/x-www-form-urlencoded";
  if (content_type.size() < kForm.size()) return false;
  for (size_t i = 0; i < kForm.size(); ++i) {
    char c = content_type[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');  // not the locale's tolower
    if (c != kForm[i]) return false;
  }
  return content_type.size() == kForm.size() || content_type[kForm.size()] == ';' ||
         content_type[kForm.size()] == ' ';
}

}  // namespace

WebhookRouter::WebhookRouter(RouterSettings settings, const twilio::SignatureValidator& validator,
                             const events::Contract& contract, const CallFlow& flow,
                             const OptOutList* optouts)
    : settings_(std::move(settings)),
      validator_(validator),
      contract_(contract),
      flow_(flow),
      optouts_(optouts) {
  for (const auto& w : status_webhooks()) topics_.push_back(contract.topic(w.topic_base));
  event_streams_topic_ = contract.topic("callstream.eventstreams.v1");
  calls_topic_ = contract.topic("callstream.voice.calls.v1");
  taskrouter_topic_ = contract.topic("callstream.taskrouter.v1");
  deadletter_topic_ = contract.topic("callstream.deadletter.v1");
  messaging_topic_ = contract.topic("callstream.messaging.v1");
  optouts_topic_ = contract.topic("callstream.optouts.v1");
}

http::Response WebhookRouter::persisted_response() {
  // TaskRouter asks for a JSON content type even on 204; Twilio ignores the body either way.
  return http::Response{204, "application/json", "", {}};
}

http::Response WebhookRouter::not_persisted_response(const std::string& why) {
  auto r = http::error_response(503, "not_persisted", "event not yet durable: " + why);
  r.headers.emplace_back("Retry-After", "1");
  return r;
}

Decision WebhookRouter::route(const http::Request& request, core::SysMillis received_at) const {
  std::string_view path = request.path();
  const auto& webhooks = status_webhooks();
  for (size_t i = 0; i < webhooks.size(); ++i)
    if (path == webhooks[i].path) return publish(webhooks[i], topics_[i], request, received_at);
  if (path == "/events/twilio") return event_streams(request, received_at);
  if (path == "/voice" || path == "/dial_status" || path == "/queue_wait" || path == "/whisper" ||
      path == "/assignment" || path == "/outbound")
    return call_control(path, request, received_at);
  if (path == "/sms") return sms(request, received_at);
  return refuse("unknown", 404, "not_found", "no route for " + std::string(path));
}

Decision WebhookRouter::event_streams(const http::Request& request,
                                      core::SysMillis received_at) const {
  const std::string route = "/events/twilio";
  if (settings_.event_streams_authorization.empty())
    return refuse(route, 404, "not_found",
                  "the Event Streams sink is not configured (EVENT_STREAMS_USER)");
  if (request.method != "POST") {
    Decision d = refuse(route, 405, "method_not_allowed", "use POST");
    d.response->headers.emplace_back("Allow", "POST");
    return d;
  }
  if (!twilio::authorization_matches(request.header("Authorization"),
                                     settings_.event_streams_authorization)) {
    Decision d = refuse(route, 401, "unauthorized", "HTTP Basic credentials missing or wrong");
    d.response->headers.emplace_back("WWW-Authenticate", "Basic realm=\"callstream\"");
    return d;
  }
  std::string_view content_type = request.header("Content-Type");
  if (content_type.substr(0, content_type.find(';')) != "application/json")
    return refuse(route, 415, "unsupported_media_type", "expected application/json");
  std::string error;
  auto doc = events::JsonDocument::parse(request.body, &error);
  if (!doc) return refuse(route, 400, "malformed_body", error);
  std::vector<std::string> elements;
  if (doc->is_array()) {
    elements = doc->array_elements();
  } else if (doc->is_object()) {
    elements.push_back(request.body);  // an unbatched sink sends one event
  } else {
    return refuse(route, 400, "malformed_body", "expected a JSON array of CloudEvents");
  }

  // Each event is kept as Twilio sent it. One that is not a CloudEvent is not dropped: it goes
  // to the dead-letter topic with the reason, and the batch is still acknowledged.
  const std::string received = core::format_rfc3339(received_at);
  Decision d;
  d.route = route;
  for (auto& element : elements) {
    std::string ce_id, ce_type, key;
    if (auto event = events::JsonDocument::parse(element)) {
      auto id = event->string_at({"id"});
      auto type = event->string_at({"type"});
      auto spec = event->string_at({"specversion"});
      auto subject = event->string_at({"subject"});
      if (id && type && spec && *spec == "1.0") {
        ce_id.assign(*id);
        ce_type.assign(*type);
        key.assign(subject && !subject->empty() ? *subject : *id);
      }
    }
    if (ce_id.empty() || ce_type.empty()) {
      d.publish.push_back(
          kafka::Message{deadletter_topic_,
                         "",
                         std::move(element),
                         {{"dlq_error", "not a CloudEvent 1.0 (id, type, specversion)"},
                          {"dlq_source", route},
                          {"receivedat", received}}});
      continue;
    }
    if (d.event_id.empty()) d.event_id = ce_id;
    d.publish.push_back(kafka::Message{event_streams_topic_,
                                       std::move(key),
                                       std::move(element),
                                       {{"ce_type", std::move(ce_type)},
                                        {"ce_id", std::move(ce_id)},
                                        {"content-type", std::string(events::kContentType)},
                                        {"receivedat", received}}});
  }
  return d;
}

std::optional<WebhookRouter::SignedForm> WebhookRouter::signed_form(const std::string& route,
                                                                    const http::Request& request,
                                                                    bool allow_get,
                                                                    Decision& refusal) const {
  bool get = allow_get && request.method == "GET";
  if (request.method != "POST" && !get) {
    refusal = refuse(route, 405, "method_not_allowed", allow_get ? "use POST or GET" : "use POST");
    refusal.response->headers.emplace_back("Allow", allow_get ? "POST, GET" : "POST");
    return std::nullopt;
  }
  if (!get && !is_form(request.header("Content-Type"))) {
    refusal =
        refuse(route, 415, "unsupported_media_type", "expected application/x-www-form-urlencoded");
    return std::nullopt;
  }
  twilio::FormError form_error;
  auto params =
      twilio::decode_form(get ? request.query() : std::string_view(request.body), &form_error);
  if (!params) {
    refusal = refuse(route, 400, "malformed_body", form_error.message);
    return std::nullopt;
  }

  // A GET is signed over its URL alone (the query is in it); a POST over URL + sorted params.
  // The sorted views point into form.params, whose strings stay where they are when the form
  // is moved out (a moved vector keeps its elements).
  SignedForm form{std::move(*params), {}, settings_.base_url + request.target};
  form.sorted = twilio::sort_params(form.params);
  const std::string& url = form.url;
  static const twilio::SortedParams kNone;
  switch (
      validator_.validate(url, get ? kNone : form.sorted, request.header("X-Twilio-Signature"))) {
    case twilio::SignatureCheck::valid:
      break;
    case twilio::SignatureCheck::missing:
      refusal = refuse(route, 400, "signature_missing", "X-Twilio-Signature header is required");
      return std::nullopt;
    default:
      refusal = refuse(route, 403, "signature_invalid", "X-Twilio-Signature does not match " + url);
      return std::nullopt;
  }
  const std::string* account = twilio::find_param(form.params, "AccountSid");
  if (account && !settings_.account_sid.empty() && *account != settings_.account_sid) {
    refusal = refuse(route, 403, "wrong_account", "AccountSid is not this call center's account");
    return std::nullopt;
  }
  return std::optional<SignedForm>(std::move(form));  // moved, never copied: see above
}

Decision WebhookRouter::publish(const StatusWebhook& webhook, const std::string& topic,
                                const http::Request& request, core::SysMillis received_at) const {
  const std::string route(webhook.path);
  Decision refusal;
  auto form = signed_form(route, request, webhook.allow_get, refusal);
  if (!form) return refusal;
  const twilio::Params* params = &form->params;
  const std::string& url = form->url;
  const std::string* account = twilio::find_param(*params, "AccountSid");
  FactsError error{"", ""};
  auto facts = webhook.describe(*params, error);
  if (!facts) return refuse(route, 400, error.reason, error.message);

  events::CloudEvent e;
  e.id = events::event_id_of_sorted(request.target, form->sorted);
  e.source = url.substr(0, url.find('?'));
  e.type = facts->type;
  e.subject = facts->subject;
  e.receivedat = core::format_rfc3339(received_at);
  e.time = facts->time ? core::format_rfc3339(*facts->time) : e.receivedat;
  e.dataschema = contract_.dataschema_for_type(e.type).value_or("");
  e.twilioaccount = account ? *account : "";

  Decision d;
  d.route = route;
  d.event_id = e.id;
  d.event_type = e.type;
  d.publish.push_back(kafka::Message{
      topic,
      facts->key,
      events::serialize_webhook(e, route, request.method, request.query(), *params),
      {{"ce_type", e.type}, {"ce_id", e.id}, {"content-type", std::string(events::kContentType)}}});
  return d;
}

Decision WebhookRouter::call_control(std::string_view path, const http::Request& request,
                                     core::SysMillis received_at) const {
  const std::string route(path);
  Decision refusal;
  auto form = signed_form(route, request, false, refusal);
  if (!form) return refusal;
  const twilio::Params& p = form->params;
  twilio::Params query;
  if (auto q = twilio::decode_form(request.query())) query = std::move(*q);

  // What the event is: type, topic, key (per-key order), subject, Twilio's time when given.
  bool assignment = path == "/assignment";
  std::vector<const char*> required = {"AccountSid", "CallSid"};
  if (assignment) required = {"AccountSid", "WorkspaceSid", "TaskSid", "ReservationSid"};
  std::string missing;
  for (const char* name : required) {
    const std::string* v = twilio::find_param(p, name);
    if (!v || v->empty()) missing += (missing.empty() ? "" : ", ") + std::string(name);
  }
  if (!missing.empty())
    return refuse(route, 400, "missing_parameter", "required parameter(s) missing: " + missing);
  auto get = [&p](const char* name) {
    const std::string* v = twilio::find_param(p, name);
    return v ? *v : std::string();
  };

  FlowAnswer answer;
  std::string type, key, subject = get("CallSid");
  std::optional<core::SysMillis> time;
  if (path == "/voice") {
    if (settings_.reject_opted_out_callers && optouts_ && optouts_->contains(get("From"))) {
      twilio::TwimlWriter w;
      w.element("Reject", {{"reason", "rejected"}});
      answer = FlowAnswer{w.finish(), "application/xml", "rejected_opted_out"};
    } else {
      answer = flow_.voice(p, received_at);
    }
    type = "com.twilio.voice.twiml.call.requested";
  } else if (path == "/outbound") {
    answer = flow_.outbound(p, query);
    type = "com.twilio.voice.twiml.call.requested";
  } else if (path == "/queue_wait") {
    answer = flow_.queue_wait(p);
    type = "io.callstream.voice.queue.waiting";
  } else if (path == "/dial_status") {
    answer = flow_.dial_status(p, query);
    const std::string* stage = twilio::find_param(query, "stage");
    type = stage && *stage == "queue"       ? "io.callstream.voice.queue.left"
           : stage && *stage == "voicemail" ? "io.callstream.voice.voicemail.recorded"
                                            : "io.callstream.voice.dial.completed";
  } else if (path == "/whisper") {
    answer = flow_.whisper(query);
    type = "io.callstream.voice.whisper.requested";
  } else {
    answer = flow_.assignment(p);
    type = "io.callstream.taskrouter.assignment.requested";
    subject = get("ReservationSid");
    const std::string ts = get("Timestamp");
    long long seconds = 0;
    auto [end, ec] = std::from_chars(ts.data(), ts.data() + ts.size(), seconds);
    if (ec == std::errc() && end == ts.data() + ts.size() && seconds > 0)
      time = core::SysMillis(std::chrono::seconds(seconds));
  }
  // A child leg (whisper, agent leg) is keyed by its parent so one call's events stay in order.
  key = assignment ? get("TaskSid") : get("ParentCallSid");
  if (key.empty()) key = get("CallSid");

  events::CloudEvent e;
  e.id = events::event_id(request.target, p);
  e.source = form->url.substr(0, form->url.find('?'));
  e.type = type;
  e.subject = subject;
  e.receivedat = core::format_rfc3339(received_at);
  e.time = time ? core::format_rfc3339(*time) : e.receivedat;
  e.dataschema = contract_.dataschema_for_type(e.type).value_or("");
  e.twilioaccount = get("AccountSid");
  events::WebhookAnswer facts{answer.outcome, answer.content_type, answer.body};

  Decision d;
  d.route = route;
  d.event_id = e.id;
  d.event_type = e.type;
  d.outcome = answer.outcome;
  d.publish.push_back(kafka::Message{
      assignment ? taskrouter_topic_ : calls_topic_,
      std::move(key),
      events::serialize_webhook(e, route, request.method, request.query(), p, &facts),
      {{"ce_type", e.type}, {"ce_id", e.id}, {"content-type", std::string(events::kContentType)}}});
  d.response = http::Response{200, answer.content_type, std::move(answer.body), {}};
  return d;
}

Decision WebhookRouter::sms(const http::Request& request, core::SysMillis received_at) const {
  const std::string route = "/sms";
  Decision refusal;
  auto form = signed_form(route, request, false, refusal);
  if (!form) return refusal;
  const twilio::Params& p = form->params;
  std::string missing;
  for (const char* name : {"MessageSid", "AccountSid", "From"}) {
    const std::string* v = twilio::find_param(p, name);
    if (!v || v->empty()) missing += (missing.empty() ? "" : ", ") + std::string(name);
  }
  if (!missing.empty())
    return refuse(route, 400, "missing_parameter", "required parameter(s) missing: " + missing);
  const std::string& from = *twilio::find_param(p, "From");
  const std::string& message_sid = *twilio::find_param(p, "MessageSid");
  const std::string source = form->url.substr(0, form->url.find('?'));

  events::CloudEvent e;
  e.id = events::event_id(request.target, p);
  e.source = source;
  e.type = "com.twilio.messaging.inbound-message.received";
  e.subject = message_sid;
  e.receivedat = core::format_rfc3339(received_at);
  e.time = e.receivedat;
  e.dataschema = contract_.dataschema_for_type(e.type).value_or("");
  e.twilioaccount = *twilio::find_param(p, "AccountSid");

  Decision d;
  d.route = route;
  d.event_id = e.id;
  d.event_type = e.type;
  d.publish.push_back(kafka::Message{
      messaging_topic_,
      from,
      events::serialize_webhook(e, route, request.method, request.query(), p),
      {{"ce_type", e.type}, {"ce_id", e.id}, {"content-type", std::string(events::kContentType)}}});

  // A keyword changes the sender's place on the opt-out list (WhatsApp senders included).
  const std::string* body = twilio::find_param(p, "Body");
  std::string word;
  SmsKeyword keyword = body ? sms_keyword(*body, &word) : SmsKeyword::none;
  std::string_view address = from;
  if (address.rfind("whatsapp:", 0) == 0) address.remove_prefix(9);
  auto number = twilio::normalize_e164(address);
  if (keyword != SmsKeyword::none && number) {
    OptOutChange change{*number, keyword == SmsKeyword::opt_out, "sms", word, "", message_sid};
    d.publish.push_back(optout_message(change, optouts_topic_,
                                       events::event_id(request.target + "#optout", p), source,
                                       received_at));
    d.optouts.emplace_back(*number, change.opted_out);
    d.outcome = change.opted_out ? "opted_out" : "opted_in";
  }
  // Twilio replies to the standard keywords itself (Advanced Opt-Out): an empty TwiML answer.
  twilio::TwimlWriter w;
  d.persisted = http::Response{200, "application/xml", w.finish(), {}};
  return d;
}

}  // namespace callstream::ingress
