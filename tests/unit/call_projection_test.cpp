#include <catch2/catch.hpp>

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
  std::string error;
  auto row = decode_call_event(value, "t", 3, 99, &error);
  REQUIRE(row);
  CHECK(row->call_sid == "CA1");
  CHECK(row->rank == 3);
  CHECK(row->sequence_number == 2);
  CHECK(row->offset == 99);
  CHECK(row->data.find("\"CallSid\":\"CA1\"") != std::string::npos);
}

TEST_CASE("undecodable call events say why", "[projection]") {
  std::string error;
  CHECK_FALSE(decode_call_event("{not json", "t", 0, 0, &error));
  CHECK(error.find("invalid JSON") != std::string::npos);
  CHECK_FALSE(decode_call_event(
      R"({"id":"e","type":"com.twilio.voice.status-callback.call.ringing","time":"x","data":{"params":{}}})",
      "t", 0, 0, &error));
  CHECK(error.find("CallSid") != std::string::npos);
  CHECK_FALSE(decode_call_event(R"({"id":"e","type":"com.other","time":"x","data":{}})", "t", 0, 0,
                                &error));
  CHECK_FALSE(decode_call_event(
      R"({"id":"e","type":"com.twilio.voice.status-callback.call.ringing","time":"x",
    "data":{"params":{"CallSid":"CA1","CallStatus":"exploded"}}})",
      "t", 0, 0, &error));
  CHECK(error.find("exploded") != std::string::npos);
  CHECK_FALSE(decode_call_event(
      R"({"id":"e","type":"com.twilio.voice.status-callback.call.ringing","time":"x",
    "data":{"params":{"CallSid":"","CallStatus":"ringing"}}})",
      "t", 0, 0, &error));
  CHECK_FALSE(decode_call_event(
      R"({"id":"","type":"com.twilio.voice.status-callback.call.ringing","time":"x",
    "data":{"params":{"CallSid":"CA1","CallStatus":"ringing"}}})",
      "t", 0, 0, &error));
}
