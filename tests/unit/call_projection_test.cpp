#include <catch2/catch.hpp>
#include "result_helpers.hpp"

#include "call_projection.hpp"

using namespace callstream::projector;

TEST_CASE("status lattice ranks", "[projection]") {
  CHECK(status_rank("queued") < status_rank("initiated"));
  CHECK(status_rank("initiated") < status_rank("ringing"));
  CHECK(status_rank("ringing") < status_rank("in-progress"));
  for (const char* terminal : {"completed", "busy", "no-answer", "failed", "canceled"})
    CHECK(status_rank(terminal) == 4);
  CHECK(status_rank("nonsense") == -1);
}

TEST_CASE("decoding a call event takes the envelope and data facts", "[projection]") {
  std::string value =
      R"({"specversion":"1.0","id":"e1","source":"s","type":"com.twilio.voice.status-callback.call.answered",
    "time":"2026-02-12T11:48:25.000Z","receivedat":"2026-02-12T11:48:26.000Z","data":{"route":"/call_status","method":"POST",
    "params":{"CallSid":"CA1","CallStatus":"in-progress","SequenceNumber":"2"}}})";
  auto row = decode_call_event(value, "t", 3, 99);
  REQUIRE(row);
  CHECK(row->call_sid == "CA1");
  CHECK(row->rank == 3);
  CHECK(row->sequence_number == 2);
  CHECK(row->offset == 99);
  CHECK(row->data.find("\"CallSid\":\"CA1\"") != std::string::npos);
}

TEST_CASE("undecodable call events say why", "[projection]") {
  std::string error;
  error = callstream::test::error_of(decode_call_event("{not json", "t", 0, 0));
  CHECK_FALSE(error.empty());
  CHECK(error.find("invalid JSON") != std::string::npos);
  error = callstream::test::error_of(decode_call_event(
      R"({"id":"e","type":"com.twilio.voice.status-callback.call.ringing","time":"x","data":{"params":{}}})",
      "t", 0, 0));
  CHECK_FALSE(error.empty());
  CHECK(error.find("CallSid") != std::string::npos);
  error = callstream::test::error_of(
      decode_call_event(R"({"id":"e","type":"com.other","time":"x","data":{}})", "t", 0, 0));
  CHECK_FALSE(error.empty());
  error = callstream::test::error_of(decode_call_event(
      R"({"id":"e","type":"com.twilio.voice.status-callback.call.ringing","time":"x",
    "data":{"params":{"CallSid":"CA1","CallStatus":"exploded"}}})",
      "t", 0, 0));
  CHECK_FALSE(error.empty());
  CHECK(error.find("exploded") != std::string::npos);
  error = callstream::test::error_of(decode_call_event(
      R"({"id":"e","type":"com.twilio.voice.status-callback.call.ringing","time":"x",
    "data":{"params":{"CallSid":"","CallStatus":"ringing"}}})",
      "t", 0, 0));
  CHECK_FALSE(error.empty());
  error = callstream::test::error_of(decode_call_event(
      R"({"id":"","type":"com.twilio.voice.status-callback.call.ringing","time":"x",
    "data":{"params":{"CallSid":"CA1","CallStatus":"ringing"}}})",
      "t", 0, 0));
  CHECK_FALSE(error.empty());
}
