#include <catch2/catch.hpp>
#include "result_helpers.hpp"

#include "callstream/events/cloudevent.hpp"
#include "callstream/events/contract.hpp"
#include "callstream/events/json.hpp"

using namespace callstream;

TEST_CASE("event id: same content same id, any parameter order", "[events]") {
  twilio::Params a = {{"CallSid", "CA1"}, {"CallStatus", "ringing"}, {"SequenceNumber", "1"}};
  twilio::Params b = {{"SequenceNumber", "1"}, {"CallSid", "CA1"}, {"CallStatus", "ringing"}};
  CHECK(events::event_id("/call_status", a) == events::event_id("/call_status", b));
  CHECK(events::event_id("/call_status", a).size() == 64);
}

TEST_CASE("event id: two callbacks of one call never collide", "[events]") {
  twilio::Params ringing = {{"CallSid", "CA1"}, {"CallStatus", "ringing"}, {"SequenceNumber", "1"}};
  twilio::Params answered = {
      {"CallSid", "CA1"}, {"CallStatus", "in-progress"}, {"SequenceNumber", "2"}};
  CHECK(events::event_id("/call_status", ringing) != events::event_id("/call_status", answered));
  CHECK(events::event_id("/call_status", ringing) !=
        events::event_id("/recording_status", ringing));
  // Length-prefixing: moving characters between key and value changes the id.
  CHECK(events::event_id("/r", {{"ab", "c"}}) != events::event_id("/r", {{"a", "bc"}}));
}

TEST_CASE("webhook data keeps every parameter verbatim, repeated keys as arrays", "[events]") {
  twilio::Params p = {{"CallSid", "CA1"},
                      {"Digits", "1"},
                      {"Note", "quote \" and \\ and \xC3\xA9"},
                      {"Digits", "2"}};
  std::string data = events::webhook_data("/call_status", "POST", "x=1", p);
  auto doc = events::JsonDocument::parse(data);
  REQUIRE(doc);
  CHECK(doc->string_at({"route"}) == "/call_status");
  CHECK(doc->string_at({"query"}) == "x=1");
  CHECK(doc->string_at({"params", "Note"}) == "quote \" and \\ and \xC3\xA9");
  CHECK(doc->json_at({"params", "Digits"}) == "[\"1\",\"2\"]");
}

TEST_CASE("CloudEvent serializes in structured mode and parses back", "[events]") {
  events::CloudEvent e;
  e.id = std::string(64, 'a');
  e.source = "https://calls.example.com/call_status";
  e.type = "com.twilio.voice.status-callback.call.ringing";
  e.subject = "CA1";
  e.time = "2026-02-12T11:48:25.000Z";
  e.receivedat = "2026-02-12T11:48:25.120Z";
  e.data = R"({"route":"/call_status","method":"POST","params":{"CallSid":"CA1"}})";
  std::string json = events::serialize(e);
  std::string error;
  auto back = events::parse_cloudevent(json);
  REQUIRE(back);
  CHECK(back->id == e.id);
  CHECK(back->subject == "CA1");
  CHECK(back->data == e.data);
  error = test::error_of(events::parse_cloudevent(R"({"specversion":"1.0","id":"x"})"));
  CHECK_FALSE(error.empty());
  CHECK(error.find("source") != std::string::npos);
  error = test::error_of(events::parse_cloudevent("not json"));
  CHECK_FALSE(error.empty());
}

TEST_CASE("the contract maps types to topics and validates envelopes and data",
          "[events][contract]") {
  events::Contract contract("staging.");
  CHECK(contract.topic_for_type("com.twilio.voice.status-callback.call.completed") ==
        "staging.callstream.voice.calls.v1");
  CHECK_FALSE(contract.topic_for_type("com.twilio.unknown"));
  CHECK(contract.topic_for_type("com.twilio.taskrouter.task.created") ==
        "staging.callstream.taskrouter.v1");
  CHECK_FALSE(contract.topic_for_type("com.twilio.taskrouter."));
  CHECK_FALSE(contract.topic_for_type("com.twilio.taskrouterx.task"));
  REQUIRE(contract.topics().size() == 7);
  CHECK(contract.topics()[5].name == "staging.callstream.optouts.v1");
  CHECK(contract.topics()[5].config.at("cleanup.policy") == "compact");
  CHECK(contract.topic_for_type("io.callstream.optout.added") == "staging.callstream.optouts.v1");
  CHECK(contract.topic_for_type("com.twilio.messaging.inbound-message.received") ==
        "staging.callstream.messaging.v1");

  events::CloudEvent e;
  e.id = std::string(64, 'b');
  e.source = "https://calls.example.com/call_status";
  e.type = "com.twilio.voice.status-callback.call.completed";
  e.subject = "CA" + std::string(32, '1');
  e.time = "2026-02-12T11:48:25.000Z";
  e.receivedat = e.time;
  e.data = events::webhook_data("/call_status", "POST", "",
                                {{"CallSid", e.subject},
                                 {"AccountSid", "AC" + std::string(32, '2')},
                                 {"CallStatus", "busy"},
                                 {"CallDuration", "0"}});
  CHECK(contract.validate(events::serialize(e)) == std::nullopt);

  e.data = events::webhook_data("/call_status", "POST", "",
                                {{"CallSid", e.subject}, {"CallStatus", "busy"}});
  auto problem = contract.validate(events::serialize(e));
  REQUIRE(problem);
  CHECK(problem->find("required") != std::string::npos);

  e.data = events::webhook_data("/call_status", "POST", "",
                                {{"CallSid", e.subject},
                                 {"AccountSid", "AC" + std::string(32, '2')},
                                 {"CallStatus", "exploded"}});
  CHECK(contract.validate(events::serialize(e)));
  e.id = "short";
  CHECK(contract.validate(events::serialize(e)));
}

TEST_CASE("serialize_webhook writes what serialize writes with webhook_data as the data",
          "[cloudevent]") {
  callstream::events::CloudEvent e;
  e.id = "id-1";
  e.source = "https://calls.example.com/voice";
  e.type = "com.twilio.voice.twiml.call.requested";
  e.subject = "CA1";
  e.time = e.receivedat = "2026-02-12T11:48:25.000Z";
  e.twilioaccount = "AC1";
  callstream::twilio::Params p = {
      {"CallSid", "CA1"}, {"Digits", "1"}, {"Digits", "2"}, {"Name", "Jos\xC3\xA9 \"the\" caller"}};
  callstream::events::WebhookAnswer answer{"enqueued", "text/xml", "<Response/>"};
  std::string one_pass =
      callstream::events::serialize_webhook(e, "/voice", "POST", "x=1", p, &answer);
  e.data = callstream::events::webhook_data("/voice", "POST", "x=1", p, &answer);
  CHECK(one_pass == callstream::events::serialize(e));
  CHECK(one_pass.find(R"("Digits":["1","2"])") != std::string::npos);
}
