#include "webhook_router.hpp"

#include <algorithm>
#include <charconv>

#include "callstream/events/cloudevent.hpp"
#include "callstream/events/json.hpp"
#include "callstream/twilio/basic_auth.hpp"
#include "callstream/twilio/form.hpp"
#include "callstream/twilio/phone_number.hpp"
#include "callstream/twilio/twiml.hpp"
#include "client_voice.hpp"

namespace callstream::ingress {
namespace {

Decision refused(std::string route, Refusal refusal) {
  return Decision{std::move(route), "", "", std::move(refusal)};
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

std::string param(const twilio::Params& p, const char* name) {
  const std::string* v = twilio::find_param(p, name);
  return v ? *v : std::string();
}

// The CloudEvent of a signed Twilio request, its type, subject and time still to be filled.
events::CloudEvent webhook_event(std::string id, std::string source, core::SysMillis received_at,
                                 const twilio::Params& p) {
  events::CloudEvent e;
  e.id = std::move(id);
  e.source = std::move(source);
  e.receivedat = core::format_rfc3339(received_at);
  e.time = e.receivedat;
  e.twilioaccount = param(p, "AccountSid");
  return e;
}

// TaskRouter's Timestamp: seconds since the epoch.
std::optional<core::SysMillis> epoch_seconds(const std::string& ts) {
  long long seconds = 0;
  auto [end, ec] = std::from_chars(ts.data(), ts.data() + ts.size(), seconds);
  if (ec != std::errc() || end != ts.data() + ts.size() || seconds <= 0) return std::nullopt;
  return core::SysMillis(std::chrono::seconds(seconds));
}

}  // namespace

const http::Response* Decision::response() const {
  if (auto* r = std::get_if<Refusal>(&action)) return &r->response;
  if (auto* a = std::get_if<AnswerThenPublish>(&action)) return &a->response;
  return nullptr;
}

const std::vector<kafka::Message>& Decision::publish() const {
  static const std::vector<kafka::Message> kNone;
  if (auto* a = std::get_if<AnswerThenPublish>(&action)) return a->publish;
  if (auto* p = std::get_if<PublishThenAnswer>(&action)) return p->publish;
  return kNone;
}

std::string_view Decision::outcome() const {
  if (auto* a = std::get_if<AnswerThenPublish>(&action)) return a->outcome;
  if (auto* p = std::get_if<PublishThenAnswer>(&action)) return p->outcome;
  return "";
}

WebhookRouter::WebhookRouter(RouterSettings settings, const twilio::SignatureValidator& validator,
                             const events::Contract& contract, const CallFlow& flow,
                             const OptOutList* optouts, CallerIdSelector* caller_ids)
    : settings_(std::move(settings)),
      validator_(validator),
      contract_(contract),
      flow_(flow),
      optouts_(optouts),
      caller_ids_(caller_ids) {
  for (const Route& r : routes())
    if (r.handler == Handler::status_webhook)
      status_topics_.emplace_back(&r, contract.topic(r.topic));
  event_streams_topic_ = contract.topic("callstream.eventstreams.v1");
  calls_topic_ = contract.topic("callstream.voice.calls.v1");
  taskrouter_topic_ = contract.topic("callstream.taskrouter.v1");
  deadletter_topic_ = contract.topic("callstream.deadletter.v1");
  messaging_topic_ = contract.topic("callstream.messaging.v1");
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
  auto matched = match(request);
  if (!matched) {
    bool unknown = matched.error().reason == "not_found";
    return refused(unknown ? "unknown" : std::string(request.path()), std::move(matched.error()));
  }
  return route(**matched, request, received_at);
}

Decision WebhookRouter::route(const Route& route, const http::Request& request,
                              core::SysMillis received_at) const {
  switch (route.handler) {
    case Handler::status_webhook:
      return status_webhook(route, request, received_at);
    case Handler::voice:
    case Handler::outbound:
    case Handler::queue_wait:
    case Handler::dial_status:
    case Handler::whisper:
    case Handler::assignment:
    case Handler::client_voice:
      return call_control(route, request, received_at);
    case Handler::sms:
      return sms(request, received_at);
    case Handler::event_streams:
      return event_streams(request, received_at);
    default:  // the process's and the operator API's routes are not the router's
      return refused("unknown",
                     refuse(404, "not_found", "no route for " + std::string(route.path)));
  }
}

Decision WebhookRouter::event_streams(const http::Request& request,
                                      core::SysMillis received_at) const {
  const std::string route = "/events/twilio";
  if (settings_.event_streams_authorization.empty())
    return refused(route, refuse(404, "not_found",
                                 "the Event Streams sink is not configured (EVENT_STREAMS_USER)"));
  if (!twilio::authorization_matches(request.header("Authorization"),
                                     settings_.event_streams_authorization)) {
    Refusal r = refuse(401, "unauthorized", "HTTP Basic credentials missing or wrong");
    r.response.headers.emplace_back("WWW-Authenticate", "Basic realm=\"callstream\"");
    return refused(route, std::move(r));
  }
  std::string_view content_type = request.header("Content-Type");
  if (content_type.substr(0, content_type.find(';')) != "application/json")
    return refused(route, refuse(415, "unsupported_media_type", "expected application/json"));
  auto doc = events::JsonDocument::parse(request.body);
  if (!doc) return refused(route, refuse(400, "malformed_body", doc.error().message));
  std::vector<std::string> elements;
  if (doc->is_array())
    elements = doc->array_elements();
  else if (doc->is_object())
    elements.push_back(request.body);  // an unbatched sink sends one event
  else
    return refused(route, refuse(400, "malformed_body", "expected a JSON array of CloudEvents"));

  // Each event is kept as Twilio sent it. One that is not a CloudEvent is not dropped: it goes
  // to the dead-letter topic with the reason, and the batch is still acknowledged.
  const std::string received = core::format_rfc3339(received_at);
  Decision d{route, "", "", PublishThenAnswer{{}, persisted_response(), {}, ""}};
  auto& out = std::get<PublishThenAnswer>(d.action);
  for (auto& element : elements) {
    auto event = events::JsonDocument::parse(element);
    auto id = event ? event->string_at({"id"}) : std::nullopt;
    auto type = event ? event->string_at({"type"}) : std::nullopt;
    auto spec = event ? event->string_at({"specversion"}) : std::nullopt;
    if (!id || id->empty() || !type || type->empty() || spec != "1.0") {
      out.publish.push_back(
          kafka::Message{deadletter_topic_,
                         "",
                         std::move(element),
                         {{"dlq_error", "not a CloudEvent 1.0 (id, type, specversion)"},
                          {"dlq_source", route},
                          {"receivedat", received}}});
      continue;
    }
    auto subject = event->string_at({"subject"});
    std::string key(subject && !subject->empty() ? *subject : *id);
    if (d.event_id.empty()) d.event_id = *id;
    events::CloudEvent e;  // the headers of Twilio's own envelope, kept verbatim
    e.id = *id;
    e.type = *type;
    out.publish.push_back(
        events::to_message(event_streams_topic_, std::move(key), e, std::move(element)));
    out.publish.back().headers.push_back({"receivedat", received});
  }
  return d;
}

core::Result<WebhookRouter::SignedForm, Refusal> WebhookRouter::signed_form(
    const http::Request& request) const {
  bool get = request.method == "GET";  // the route table let it through: a status callback
  if (!get && !is_form(request.header("Content-Type")))
    return std::unexpected(
        refuse(415, "unsupported_media_type", "expected application/x-www-form-urlencoded"));
  auto params = twilio::decode_form(get ? request.query() : std::string_view(request.body));
  if (!params) return std::unexpected(refuse(400, "malformed_body", params.error().message));

  // A GET is signed over its URL alone (the query is in it); a POST over URL + sorted params.
  // The sorted views point into form.params, whose strings stay where they are when the form
  // is moved out (a moved vector keeps its elements).
  SignedForm form{std::move(*params), {}, settings_.base_url + request.target};
  form.sorted = twilio::sort_params(form.params);
  static const twilio::SortedParams kNone;
  switch (validator_.validate(form.url, get ? kNone : form.sorted,
                              request.header("X-Twilio-Signature"))) {
    case twilio::SignatureCheck::valid:
      break;
    case twilio::SignatureCheck::missing:
      return std::unexpected(
          refuse(400, "signature_missing", "X-Twilio-Signature header is required"));
    default:
      return std::unexpected(
          refuse(403, "signature_invalid", "X-Twilio-Signature does not match " + form.url));
  }
  const std::string* account = twilio::find_param(form.params, "AccountSid");
  if (account && !settings_.account_sid.empty() && *account != settings_.account_sid)
    return std::unexpected(
        refuse(403, "wrong_account", "AccountSid is not this call center's account"));
  return core::Result<SignedForm, Refusal>(std::move(form));  // moved, never copied: see above
}

Decision WebhookRouter::status_webhook(const Route& route, const http::Request& request,
                                       core::SysMillis received_at) const {
  const std::string path(route.path);
  auto form = signed_form(request);
  if (!form) return refused(path, std::move(form.error()));
  auto facts = route.describe(form->params);
  if (!facts) return refused(path, refuse(400, facts.error().code, facts.error().message));

  events::CloudEvent e = webhook_event(events::event_id_of_sorted(request.target, form->sorted),
                                       form->source(), received_at, form->params);
  e.type = facts->type;
  e.subject = facts->subject;
  if (facts->time) e.time = core::format_rfc3339(*facts->time);
  e.dataschema = contract_.dataschema_for_type(e.type).value_or("");
  const std::string& topic =
      std::find_if(status_topics_.begin(), status_topics_.end(), [&](const auto& t) {
        return t.first == &route;
      })->second;
  std::string value =
      events::serialize_webhook(e, path, request.method, request.query(), form->params);
  Decision d{path, e.id, e.type, PublishThenAnswer{{}, persisted_response(), {}, ""}};
  std::get<PublishThenAnswer>(d.action).publish.push_back(
      events::to_message(topic, facts->key, e, std::move(value)));
  return d;
}

Decision WebhookRouter::call_control(const Route& route, const http::Request& request,
                                     core::SysMillis received_at) const {
  const std::string path(route.path);
  auto form = signed_form(request);
  if (!form) return refused(path, std::move(form.error()));
  const twilio::Params& p = form->params;
  bool assignment = route.handler == Handler::assignment;
  auto present =
      assignment ? require_params(p, {"AccountSid", "WorkspaceSid", "TaskSid", "ReservationSid"})
                 : require_params(p, {"AccountSid", "CallSid"});
  if (!present) return refused(path, refuse(400, present.error().code, present.error().message));
  twilio::Params query;
  if (auto q = twilio::decode_form(request.query())) query = std::move(*q);

  std::string type;
  std::optional<OutboundCall> placed;
  FlowAnswer answer = instructions(route.handler, p, query, received_at, type, placed);
  events::CloudEvent e =
      webhook_event(events::event_id(request.target, p), form->source(), received_at, p);
  e.type = type;
  e.subject = param(p, assignment ? "ReservationSid" : "CallSid");
  if (assignment)
    if (auto at = epoch_seconds(param(p, "Timestamp"))) e.time = core::format_rfc3339(*at);
  e.dataschema = contract_.dataschema_for_type(e.type).value_or("");
  // A child leg (whisper, agent leg) is keyed by its parent so one call's events stay in order.
  std::string key = assignment ? param(p, "TaskSid") : param(p, "ParentCallSid");
  if (key.empty()) key = param(p, "CallSid");
  events::WebhookAnswer facts{answer.outcome, answer.content_type, answer.body};
  std::string value =
      events::serialize_webhook(e, path, request.method, request.query(), p, &facts);

  Decision d{path, e.id, e.type,
             AnswerThenPublish{http::Response{200, answer.content_type, std::move(answer.body), {}},
                               {},
                               std::move(answer.outcome)}};
  auto& publish = std::get<AnswerThenPublish>(d.action).publish;
  publish.push_back(events::to_message(assignment ? taskrouter_topic_ : calls_topic_,
                                       std::move(key), e, std::move(value)));
  if (placed)  // the softphone's call: the same record of it as /make_call's
    publish.push_back(outbound_requested(*placed, {e.subject, param(p, "CallStatus"), 1, false},
                                         {path, MachineDetection::off}, contract_,
                                         settings_.base_url, e.twilioaccount, received_at));
  return d;
}

FlowAnswer WebhookRouter::instructions(Handler handler, const twilio::Params& p,
                                       const twilio::Params& query, core::SysMillis received_at,
                                       std::string& type,
                                       std::optional<OutboundCall>& placed) const {
  switch (handler) {
    case Handler::client_voice: {
      type = "com.twilio.voice.twiml.call.requested";
      ClientDial dial = client_dial(p, optouts_, caller_ids_, flow_.config(), settings_.base_url);
      placed = std::move(dial.call);
      return std::move(dial.answer);
    }
    case Handler::voice:
      type = "com.twilio.voice.twiml.call.requested";
      if (settings_.reject_opted_out_callers && optouts_ && optouts_->contains(param(p, "From"))) {
        twilio::TwimlWriter w;
        w.element("Reject", {{"reason", "rejected"}});
        return FlowAnswer{w.finish(), "application/xml", "rejected_opted_out"};
      }
      return flow_.voice(p, received_at);
    case Handler::outbound:
      type = "com.twilio.voice.twiml.call.requested";
      return flow_.outbound(p, query);
    case Handler::queue_wait:
      type = "io.callstream.voice.queue.waiting";
      return flow_.queue_wait(p);
    case Handler::dial_status: {
      const std::string* stage = twilio::find_param(query, "stage");
      type = stage && *stage == "queue"       ? "io.callstream.voice.queue.left"
             : stage && *stage == "voicemail" ? "io.callstream.voice.voicemail.recorded"
                                              : "io.callstream.voice.dial.completed";
      return flow_.dial_status(p, query);
    }
    case Handler::whisper:
      type = "io.callstream.voice.whisper.requested";
      return flow_.whisper(query);
    default:
      type = "io.callstream.taskrouter.assignment.requested";
      return flow_.assignment(p);
  }
}

Decision WebhookRouter::sms(const http::Request& request, core::SysMillis received_at) const {
  const std::string route = "/sms";
  auto form = signed_form(request);
  if (!form) return refused(route, std::move(form.error()));
  const twilio::Params& p = form->params;
  if (auto present = require_params(p, {"MessageSid", "AccountSid", "From"}); !present)
    return refused(route, refuse(400, present.error().code, present.error().message));

  events::CloudEvent e =
      webhook_event(events::event_id(request.target, p), form->source(), received_at, p);
  e.type = "com.twilio.messaging.inbound-message.received";
  e.subject = param(p, "MessageSid");
  e.dataschema = contract_.dataschema_for_type(e.type).value_or("");
  // Twilio replies to the standard keywords itself (Advanced Opt-Out): an empty TwiML answer.
  twilio::TwimlWriter w;
  Decision d{route, e.id, e.type,
             PublishThenAnswer{{}, http::Response{200, "application/xml", w.finish(), {}}, {}, ""}};
  auto& out = std::get<PublishThenAnswer>(d.action);
  out.publish.push_back(
      events::to_message(messaging_topic_, param(p, "From"), e,
                         events::serialize_webhook(e, route, request.method, request.query(), p)));
  bool opted_out = false;
  if (auto optout = optout_of_sms(request, *form, received_at, opted_out)) {
    out.optouts.emplace_back(optout->key, opted_out);
    out.outcome = opted_out ? "opted_out" : "opted_in";
    out.publish.push_back(std::move(*optout));
  }
  return d;
}

std::optional<kafka::Message> WebhookRouter::optout_of_sms(const http::Request& request,
                                                           const SignedForm& form,
                                                           core::SysMillis received_at,
                                                           bool& opted_out) const {
  // A keyword changes the sender's place on the opt-out list (WhatsApp senders included).
  const twilio::Params& p = form.params;
  const std::string* body = twilio::find_param(p, "Body");
  std::string word;
  SmsKeyword keyword = body ? sms_keyword(*body, &word) : SmsKeyword::none;
  std::string from = param(p, "From");
  std::string_view address = from;
  if (address.starts_with("whatsapp:")) address.remove_prefix(9);
  auto number = twilio::normalize_e164(address);
  if (keyword == SmsKeyword::none || !number) return std::nullopt;
  opted_out = keyword == SmsKeyword::opt_out;
  OptOutChange change{*number, opted_out, "sms", word, "", param(p, "MessageSid")};
  return optout_message(change, contract_, events::event_id(request.target + "#optout", p),
                        form.source(), received_at);
}

}  // namespace callstream::ingress
