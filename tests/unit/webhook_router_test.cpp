// The ingress's decisions, without sockets or Kafka.
#include <catch2/catch.hpp>

#include "callstream/core/time.hpp"
#include "callstream/events/event_types.hpp"
#include "callstream/events/json.hpp"
#include "callstream/twilio/basic_auth.hpp"
#include "webhook_router.hpp"

using namespace callstream;

namespace {

const std::string kAccount = "AC" + std::string(32, 'a');
const std::string kCall = "CA" + std::string(32, 'c');
const std::string kBase = "https://calls.example.com";

struct Fixture {
  twilio::SignatureValidator validator{{"token-1"}};
  events::Contract contract;
  ingress::CallFlow flow{{}, kBase};
  ingress::WebhookRouter router{{kBase, kAccount}, validator, contract, flow};
  core::SysMillis now = *core::parse_rfc3339("2026-02-12T11:50:00Z");

  twilio::Params params(const std::string& status = "completed") {
    return {{"AccountSid", kAccount},
            {"CallSid", kCall},
            {"CallStatus", status},
            {"From", "+13055550100"},
            {"To", "+18005551212"},
            {"SequenceNumber", "3"},
            {"Timestamp", "Thu, 12 Feb 2026 11:48:25 +0000"},
            {"CallDuration", "42"}};
  }

  http::Request signed_request(const twilio::Params& p,
                               const std::string& target = "/call_status") {
    http::Request r;
    r.method = "POST";
    r.target = target;
    r.body = twilio::encode_form(p);
    r.headers = {
        {"Content-Type", "application/x-www-form-urlencoded; charset=UTF-8"},
        {"X-Twilio-Signature", twilio::SignatureValidator::compute("token-1", kBase + target, p)}};
    return r;
  }
};

}  // namespace

TEST_CASE_METHOD(Fixture,
                 "a status callback sent as GET (TaskRouter dequeue) is signed over its URL",
                 "[router]") {
  // TaskRouter's dequeue status_callback_url receives GET requests: parameters in the query,
  // the signature over the URL alone.
  http::Request r;
  r.method = "GET";
  r.target = "/call_status?" + twilio::encode_form(params("ringing"));
  r.headers = {
      {"X-Twilio-Signature", twilio::SignatureValidator::compute("token-1", kBase + r.target, {})}};
  auto d = router.route(r, now);
  REQUIRE_FALSE(d.response());
  REQUIRE(d.publish().size() == 1);
  CHECK(contract.validate(d.publish()[0].value) == std::nullopt);
  auto doc = events::JsonDocument::parse(d.publish()[0].value);
  CHECK(doc->string_at({"type"}) == "com.twilio.voice.status-callback.call.ringing");
  CHECK(doc->string_at({"data", "method"}) == "GET");
  CHECK(doc->string_at({"data", "params", "CallStatus"}) == "ringing");

  r.target += "&CallStatus=completed";  // tampered query
  auto tampered = router.route(r, now);
  REQUIRE(tampered.response());
  CHECK(tampered.response()->status == 403);
}

TEST_CASE_METHOD(Fixture,
                 "a signed status callback becomes a schema-valid CloudEvent keyed by CallSid",
                 "[router]") {
  auto d = router.route(signed_request(params()), now);
  REQUIRE_FALSE(d.response());
  REQUIRE(d.publish().size() == 1);
  CHECK(d.publish()[0].topic == "callstream.voice.calls.v1");
  CHECK(d.publish()[0].key == kCall);
  CHECK(contract.validate(d.publish()[0].value) == std::nullopt);
  auto doc = events::JsonDocument::parse(d.publish()[0].value);
  REQUIRE(doc);
  CHECK(doc->string_at({"type"}) == "com.twilio.voice.status-callback.call.completed");
  CHECK(doc->string_at({"time"}) == "2026-02-12T11:48:25.000Z");  // Twilio's Timestamp
  CHECK(doc->string_at({"receivedat"}) == "2026-02-12T11:50:00.000Z");
  CHECK(doc->string_at({"subject"}) == kCall);
  CHECK(doc->string_at({"data", "params", "CallDuration"}) == "42");
  CHECK(doc->string_at({"id"}) == d.event_id);
  bool has_type = false, has_id = false;
  for (const auto& h : d.publish()[0].headers) {
    has_type |= h.name == "ce_type" && h.value == d.event_type;
    has_id |= h.name == "ce_id" && h.value == d.event_id;
  }
  CHECK(has_type);
  CHECK(has_id);
}

TEST_CASE_METHOD(Fixture, "a Twilio retry yields the same event id, another status does not",
                 "[router]") {
  auto first = router.route(signed_request(params()), now);
  auto retry = router.route(signed_request(params()), now + std::chrono::seconds(5));
  auto other = router.route(signed_request(params("ringing")), now);
  CHECK(first.event_id == retry.event_id);
  CHECK(first.event_id != other.event_id);
}

TEST_CASE_METHOD(Fixture, "status names map to Event Streams types", "[router]") {
  CHECK(events::call_status_event_type("in-progress") ==
        "com.twilio.voice.status-callback.call.answered");
  CHECK(events::call_status_event_type("no-answer") ==
        "com.twilio.voice.status-callback.call.completed");
  CHECK(events::call_status_event_type("initiated") ==
        "com.twilio.voice.status-callback.call.initiated");
  CHECK_FALSE(events::call_status_event_type("exploded"));
}

TEST_CASE_METHOD(Fixture, "bad requests get a precise status and publish nothing", "[router]") {
  auto expect = [&](http::Request r, int status, const char* reason) {
    auto d = router.route(r, now);
    INFO(reason);
    REQUIRE(d.response());
    CHECK(d.response()->status == status);
    CHECK(d.reject_reason() == reason);
    CHECK(d.publish().empty());
  };
  SECTION("missing signature: 400") {
    auto r = signed_request(params());
    r.headers.pop_back();
    expect(r, 400, "signature_missing");
  }
  SECTION("wrong signature: 403") {
    auto r = signed_request(params());
    r.headers.back().second = "AAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    expect(r, 403, "signature_invalid");
  }
  SECTION("tampered body: 403") {
    auto r = signed_request(params());
    r.body += "&Injected=1";
    expect(r, 403, "signature_invalid");
  }
  SECTION("signed for another URL: 403") {
    auto r = signed_request(params(), "/call_status?x=1");
    r.target = "/call_status";
    expect(r, 403, "signature_invalid");
  }
  SECTION("another account: 403") {
    auto p = params();
    p[0].second = "AC" + std::string(32, 'b');
    expect(signed_request(p), 403, "wrong_account");
  }
  SECTION("PUT: 405 with Allow") {
    auto r = signed_request(params());
    r.method = "PUT";
    auto d = router.route(r, now);
    REQUIRE(d.response());
    CHECK(d.response()->status == 405);
    CHECK(d.response()->headers.at(0) == std::pair<std::string, std::string>{"Allow", "POST, GET"});
  }
  SECTION("GET signed like a POST (params outside the URL): 403") {
    auto r = signed_request(params());
    r.method = "GET";
    expect(r, 403, "signature_invalid");
  }
  SECTION("JSON content type: 415") {
    auto r = signed_request(params());
    r.headers[0].second = "application/json";
    expect(r, 415, "unsupported_media_type");
  }
  SECTION("bad percent-encoding: 400") {
    auto r = signed_request(params());
    r.body += "&Bad=%G1";
    expect(r, 400, "malformed_body");
  }
  SECTION("text that is not UTF-8, or holds NUL: 400 (no event PostgreSQL would refuse)") {
    for (const char* bad : {"&CallerName=Jos%E9", "&CallerName=a%00b"}) {
      auto r = signed_request(params());
      r.body += bad;
      expect(r, 400, "malformed_body");
    }
  }
  SECTION("missing CallSid: 400") {
    auto p = params();
    p.erase(p.begin() + 1);
    expect(signed_request(p), 400, "missing_parameter");
  }
  SECTION("unknown CallStatus: 400") {
    expect(signed_request(params("exploded")), 400, "unknown_call_status");
  }
  SECTION("unknown route: 404") {
    auto r = signed_request(params(), "/nowhere");
    expect(r, 404, "not_found");
  }
}

namespace {
std::string header_value(const kafka::Message& m, const std::string& name) {
  for (const auto& h : m.headers)
    if (h.name == name) return h.value;
  return "";
}
}  // namespace

TEST_CASE_METHOD(Fixture, "a recording status callback is keyed by CallSid, about the RecordingSid",
                 "[router]") {
  const std::string rec = "RE" + std::string(32, 'd');
  twilio::Params p = {{"AccountSid", kAccount},
                      {"CallSid", kCall},
                      {"RecordingSid", rec},
                      {"RecordingStatus", "completed"},
                      {"RecordingDuration", "61"},
                      {"RecordingChannels", "2"},
                      {"RecordingUrl", "https://api.twilio.com/2010-04-01/Accounts/" + kAccount +
                                           "/Recordings/" + rec},
                      {"RecordingStartTime", "Thu, 12 Feb 2026 11:40:00 +0000"},
                      {"RecordingSource", "DialVerb"}};
  auto d = router.route(signed_request(p, "/recording_status"), now);
  REQUIRE(d.publish().size() == 1);
  CHECK(d.publish()[0].topic == "callstream.voice.recordings.v1");
  CHECK(d.publish()[0].key == kCall);
  CHECK(header_value(d.publish()[0], "ce_type") == "io.callstream.voice.recording.completed");
  CHECK(contract.validate(d.publish()[0].value) == std::nullopt);
  auto doc = events::JsonDocument::parse(d.publish()[0].value);
  CHECK(doc->string_at({"subject"}) == rec);
  CHECK(doc->string_at({"time"}) == "2026-02-12T11:40:00.000Z");

  p[3].second = "exploded";
  auto bad = router.route(signed_request(p, "/recording_status"), now);
  REQUIRE(bad.response());
  CHECK(bad.response()->status == 400);
  CHECK(bad.reject_reason() == "unknown_recording_status");
}

TEST_CASE_METHOD(Fixture,
                 "TaskRouter events: task events keyed by TaskSid, worker events by WorkerSid",
                 "[router]") {
  const std::string ws = "WS" + std::string(32, '1'), task = "WT" + std::string(32, '2'),
                    worker = "WK" + std::string(32, '3'), res = "WR" + std::string(32, '4');
  twilio::Params reservation = {{"AccountSid", kAccount},
                                {"WorkspaceSid", ws},
                                {"EventType", "reservation.accepted"},
                                {"ResourceType", "reservation"},
                                {"ResourceSid", res},
                                {"TaskSid", task},
                                {"WorkerSid", worker},
                                {"ReservationSid", res},
                                {"Timestamp", "1770896905"},
                                {"TimestampMs", "1770896905123"},
                                {"TaskAttributes", R"({"call_sid":"CA1","from":"+13055550100"})"}};
  auto d = router.route(signed_request(reservation, "/taskrouter_event"), now);
  REQUIRE(d.publish().size() == 1);
  CHECK(d.publish()[0].topic == "callstream.taskrouter.v1");
  CHECK(d.publish()[0].key == task);
  CHECK(d.event_type == "com.twilio.taskrouter.reservation.accepted");
  CHECK(contract.validate(d.publish()[0].value) == std::nullopt);
  auto doc = events::JsonDocument::parse(d.publish()[0].value);
  CHECK(doc->string_at({"time"}) == "2026-02-12T11:48:25.123Z");  // TimestampMs
  CHECK(doc->string_at({"subject"}) == res);
  CHECK(doc->string_at({"data", "params", "TaskAttributes"}) ==
        R"({"call_sid":"CA1","from":"+13055550100"})");

  twilio::Params activity = {{"AccountSid", kAccount},
                             {"WorkspaceSid", ws},
                             {"EventType", "worker.activity.update"},
                             {"ResourceType", "worker"},
                             {"ResourceSid", worker},
                             {"WorkerSid", worker},
                             {"WorkerActivityName", "Available"},
                             {"Timestamp", "1770896905"}};
  auto w = router.route(signed_request(activity, "/taskrouter_event"), now);
  REQUIRE(w.publish().size() == 1);
  CHECK(w.publish()[0].key == worker);
  auto wdoc = events::JsonDocument::parse(w.publish()[0].value);
  CHECK(wdoc->string_at({"time"}) == "2026-02-12T11:48:25.000Z");  // Timestamp, seconds

  twilio::Params nonsense = {
      {"AccountSid", kAccount}, {"WorkspaceSid", ws}, {"EventType", "Robert'); DROP"}};
  auto bad = router.route(signed_request(nonsense, "/taskrouter_event"), now);
  REQUIRE(bad.response());
  CHECK(bad.response()->status == 400);
  auto missing =
      router.route(signed_request({{"AccountSid", kAccount}, {"EventType", "task.created"}},
                                  "/taskrouter_event"),
                   now);
  REQUIRE(missing.response());
  CHECK(missing.reject_reason() == "missing_parameter");
  CHECK(missing.response()->body.find("WorkspaceSid") != std::string::npos);
}

namespace {
struct SinkFixture {
  twilio::SignatureValidator validator{{"token-1"}};
  events::Contract contract;
  ingress::CallFlow flow{{}, kBase};
  ingress::WebhookRouter router{
      {kBase, kAccount, twilio::basic_authorization("twilio-sink", "a-long-sink-password")},
      validator,
      contract,
      flow};
  core::SysMillis now = *core::parse_rfc3339("2026-02-12T11:50:00Z");

  http::Request post(std::string body,
                     std::string auth = twilio::basic_authorization("twilio-sink",
                                                                    "a-long-sink-password")) {
    http::Request r;
    r.method = "POST";
    r.target = "/events/twilio";
    r.body = std::move(body);
    r.headers = {{"Content-Type", "application/json"}, {"Authorization", std::move(auth)}};
    return r;
  }
};
const char* kBatch = R"([
 {"specversion":"1.0","type":"com.twilio.voice.status-callback.call.completed","source":"/2010-04-01/Accounts/AC1/Calls/CA1",
  "id":"EZ0000000000000000000000000000001","subject":"CA1","dataschema":"https://events-schemas.twilio.com/Voice.WebhookEvent/2",
  "datacontenttype":"application/json","time":"2026-02-12T11:48:25.000Z","data":{"request":{"parameters":{"CallSid":"CA1","CallStatus":"completed"}}}},
 {"specversion":"1.0","type":"com.twilio.taskrouter.task.created","source":"/v1/Workspaces/WS1/Tasks/WT1",
  "id":"EZ0000000000000000000000000000002","datacontenttype":"application/json","data":{"payload":{"task_sid":"WT1"}}},
 {"no":"envelope"}
])";
}  // namespace

TEST_CASE_METHOD(SinkFixture,
                 "Event Streams batches: each CloudEvent kept verbatim, non-events dead-lettered",
                 "[router][eventstreams]") {
  auto d = router.route(post(kBatch), now);
  REQUIRE_FALSE(d.response());
  REQUIRE(d.publish().size() == 3);
  CHECK(d.publish()[0].topic == "callstream.eventstreams.v1");
  CHECK(d.publish()[0].key == "CA1");  // subject
  CHECK(header_value(d.publish()[0], "ce_id") == "EZ0000000000000000000000000000001");
  CHECK(header_value(d.publish()[0], "ce_type") ==
        "com.twilio.voice.status-callback.call.completed");
  auto first = events::JsonDocument::parse(d.publish()[0].value);
  REQUIRE(first);
  CHECK(first->string_at({"data", "request", "parameters", "CallStatus"}) == "completed");
  CHECK(d.publish()[1].key == "EZ0000000000000000000000000000002");  // no subject: the id
  CHECK(d.publish()[2].topic == "callstream.deadletter.v1");
  CHECK(header_value(d.publish()[2], "dlq_error").find("CloudEvent") != std::string::npos);
  CHECK(d.publish()[2].value == R"({"no":"envelope"})");
}

TEST_CASE_METHOD(SinkFixture, "Event Streams sink refusals", "[router][eventstreams]") {
  auto status = [&](http::Request r) {
    auto d = router.route(r, now);
    return d.response() ? d.response()->status : 0;
  };
  CHECK(status(post(kBatch, "")) == 401);
  CHECK(status(post(kBatch, twilio::basic_authorization("twilio-sink", "wrong-password-here"))) ==
        401);
  auto wrong_type = post(kBatch);
  wrong_type.headers[0].second = "text/plain";
  CHECK(status(wrong_type) == 415);
  CHECK(status(post("[{broken")) == 400);
  CHECK(status(post("42")) == 400);
  auto single = router.route(
      post(
          R"({"specversion":"1.0","id":"EZ9","type":"com.twilio.eventstreams.test-event","source":"s"})"),
      now);
  CHECK(single.publish().size() == 1);

  twilio::SignatureValidator validator{{"token-1"}};
  events::Contract contract;
  ingress::WebhookRouter no_sink{{kBase, kAccount, ""}, validator, contract, flow};
  auto d = no_sink.route(post(kBatch), now);
  REQUIRE(d.response());
  CHECK(d.response()->status == 404);
}
