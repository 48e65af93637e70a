// Call control without sockets or Kafka: SMS keywords and the opt-out list, /sms, /outbound with
// answering-machine detection, opted-out callers on /voice, the softphone's /client_voice.
#include <catch2/catch.hpp>

#include "call_flow_config.hpp"
#include "callstream/events/json.hpp"
#include "optouts.hpp"
#include "result_helpers.hpp"
#include "webhook_router.hpp"

using namespace callstream;

namespace {

const std::string kAccount = "AC" + std::string(32, 'a');
const std::string kCall = "CA" + std::string(32, 'c');
const std::string kBase = "https://calls.example.com";

struct Fixture {
  twilio::SignatureValidator validator{{"token-1"}};
  events::Contract contract;
  ingress::CallFlowConfig config = ingress::parse_call_flow(R"({
    "whisper": "Call with {caller}.",
    "outbound": {"machine_detection": "DetectMessageEnd", "on_machine": "message",
                 "machine_message": "Hello, this is Acme. Please call us back.",
                 "agent_ring_seconds": 15}
  })")
                                       .value();
  ingress::CallFlow flow{config, kBase};
  ingress::OptOutList optouts;
  ingress::CallerIdSelector caller_ids{{"+12125550000", {{"US-FL", {"+13055550001"}}}}};
  ingress::WebhookRouter router{
      {kBase, kAccount, "", true}, validator, contract, flow, &optouts, &caller_ids};
  core::SysMillis now = *core::parse_rfc3339("2026-02-12T11:50:00Z");

  http::Request signed_request(const twilio::Params& p, const std::string& target) {
    http::Request r;
    r.method = "POST";
    r.target = target;
    r.body = twilio::encode_form(p);
    r.headers = {
        {"Content-Type", "application/x-www-form-urlencoded"},
        {"X-Twilio-Signature", twilio::SignatureValidator::compute("token-1", kBase + target, p)}};
    return r;
  }
  twilio::Params sms(const std::string& body, const std::string& from = "+13055550100") {
    return {{"AccountSid", kAccount}, {"MessageSid", "SM" + std::string(32, 'd')},
            {"From", from},           {"To", "+18005551212"},
            {"Body", body},           {"NumMedia", "0"}};
  }
};

}  // namespace

TEST_CASE("SMS keywords: the standard ones and Portuguese, whole message only", "[optouts]") {
  using ingress::SmsKeyword;
  for (const char* k : {"STOP", "stop", " Stop. ", "STOPALL", "UNSUBSCRIBE", "cancel", "END",
                        "QUIT", "PARAR", "sair!"})
    CHECK(ingress::sms_keyword(k) == SmsKeyword::opt_out);
  for (const char* k : {"START", "yes", "UNSTOP"})
    CHECK(ingress::sms_keyword(k) == SmsKeyword::opt_in);
  for (const char* k : {"", "please stop calling", "STOPPED", "no", "hello"})
    CHECK(ingress::sms_keyword(k) == SmsKeyword::none);
  std::string word;
  ingress::sms_keyword(" parar ", &word);
  CHECK(word == "PARAR");
}

TEST_CASE("the opt-out list follows its topic's events, the latest winning", "[optouts]") {
  ingress::OptOutList list;
  CHECK(list.apply("+13055550100", std::string_view("io.callstream.optout.added"), false));
  CHECK(list.contains("+13055550100"));
  CHECK(list.apply("+13055550100", std::string_view("io.callstream.optout.removed"), false));
  CHECK_FALSE(list.contains("+13055550100"));
  CHECK(list.apply("+13055550100", std::string_view("io.callstream.optout.added"), false));
  CHECK(list.apply("+13055550100", std::nullopt, true));  // a tombstone
  CHECK_FALSE(list.contains("+13055550100"));
  CHECK_FALSE(list.apply("+13055550100", std::string_view("something.else"), false));
  CHECK(list.size() == 0);
}

TEST_CASE_METHOD(Fixture, "an SMS STOP publishes the message and the opt-out, answered after both",
                 "[router][optouts]") {
  auto d = router.route(signed_request(sms("Stop"), "/sms"), now);
  REQUIRE_FALSE(d.response());  // waits for Kafka
  REQUIRE(d.publish().size() == 2);
  CHECK(d.publish()[0].topic == "callstream.messaging.v1");
  CHECK(d.publish()[0].key == "+13055550100");
  CHECK(contract.validate(d.publish()[0].value) == std::nullopt);
  CHECK(d.publish()[1].topic == "callstream.optouts.v1");
  CHECK(d.publish()[1].key == "+13055550100");
  CHECK(contract.validate(d.publish()[1].value) == std::nullopt);
  auto e = events::JsonDocument::parse(d.publish()[1].value);
  REQUIRE(e);
  CHECK(e->string_at({"type"}) == "io.callstream.optout.added");
  CHECK(e->string_at({"data", "keyword"}) == "STOP");
  CHECK(e->string_at({"data", "source"}) == "sms");
  auto* after = std::get_if<ingress::PublishThenAnswer>(&d.action);
  REQUIRE(after);
  REQUIRE(after->optouts.size() == 1);
  CHECK(after->optouts[0] == std::make_pair(std::string("+13055550100"), true));
  CHECK(after->persisted.status == 200);
  CHECK(after->persisted.body.find("<Response") != std::string::npos);

  // A Twilio retry of the same message: the same event ids.
  auto again = router.route(signed_request(sms("Stop"), "/sms"), now);
  CHECK(again.publish()[1].value == d.publish()[1].value);

  // WhatsApp START opts back in; an ordinary message publishes only itself.
  auto start = router.route(signed_request(sms("START", "whatsapp:+13055550100"), "/sms"), now);
  auto& opted_in = std::get<ingress::PublishThenAnswer>(start.action).optouts;
  REQUIRE(opted_in.size() == 1);
  CHECK(opted_in[0] == std::make_pair(std::string("+13055550100"), false));
  CHECK(router.route(signed_request(sms("Can you call me at 3?"), "/sms"), now).publish().size() ==
        1);
}

TEST_CASE_METHOD(Fixture, "/sms refuses unsigned requests and missing parameters", "[router]") {
  auto r = signed_request(sms("STOP"), "/sms");
  r.headers.pop_back();
  CHECK(router.route(r, now).response()->status == 400);
  auto p = sms("STOP");
  p.erase(p.begin() + 1);  // MessageSid
  auto d = router.route(signed_request(p, "/sms"), now);
  REQUIRE(d.response());
  CHECK(d.response()->status == 400);
  CHECK(d.publish().empty());
}

TEST_CASE_METHOD(Fixture,
                 "an outbound call answered by a person is bridged to the agent with the whisper",
                 "[router][outbound]") {
  twilio::Params p = {{"AccountSid", kAccount},      {"CallSid", kCall},
                      {"From", "+13055550001"},      {"To", "+13055550100"},
                      {"Direction", "outbound-api"}, {"AnsweredBy", "human"},
                      {"CallStatus", "in-progress"}};
  auto d = router.route(signed_request(p, "/outbound?agent=alice"), now);
  REQUIRE(d.response());
  CHECK(d.response()->status == 200);
  CHECK(d.outcome() == "connecting_agent");
  const std::string& xml = d.response()->body;
  CHECK(
      xml.find(
          R"(<Dial action="https://calls.example.com/dial_status?stage=outbound&amp;step=0&amp;agent=alice" callerId="+13055550100" timeout="15">)") !=
      std::string::npos);
  CHECK(
      xml.find(
          R"(<Client url="https://calls.example.com/whisper?caller=%2B13055550100">alice</Client>)") !=
      std::string::npos);
  REQUIRE(d.publish().size() == 1);
  CHECK(contract.validate(d.publish()[0].value) == std::nullopt);
}

TEST_CASE_METHOD(Fixture, "an outbound call answered by a machine gets the message, or a hang-up",
                 "[router][outbound]") {
  twilio::Params p = {{"AccountSid", kAccount},
                      {"CallSid", kCall},
                      {"To", "+13055550100"},
                      {"AnsweredBy", "machine_end_beep"}};
  auto d = router.route(signed_request(p, "/outbound?agent=alice"), now);
  REQUIRE(d.response());
  CHECK(d.outcome() == "machine_message");
  CHECK(d.response()->body.find(">Hello, this is Acme. Please call us back.</Say><Hangup />") !=
        std::string::npos);
  CHECK(d.response()->body.find("<Dial") == std::string::npos);

  config.on_machine = ingress::OnMachine::hangup;
  ingress::CallFlow hangup(config, kBase);
  twilio::Params q;
  CHECK(hangup.outbound(p, q).outcome == "machine_hangup");
  CHECK(hangup.outbound(p, q).body.find("<Say") == std::string::npos);

  // The agent did not pick up: the callee hears the no-agent message.
  twilio::Params status = {{"DialCallStatus", "no-answer"}, {"To", "+13055550100"}};
  auto after = flow.dial_status(status, {{"stage", "outbound"}, {"step", "0"}, {"agent", "alice"}});
  CHECK(after.outcome == "no_agent");
}

TEST_CASE_METHOD(Fixture,
                 "an outbound call the agent misses follows the failover numbers, then the message",
                 "[router][outbound]") {
  config.failover = {"+13055550188", "client:bob"};
  config.failover_ring_seconds = 12;
  ingress::CallFlow chain(config, kBase);
  twilio::Params missed = {{"DialCallStatus", "no-answer"}, {"To", "+13055550100"}};
  auto first =
      chain.dial_status(missed, {{"stage", "outbound"}, {"step", "0"}, {"agent", "alice"}});
  CHECK(first.outcome == "failover");
  CHECK(first.body.find(R"(step=1&amp;agent=alice" callerId="+13055550100" timeout="12">)") !=
        std::string::npos);
  CHECK(first.body.find(">+13055550188</Number>") != std::string::npos);
  twilio::Params busy = {{"DialCallStatus", "busy"}, {"To", "+13055550100"}};
  auto second = chain.dial_status(busy, {{"stage", "outbound"}, {"step", "1"}, {"agent", "alice"}});
  CHECK(second.body.find(">bob</Client>") != std::string::npos);
  auto last = chain.dial_status(busy, {{"stage", "outbound"}, {"step", "2"}, {"agent", "alice"}});
  CHECK(last.outcome == "no_agent");
  twilio::Params answered = {{"DialCallStatus", "completed"}};
  CHECK(chain.dial_status(answered, {{"stage", "outbound"}, {"step", "1"}}).outcome == "hangup");
}

TEST_CASE_METHOD(Fixture, "an inbound call from an opted-out number is rejected when so configured",
                 "[router][optouts]") {
  optouts.set("+13055550100", true);
  twilio::Params p = {{"AccountSid", kAccount},
                      {"CallSid", kCall},
                      {"From", "+13055550100"},
                      {"To", "+18005551212"},
                      {"CallStatus", "ringing"}};
  auto d = router.route(signed_request(p, "/voice"), now);
  REQUIRE(d.response());
  CHECK(d.outcome() == "rejected_opted_out");
  CHECK(d.response()->body.find(R"(<Reject reason="rejected" />)") != std::string::npos);
  CHECK(d.publish().size() == 1);  // the call is still on the record

  p[2].second = "+13055550199";
  CHECK(router.route(signed_request(p, "/voice"), now).outcome() != "rejected_opted_out");
}

TEST_CASE("the outbound settings are validated", "[call_flow]") {
  CHECK(test::problems_of(
            ingress::parse_call_flow(R"({"outbound": {"machine_detection": "Maybe"}})")) ==
        "outbound.machine_detection: must be off, Enable or DetectMessageEnd\n");
  CHECK(test::problems_of(
            ingress::parse_call_flow(R"({"outbound": {"machine_detection": "Enable"}})")) ==
        "outbound.machine_message: required when on_machine is message\n");
  auto c = *ingress::parse_call_flow(
      R"({"outbound": {"machine_detection": "Enable", "on_machine": "hangup"}})");
  CHECK(c.machine_detection == ingress::MachineDetection::enable);
  CHECK(std::string(ingress::to_string(c.machine_detection)) == "Enable");
}

namespace {

// Twilio's request to the TwiML App's Voice URL when alice's browser dials `to`.
twilio::Params softphone_dial(const std::string& to) {
  return {{"AccountSid", kAccount},    {"ApplicationSid", "AP" + std::string(32, '6')},
          {"CallSid", kCall},          {"From", "client:alice"},
          {"Caller", "client:alice"},  {"To", to},
          {"Direction", "inbound"},    {"CallStatus", "ringing"},
          {"ApiVersion", "2010-04-01"}};
}

}  // namespace

TEST_CASE_METHOD(Fixture,
                 "the softphone's call is dialed from a local number, recorded in dual channel",
                 "[router][client_voice]") {
  auto d = router.route(signed_request(softphone_dial("+1 (305) 555-0123"), "/client_voice"), now);
  REQUIRE(d.response());
  CHECK(d.outcome() == "dialing");
  CHECK(d.response()->body ==
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Dial "
        "action=\"https://calls.example.com/dial_status?stage=client\" answerOnBridge=\"true\" "
        "callerId=\"+13055550001\" record=\"record-from-answer-dual\" "
        "recordingStatusCallback=\"https://calls.example.com/recording_status\" "
        "recordingStatusCallbackEvent=\"in-progress completed absent\" timeout=\"30\"><Number "
        "statusCallback=\"https://calls.example.com/call_status\" "
        "statusCallbackEvent=\"initiated ringing answered completed\">+13055550123</Number>"
        "</Dial></Response>");
  // The request on the record, and the call as /make_call records its calls.
  REQUIRE(d.publish().size() == 2);
  for (const auto& m : d.publish()) {
    CHECK(contract.validate(m.value) == std::nullopt);
    CHECK(m.key == kCall);
  }
  auto placed = events::JsonDocument::parse(d.publish()[1].value);
  CHECK(placed->string_at({"type"}) == "io.callstream.call.outbound-requested");
  CHECK(placed->string_at({"source"}) == kBase + "/client_voice");
  CHECK(placed->string_at({"data", "to"}) == "+13055550123");
  CHECK(placed->string_at({"data", "from"}) == "+13055550001");
  CHECK(placed->string_at({"data", "caller_id_match"}) == "region");
  CHECK(placed->string_at({"data", "agent"}) == "alice");
  CHECK(placed->string_at({"data", "twilio_status"}) == "ringing");

  // Elsewhere the default number; and the dial's end hangs up the agent's leg.
  auto ny = router.route(signed_request(softphone_dial("+12125550123"), "/client_voice"), now);
  CHECK(ny.response()->body.find(R"(callerId="+12125550000")") != std::string::npos);
  CHECK(flow.dial_status({{"DialCallStatus", "completed"}}, {{"stage", "client"}})
            .body.find("<Hangup />") != std::string::npos);
}

TEST_CASE_METHOD(Fixture, "the softphone cannot call an opted-out or invalid number",
                 "[router][client_voice]") {
  optouts.set("+13055550123", true);
  auto d = router.route(signed_request(softphone_dial("+13055550123"), "/client_voice"), now);
  REQUIRE(d.response());
  CHECK(d.outcome() == "refused_opted_out");
  CHECK(d.response()->body.find("asked not to be called") != std::string::npos);
  CHECK(d.response()->body.find("<Dial") == std::string::npos);
  REQUIRE(d.publish().size() == 1);  // the request is on the record; no call was placed
  CHECK(events::JsonDocument::parse(d.publish()[0].value)->string_at({"type"}) ==
        "com.twilio.voice.twiml.call.requested");

  CHECK(router.route(signed_request(softphone_dial("555-0123"), "/client_voice"), now).outcome() ==
        "invalid_number");
  auto phone = softphone_dial("+12125550123");
  phone[3].second = "+13055550100";  // From a phone, not a client: not this route's
  CHECK(router.route(signed_request(phone, "/client_voice"), now).outcome() == "not_a_client");
  // Unsigned: refused like every webhook.
  auto unsigned_request = signed_request(softphone_dial("+12125550123"), "/client_voice");
  unsigned_request.headers.pop_back();
  CHECK(router.route(unsigned_request, now).response()->status == 400);
}
