#include <catch2/catch.hpp>

#include "callstream/twilio/twiml.hpp"

using callstream::twilio::TwimlWriter;

TEST_CASE("TwiML is byte-identical to what Twilio's Python SDK writes", "[twiml]") {
  // Expected output captured from python3-twilio 7.7 (VoiceResponse) for the same document:
  //   r.say('Caller from Florida & "friends" <vip>', voice='alice', language='en-US')
  //   d = r.dial(timeout=20, record='record-from-answer-dual', recording_status_callback=...,
  //   action=...) d.client('alice'); d.number('+15551234567', url='https://x/whisper')
  //   r.enqueue(None, workflow_sid='WW123').task('{"call_sid": "CA1"}'); r.hangup()
  TwimlWriter w;
  w.element("Say", {{"voice", "alice"}, {"language", "en-US"}},
            R"(Caller from Florida & "friends" <vip>)");
  w.open("Dial", {{"timeout", "20"},
                  {"record", "record-from-answer-dual"},
                  {"recordingStatusCallback", "https://x/recording_status?a=1&b=2"},
                  {"action", "https://x/dial_status"}});
  w.element("Client", {}, "alice");
  w.element("Number", {{"url", "https://x/whisper"}}, "+15551234567");
  w.close();
  w.open("Enqueue", {{"workflowSid", "WW123"}});
  w.element("Task", {}, R"({"call_sid": "CA1"})");
  w.close();
  w.element("Hangup");
  CHECK(
      w.finish() ==
      R"(<?xml version="1.0" encoding="UTF-8"?><Response><Say language="en-US" voice="alice">Caller from Florida &amp; "friends" &lt;vip&gt;</Say>)"
      R"(<Dial action="https://x/dial_status" record="record-from-answer-dual" recordingStatusCallback="https://x/recording_status?a=1&amp;b=2" timeout="20">)"
      R"(<Client>alice</Client><Number url="https://x/whisper">+15551234567</Number></Dial>)"
      R"(<Enqueue workflowSid="WW123"><Task>{"call_sid": "CA1"}</Task></Enqueue><Hangup /></Response>)");
}

TEST_CASE("TwiML escapes attributes and drops characters XML cannot hold", "[twiml]") {
  TwimlWriter w;
  w.element("Say", {{"x", "a\"b\nc<d>&"}},
            std::string("bell\x07 and \x01"
                        "ctl"));
  CHECK(
      w.finish() ==
      R"(<?xml version="1.0" encoding="UTF-8"?><Response><Say x="a&quot;b&#10;c&lt;d&gt;&amp;">bell and ctl</Say></Response>)");
  TwimlWriter empty;
  CHECK(empty.finish() ==
        R"(<?xml version="1.0" encoding="UTF-8"?><Response />)");  // SDK: str(VoiceResponse())
}
