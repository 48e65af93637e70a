// The ingress's decisions, without sockets or Kafka.
#include <catch2/catch.hpp>

#include "callstream/core/time.hpp"
#include "callstream/events/json.hpp"
#include "webhook_router.hpp"

using namespace callstream;

namespace {

const std::string kAccount = "AC" + std::string(32, 'a');
const std::string kCall = "CA" + std::string(32, 'c');
const std::string kBase = "https://calls.example.com";

struct Fixture {
  twilio::SignatureValidator validator{{"token-1"}};
  events::Contract contract;
  ingress::WebhookRouter router{{kBase, kAccount}, validator, contract};
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
                 "a signed status callback becomes a schema-valid CloudEvent keyed by CallSid",
                 "[router]") {
  auto d = router.route(signed_request(params()), now);
  REQUIRE_FALSE(d.response);
  REQUIRE(d.publish);
  CHECK(d.publish->topic == "callstream.voice.calls.v1");
  CHECK(d.publish->key == kCall);
  CHECK(contract.validate(d.publish->value) == std::nullopt);
  auto doc = events::JsonDocument::parse(d.publish->value);
  REQUIRE(doc);
  CHECK(doc->string_at({"type"}) == "com.twilio.voice.status-callback.call.completed");
  CHECK(doc->string_at({"time"}) == "2026-02-12T11:48:25.000Z");  // Twilio's Timestamp
  CHECK(doc->string_at({"receivedat"}) == "2026-02-12T11:50:00.000Z");
  CHECK(doc->string_at({"subject"}) == kCall);
  CHECK(doc->string_at({"data", "params", "CallDuration"}) == "42");
  CHECK(doc->string_at({"id"}) == d.event_id);
  bool has_type = false, has_id = false;
  for (const auto& h : d.publish->headers) {
    has_type |= h.name == "ce_type" && h.value == d.event_type;
    has_id |= h.name == "ce_id" && h.value == d.event_id;
  }
  CHECK(has_type);
  CHECK(has_id);
}

TEST_CASE_METHOD(Fixture, "a Twilio retry yields the same event id; another status does not",
                 "[router]") {
  auto first = router.route(signed_request(params()), now);
  auto retry = router.route(signed_request(params()), now + std::chrono::seconds(5));
  auto other = router.route(signed_request(params("ringing")), now);
  CHECK(first.event_id == retry.event_id);
  CHECK(first.event_id != other.event_id);
}

TEST_CASE_METHOD(Fixture, "status names map to Event Streams types", "[router]") {
  CHECK(ingress::call_status_event_type("in-progress") ==
        "com.twilio.voice.status-callback.call.answered");
  CHECK(ingress::call_status_event_type("no-answer") ==
        "com.twilio.voice.status-callback.call.completed");
  CHECK(ingress::call_status_event_type("initiated") ==
        "com.twilio.voice.status-callback.call.initiated");
  CHECK_FALSE(ingress::call_status_event_type("exploded"));
}

TEST_CASE_METHOD(Fixture, "bad requests get a precise status and publish nothing", "[router]") {
  auto expect = [&](http::Request r, int status, const char* reason) {
    auto d = router.route(r, now);
    INFO(reason);
    REQUIRE(d.response);
    CHECK(d.response->status == status);
    CHECK(d.reject_reason == reason);
    CHECK_FALSE(d.publish);
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
  SECTION("GET: 405 with Allow") {
    auto r = signed_request(params());
    r.method = "GET";
    auto d = router.route(r, now);
    REQUIRE(d.response);
    CHECK(d.response->status == 405);
    CHECK(d.response->headers.at(0) == std::pair<std::string, std::string>{"Allow", "POST"});
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
