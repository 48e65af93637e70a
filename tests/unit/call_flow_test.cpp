// The call flow: configuration validation, and every TwiML answer parsed back as XML.
#include <boost/property_tree/ptree.hpp>
#include <boost/property_tree/xml_parser.hpp>
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "call_flow.hpp"
#include "callstream/core/env.hpp"
#include "callstream/events/json.hpp"
#include "callstream/twilio/form.hpp"
#include "result_helpers.hpp"
#include "webhook_router.hpp"

using namespace callstream;
using boost::property_tree::ptree;

namespace {

const std::string kBase = "https://calls.example.com";
const std::string kAccount = "AC" + std::string(32, 'a');
const std::string kCall = "CA" + std::string(32, 'c');

std::string example_file() {
  std::ifstream in(std::string(CALLSTREAM_SOURCE_DIR) + "/deploy/call-flow.example.json");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Parses a TwiML answer; fails the test when it is not well-formed XML with a <Response> root.
ptree parse(const std::string& twiml) {
  INFO(twiml);
  REQUIRE(twiml.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response", 0) == 0);
  std::istringstream in(twiml);
  ptree tree;
  REQUIRE_NOTHROW(boost::property_tree::read_xml(in, tree));
  REQUIRE(tree.count("Response") == 1);
  return tree.get_child("Response");
}

std::string attr(const ptree& verb, const std::string& name) {
  return verb.get<std::string>("<xmlattr>." + name, "");
}

// The verbs of a <Response>, in order.
std::vector<std::string> verbs(const ptree& response) {
  std::vector<std::string> out;
  for (const auto& [name, child] : response)
    if (name != "<xmlattr>") out.push_back(name);
  return out;
}

twilio::Params voice_params() {
  return {{"AccountSid", kAccount}, {"CallSid", kCall},        {"From", "+13055550123"},
          {"To", "+18005550100"},   {"FromCity", "MIAMI"},     {"FromState", "FL"},
          {"FromCountry", "US"},    {"CallStatus", "ringing"}, {"Direction", "inbound"}};
}

core::SysMillis at(const char* rfc3339) { return *core::parse_rfc3339(rfc3339); }

// Monday 2026-02-16 10:00 in New York (EST, UTC-5): open.
const core::SysMillis kOpen = at("2026-02-16T15:00:00Z");

ingress::CallFlowConfig example() { return ingress::parse_call_flow(example_file()).value(); }

ingress::CallFlowConfig dial_mode() {
  auto c = example();
  c.mode = ingress::FlowMode::dial;
  return c;
}

}  // namespace

TEST_CASE("the example call flow of the docs is valid", "[call_flow]") {
  auto c = example();
  CHECK(c.mode == ingress::FlowMode::flex);
  CHECK(c.targets.size() == 3);
  CHECK(c.failover.size() == 2);
  REQUIRE(c.business_hours);
  CHECK(c.business_hours->weekly[5].size() == 2);  // Friday, lunch break
  CHECK(c.business_hours->closed_dates.count("2026-12-25") == 1);
}

TEST_CASE("a bad call flow lists every problem with its place in the file", "[call_flow]") {
  std::string bad = R"({
    "mode": "flex", "greting": "typo",
    "flex": {"workflow_sid": "WW123", "max_queue_wait_seconds": -1},
    "dial": {"targets": ["alice", "client:bob"]},
    "business_hours": {"time_zone": "Mars/Olympus", "weekly": {"mon": ["18:00-08:00"], "xyz": []},
                       "closed_dates": ["25/12/2026"]},
    "assignment": {"caller_id": "someone"}
  })";
  {
    auto parsed = ingress::parse_call_flow(bad);
    REQUIRE_FALSE(parsed);
    std::string m = test::problems_of(parsed);
    INFO(m);
    CHECK(m.find("greting: unknown setting") != std::string::npos);
    CHECK(m.find("flex.workflow_sid: must be WW") != std::string::npos);
    CHECK(m.find("flex.max_queue_wait_seconds") != std::string::npos);
    CHECK(m.find("'alice' is not client:") != std::string::npos);
    CHECK(m.find("unknown time zone 'Mars/Olympus'") != std::string::npos);
    CHECK(m.find("'18:00-08:00'") != std::string::npos);
    CHECK(m.find("weekly.xyz: unknown setting") != std::string::npos);
    CHECK(m.find("'25/12/2026' is not YYYY-MM-DD") != std::string::npos);
    CHECK(m.find("assignment.caller_id") != std::string::npos);
  }
  CHECK(test::problems_of(ingress::parse_call_flow("{\"mode\": ")).find("not valid JSON") !=
        std::string::npos);
  CHECK(test::problems_of(ingress::parse_call_flow(R"({"mode": "dial"})"))
            .find("dial.targets: required in dial mode") != std::string::npos);
  CHECK(test::problems_of(ingress::load_call_flow("/nonexistent/flow.json")) ==
        "cannot read /nonexistent/flow.json\n");
}

TEST_CASE("business hours follow the call center's time zone, daylight saving included",
          "[call_flow]") {
  ingress::CallFlow flow(example(), kBase);
  CHECK(flow.open_at(at("2026-02-16T13:00:00Z")));        // Mon 08:00 EST
  CHECK_FALSE(flow.open_at(at("2026-02-16T12:59:59Z")));  // Mon 07:59 EST
  CHECK_FALSE(flow.open_at(at("2026-02-16T23:00:00Z")));  // Mon 18:00 EST: the end is exclusive
  CHECK(flow.open_at(at("2026-07-06T12:30:00Z")));        // Mon 08:30 EDT (summer, UTC-4)
  CHECK_FALSE(flow.open_at(at("2026-01-06T12:30:00Z")));  // Tue 07:30 EST (winter, UTC-5)
  CHECK_FALSE(flow.open_at(at("2026-02-20T17:30:00Z")));  // Fri 12:30: lunch break
  CHECK(flow.open_at(at("2026-02-20T18:30:00Z")));        // Fri 13:30
  CHECK_FALSE(flow.open_at(at("2026-02-22T15:00:00Z")));  // Sunday
  CHECK_FALSE(flow.open_at(at("2026-12-25T15:00:00Z")));  // Friday, but a closed date
  // 2026-12-26 02:00Z is still the 25th in New York (21:00 EST).
  CHECK_FALSE(flow.open_at(at("2026-12-26T02:00:00Z")));
}

TEST_CASE("flex mode: greeting, then <Enqueue> with the caller's facts as task attributes",
          "[call_flow]") {
  ingress::CallFlow flow(example(), kBase);
  auto a = flow.voice(voice_params(), kOpen);
  CHECK(a.outcome == "enqueued");
  auto r = parse(a.body);
  CHECK(verbs(r) == std::vector<std::string>{"Say", "Enqueue"});
  CHECK(r.get<std::string>("Say").find("Acme Support") != std::string::npos);
  CHECK(attr(r.get_child("Say"), "voice") == "Polly.Joanna");
  CHECK(attr(r.get_child("Say"), "language") == "en-US");
  const ptree& enqueue = r.get_child("Enqueue");
  CHECK(attr(enqueue, "workflowSid") == "WW0123456789abcdef0123456789abcdef");
  CHECK(attr(enqueue, "action") == kBase + "/dial_status?stage=queue");
  CHECK(attr(enqueue, "waitUrl") == kBase + "/queue_wait");
  auto task = events::JsonDocument::parse(enqueue.get<std::string>("Task"));
  REQUIRE(task);
  CHECK(task->string_at({"call_sid"}) == kCall);
  CHECK(task->string_at({"from"}) == "+13055550123");
  CHECK(task->string_at({"to"}) == "+18005550100");
  CHECK(task->string_at({"caller_state"}) == "FL");
}

TEST_CASE("after hours: the message, then voicemail with its recording callback", "[call_flow]") {
  ingress::CallFlow flow(example(), kBase);
  auto a = flow.voice(voice_params(), at("2026-02-16T23:30:00Z"));
  CHECK(a.outcome == "after_hours");
  auto r = parse(a.body);
  CHECK(verbs(r) == std::vector<std::string>{"Say", "Say", "Record", "Say", "Hangup"});
  CHECK(r.begin()->second.data().find("Our office is closed") == 0);
  const ptree& record = r.get_child("Record");
  CHECK(attr(record, "action") == kBase + "/dial_status?stage=voicemail");
  CHECK(attr(record, "maxLength") == "120");
  CHECK(attr(record, "recordingStatusCallback") == kBase + "/recording_status");
  CHECK(attr(record, "recordingStatusCallbackEvent") == "in-progress completed absent");

  auto no_voicemail = example();
  no_voicemail.voicemail_enabled = false;
  auto closed =
      ingress::CallFlow(no_voicemail, kBase).voice(voice_params(), at("2026-02-16T23:30:00Z"));
  CHECK(verbs(parse(closed.body)) == std::vector<std::string>{"Say", "Say", "Hangup"});
}

TEST_CASE("dial mode: targets in order, dual recording, whisper, then failover, then voicemail",
          "[call_flow]") {
  ingress::CallFlow flow(dial_mode(), kBase);
  auto first = parse(flow.voice(voice_params(), kOpen).body);
  CHECK(verbs(first) == std::vector<std::string>{"Say", "Dial"});
  const ptree& dial = first.get_child("Dial");
  CHECK(attr(dial, "action") == kBase + "/dial_status?stage=chain&step=0&target=client%3Aalice");
  CHECK(attr(dial, "timeout") == "20");
  CHECK(attr(dial, "record") == "record-from-answer-dual");
  CHECK(attr(dial, "recordingStatusCallback") == kBase + "/recording_status");
  CHECK(dial.get<std::string>("Client") == "alice");
  CHECK(attr(dial.get_child("Client"), "url") ==
        kBase + "/whisper?caller=%2B13055550123&caller_city=MIAMI&caller_state=FL");

  // The chain: alice, bob, +13055550100 (targets), then +13055550199, +15125550188 (failover).
  auto p = voice_params();
  p.emplace_back("DialCallStatus", "no-answer");
  auto step = [&](int n) {
    return flow.dial_status(p, {{"stage", "chain"}, {"step", std::to_string(n)}});
  };
  CHECK(parse(step(0).body).get_child("Dial").get<std::string>("Client") == "bob");
  auto third = parse(step(1).body).get_child("Dial");
  CHECK(third.get<std::string>("Number") == "+13055550100");
  CHECK(attr(third, "action") == kBase + "/dial_status?stage=chain&step=2&target=%2B13055550100");
  auto failover = step(2);
  CHECK(failover.outcome == "failover");
  auto failover_dial = parse(failover.body).get_child("Dial");
  CHECK(failover_dial.get<std::string>("Number") == "+13055550199");
  CHECK(attr(failover_dial, "timeout") == "25");
  CHECK(parse(step(3).body).get_child("Dial").get<std::string>("Number") == "+15125550188");
  auto last = step(4);
  CHECK(last.outcome == "voicemail");
  CHECK(verbs(parse(last.body)) == std::vector<std::string>{"Say", "Record", "Say", "Hangup"});
  // A step past the end (the chain was shortened mid-call) or garbled: voicemail, never a loop.
  CHECK(step(99).outcome == "voicemail");
  CHECK(flow.dial_status(p, {{"stage", "chain"}, {"step", "x"}}).outcome == "voicemail");

  for (const char* done : {"completed", "answered", "canceled"}) {
    auto q = voice_params();
    q.emplace_back("DialCallStatus", done);
    auto a = flow.dial_status(q, {{"stage", "chain"}, {"step", "0"}});
    CHECK(a.outcome == "hangup");
    CHECK(verbs(parse(a.body)) == std::vector<std::string>{"Hangup"});
  }
}

TEST_CASE("queue: hold until the maximum wait, then leave to the failover chain", "[call_flow]") {
  ingress::CallFlow flow(example(), kBase);
  auto waiting = flow.queue_wait({{"CallSid", kCall}, {"QueueTime", "30"}});
  CHECK(waiting.outcome == "holding");
  auto r = parse(waiting.body);
  CHECK(verbs(r) == std::vector<std::string>{"Say", "Play"});
  CHECK(r.get<std::string>("Play") == "https://api.twilio.com/cowbell.mp3");
  auto leave = flow.queue_wait({{"CallSid", kCall}, {"QueueTime", "300"}});
  CHECK(leave.outcome == "leave");
  CHECK(verbs(parse(leave.body)) == std::vector<std::string>{"Leave"});

  auto silent = example();
  silent.hold_music_url.clear();
  auto pause = ingress::CallFlow(silent, kBase).queue_wait({{"QueueTime", "295"}});
  CHECK(attr(parse(pause.body).get_child("Pause"), "length") == "5");

  auto p = voice_params();
  p.emplace_back("QueueResult", "leave");
  auto left = flow.dial_status(p, {{"stage", "queue"}});
  CHECK(left.outcome == "failover");
  CHECK(parse(left.body).get_child("Dial").get<std::string>("Number") == "+13055550199");
  p.back().second = "hangup";  // the caller gave up: nothing more to do
  CHECK(flow.dial_status(p, {{"stage", "queue"}}).outcome == "hangup");
  p.back().second = "bridged";
  CHECK(flow.dial_status(p, {{"stage", "queue"}}).outcome == "hangup");
  auto after_recording = flow.dial_status(p, {{"stage", "voicemail"}});
  CHECK(verbs(parse(after_recording.body)) == std::vector<std::string>{"Say", "Hangup"});
}

TEST_CASE("whisper fills in the caller's facts, text is escaped and parses back", "[call_flow]") {
  auto c = example();
  c.whisper = R"(Call from {caller} <{caller_state}> & "{unknown}")";
  ingress::CallFlow flow(c, kBase);
  auto a = flow.whisper({{"caller", "+13055550123"}, {"caller_state", "FL"}});
  CHECK(a.outcome == "whisper");
  CHECK(parse(a.body).get<std::string>("Say") == R"(Call from +13055550123 <FL> & "{unknown}")");

  c.greeting = "Tom & Jerry's <Support> \"line\"";
  auto v = ingress::CallFlow(c, kBase).voice(voice_params(), kOpen);
  CHECK(parse(v.body).get<std::string>("Say") == c.greeting);
}

TEST_CASE("assignment: a dequeue instruction with caller id, dual recording and callbacks",
          "[call_flow]") {
  ingress::CallFlow flow(example(), kBase);
  twilio::Params p = {{"TaskSid", "WT" + std::string(32, '1')},
                      {"TaskAttributes", R"({"call_sid":")" + kCall +
                                             R"(","from":"+13055550123","to":"+18005550100"})"}};
  auto a = flow.assignment(p);
  CHECK(a.content_type == "application/json");
  CHECK(a.outcome == "dequeue");
  auto doc = events::JsonDocument::parse(a.body);
  REQUIRE(doc);
  CHECK(doc->string_at({"instruction"}) == "dequeue");
  CHECK(doc->string_at({"from"}) == "+13055550123");
  CHECK(doc->string_at({"record"}) == "record-from-answer-dual");
  CHECK(doc->string_at({"status_callback_url"}) == kBase + "/call_status");
  CHECK(doc->string_at({"status_callback_events"}) == "initiated,ringing,answered,completed");
  CHECK(doc->string_at({"post_work_activity_sid"}) == "WA0123456789abcdef0123456789abcdef");
  CHECK(doc->json_at({"timeout"}) == "30");

  auto called = example();
  called.agent_caller_id = "called";
  called.recording = ingress::RecordingMode::off;
  auto b = events::JsonDocument::parse(ingress::CallFlow(called, kBase).assignment(p).body);
  CHECK(b->string_at({"from"}) == "+18005550100");
  CHECK(b->string_at({"record"}) == "do-not-record");

  auto chat = flow.assignment({{"TaskAttributes", R"({"channel":"chat"})"}});
  CHECK(chat.outcome == "accept");
  CHECK(chat.body == R"({"instruction":"accept"})");
}

namespace {
struct RouterFixture {
  twilio::SignatureValidator validator{{"token-1"}};
  events::Contract contract;
  ingress::CallFlow flow{example(), kBase};
  ingress::WebhookRouter router{{kBase, kAccount}, validator, contract, flow};

  http::Request signed_request(const std::string& target, const twilio::Params& p) {
    http::Request r;
    r.method = "POST";
    r.target = target;
    r.body = twilio::encode_form(p);
    r.headers = {
        {"Content-Type", "application/x-www-form-urlencoded"},
        {"X-Twilio-Signature", twilio::SignatureValidator::compute("token-1", kBase + target, p)}};
    return r;
  }
};
}  // namespace

TEST_CASE_METHOD(RouterFixture,
                 "/voice answers TwiML at once and publishes the request with its answer",
                 "[call_flow][router]") {
  auto d = router.route(signed_request("/voice", voice_params()), kOpen);
  REQUIRE(d.response());
  CHECK(d.response()->status == 200);
  CHECK(d.response()->content_type == "application/xml");
  CHECK(d.outcome() == "enqueued");
  parse(d.response()->body);
  REQUIRE(d.publish().size() == 1);
  CHECK(d.publish()[0].topic == "callstream.voice.calls.v1");
  CHECK(d.publish()[0].key == kCall);
  INFO(d.publish()[0].value);
  CHECK(contract.validate(d.publish()[0].value) == std::nullopt);
  auto e = events::JsonDocument::parse(d.publish()[0].value);
  CHECK(e->string_at({"type"}) == "com.twilio.voice.twiml.call.requested");
  CHECK(e->string_at({"data", "answer", "outcome"}) == "enqueued");
  CHECK(e->string_at({"data", "answer", "body"}) == d.response()->body);

  // Same request again (a Twilio retry): same event id.
  auto again = router.route(signed_request("/voice", voice_params()), kOpen);
  CHECK(again.event_id == d.event_id);

  auto bad = signed_request("/voice", voice_params());
  bad.body += "&Injected=1";
  auto refused = router.route(bad, kOpen);
  REQUIRE(refused.response());
  CHECK(refused.response()->status == 403);
  CHECK(refused.publish().empty());

  auto no_call = router.route(signed_request("/voice", {{"AccountSid", kAccount}}), kOpen);
  CHECK(no_call.response()->status == 400);
  CHECK(no_call.reject_reason() == "missing_parameter");
  CHECK(no_call.publish().empty());
}

TEST_CASE_METHOD(RouterFixture, "every call-control route publishes a schema-valid event",
                 "[call_flow][router]") {
  auto p = voice_params();
  struct Case {
    std::string target;
    twilio::Params extra;
    std::string type;
  };
  std::vector<Case> cases = {
      {"/queue_wait",
       {{"QueueTime", "12"}, {"QueuePosition", "2"}},
       "io.callstream.voice.queue.waiting"},
      {"/dial_status?stage=queue",
       {{"QueueResult", "leave"}, {"QueueTime", "300"}},
       "io.callstream.voice.queue.left"},
      {"/dial_status?stage=chain&step=0",
       {{"DialCallStatus", "busy"}},
       "io.callstream.voice.dial.completed"},
      {"/dial_status?stage=voicemail",
       {{"RecordingUrl", "https://api.twilio.com/x"}, {"RecordingDuration", "9"}},
       "io.callstream.voice.voicemail.recorded"},
      {"/whisper?caller=%2B13055550123&caller_state=FL",
       {{"ParentCallSid", "CA" + std::string(32, 'd')}},
       "io.callstream.voice.whisper.requested"},
  };
  for (const auto& c : cases) {
    INFO(c.target);
    auto params = p;
    params.insert(params.end(), c.extra.begin(), c.extra.end());
    auto d = router.route(signed_request(c.target, params), kOpen);
    REQUIRE(d.response());
    CHECK(d.response()->status == 200);
    parse(d.response()->body);
    REQUIRE(d.publish().size() == 1);
    CHECK(contract.validate(d.publish()[0].value) == std::nullopt);
    auto e = events::JsonDocument::parse(d.publish()[0].value);
    CHECK(e->string_at({"type"}) == c.type);
    // Whisper runs on the agent's leg: keyed by the parent call to stay in its order.
    CHECK(d.publish()[0].key ==
          (c.target.rfind("/whisper", 0) == 0 ? "CA" + std::string(32, 'd') : kCall));
  }

  twilio::Params assignment = {
      {"AccountSid", kAccount},
      {"WorkspaceSid", "WS" + std::string(32, '2')},
      {"WorkflowSid", "WW" + std::string(32, '3')},
      {"TaskQueueSid", "WQ" + std::string(32, '4')},
      {"TaskSid", "WT" + std::string(32, '1')},
      {"ReservationSid", "WR" + std::string(32, '5')},
      {"WorkerSid", "WK" + std::string(32, '6')},
      {"TaskAttributes", R"({"call_sid":")" + kCall + R"(","from":"+13055550123"})"},
      {"WorkerAttributes", R"({"contact_uri":"client:alice"})"},
      {"TaskAge", "14"},
      {"Timestamp", "1771257600"}};
  auto d = router.route(signed_request("/assignment", assignment), kOpen);
  REQUIRE(d.response());
  CHECK(d.response()->content_type == "application/json");
  CHECK(events::JsonDocument::parse(d.response()->body)->string_at({"instruction"}) == "dequeue");
  REQUIRE(d.publish().size() == 1);
  CHECK(d.publish()[0].topic == "callstream.taskrouter.v1");
  CHECK(d.publish()[0].key == "WT" + std::string(32, '1'));
  INFO(d.publish()[0].value);
  CHECK(contract.validate(d.publish()[0].value) == std::nullopt);
  auto e = events::JsonDocument::parse(d.publish()[0].value);
  CHECK(e->string_at({"type"}) == "io.callstream.taskrouter.assignment.requested");
  CHECK(e->string_at({"time"}) == "2026-02-16T16:00:00.000Z");

  twilio::Params amd = {{"AccountSid", kAccount},
                        {"CallSid", kCall},
                        {"AnsweredBy", "machine_end_beep"},
                        {"MachineDetectionDuration", "4120"}};
  auto m = router.route(signed_request("/amd_status", amd), kOpen);
  CHECK_FALSE(m.response());  // a status callback: answered once persisted
  REQUIRE(m.publish().size() == 1);
  CHECK(contract.validate(m.publish()[0].value) == std::nullopt);
  CHECK(m.event_type == "com.twilio.voice.status-callback.amd.detected");
  amd[2].second = "robot";
  auto unknown = router.route(signed_request("/amd_status", amd), kOpen);
  REQUIRE(unknown.response());
  CHECK(unknown.response()->status == 400);
}
