// Event Streams events decode to the rows the webhooks of the same facts give.
#include <catch2/catch.hpp>
#include "result_helpers.hpp"

#include "callstream/core/time.hpp"
#include "callstream/events/cloudevent.hpp"
#include "callstream/events/contract.hpp"
#include "callstream/events/event_types.hpp"
#include "callstream/events/json.hpp"
#include "topic_projections.hpp"

using namespace callstream;
using namespace callstream::projector;

namespace {

const std::string kCall = "CA" + std::string(32, '1');
const std::string kTask = "WT" + std::string(32, '2');

// The CloudEvent the ingress publishes for a webhook: its type and Twilio's time given.
std::string webhook(const std::string& route, const twilio::Params& p, const std::string& type,
                    const std::string& time) {
  events::CloudEvent e;
  e.id = events::event_id(route, p);
  e.source = "https://calls.example.com" + route;
  e.type = type;
  e.time = time;
  e.receivedat = "2026-02-12T11:48:30.000Z";
  e.data = events::webhook_data(route, "POST", "", p);
  return events::serialize(e);
}

// An Event Streams voice event: the status callback's parameters under data.request.
std::string streamed_voice(const std::string& type, const std::string& parameters) {
  return R"({"specversion":"1.0","type":")" + type +
         R"(","source":"/v1/Accounts/AC/Calls","id":"EZ0001",)"
         R"("dataschema":"https://events-schemas.twilio.com/Voice.WebhookEvent/2",)"
         R"("datacontenttype":"application/json","time":"2026-02-12T11:48:29.000Z",)"
         R"("data":{"sid":")" +
         kCall +
         R"(","timestamp":"2026-02-12T11:48:28.000Z","eventSid":"VW01",)"
         R"("request":{"method":"POST","url":"https://calls.example.com/x",)"
         R"("parameters":)" +
         parameters + R"(},"response":{"responseCode":204}}})";
}

struct Decoded {
  TopicRows rows;
  std::string error;
};

Decoded decode(TopicKind kind, const std::string& value) {
  events::Contract contract("");
  TopicProjections projections(contract);
  Decoded d;
  auto r = projections.decode(kind, value, "t", 0, 7, d.rows, "2026-02-12T11:48:31.000Z");
  if (!r) d.error = r.error().message;
  return d;
}

std::string param(const std::string& data, std::string_view name) {
  auto doc = events::JsonDocument::parse(data);
  REQUIRE(doc);
  return std::string(doc->string_at({"params", name}).value_or("<none>"));
}

}  // namespace

TEST_CASE("an Event Streams call status decodes as its webhook does", "[eventstreams]") {
  twilio::Params p = {{"AccountSid", "AC" + std::string(32, 'a')},
                      {"CallSid", kCall},
                      {"CallStatus", "in-progress"},
                      {"Direction", "inbound"},
                      {"From", "+13055550100"},
                      {"To", "+18005551212"},
                      {"SequenceNumber", "2"},
                      {"Timestamp", "Thu, 12 Feb 2026 11:48:25 +0000"}};
  auto hook = decode(TopicKind::calls,
                     webhook("/call_status", p, *events::call_status_event_type("in-progress"),
                             "2026-02-12T11:48:25.000Z"));
  std::string parameters =
      R"({"AccountSid":"AC)" + std::string(32, 'a') + R"(","CallSid":")" + kCall +
      R"(","CallStatus":"in-progress","Direction":"inbound","From":"+13055550100",)"
      R"("To":"+18005551212","SequenceNumber":"2","Timestamp":"Thu, 12 Feb 2026 11:48:25 +0000"})";
  for (const char* type : {"com.twilio.voice.status-callback.call.answered",
                           "com.twilio.voice.webhook.status-callback.call.answered"}) {
    auto streamed = decode(TopicKind::eventstreams, streamed_voice(type, parameters));
    INFO(type << ": " << streamed.error);
    REQUIRE(streamed.rows.calls.size() == 1);
    const auto& a = hook.rows.calls.at(0);
    const auto& b = streamed.rows.calls.at(0);
    CHECK(b.event_id == "EZ0001");
    CHECK(b.call_sid == a.call_sid);
    CHECK(b.event_type == a.event_type);
    CHECK(b.call_status == a.call_status);
    CHECK(b.rank == a.rank);
    CHECK(b.sequence_number == a.sequence_number);
    CHECK(b.event_time == a.event_time);  // the callback's Timestamp, not Event Streams' time
    CHECK(b.received_at == "2026-02-12T11:48:31.000Z");
    for (auto name : {"From", "To", "Direction", "AccountSid"})
      CHECK(param(b.data, name) == param(a.data, name));
  }
}

TEST_CASE("an Event Streams TaskRouter event decodes as its webhook does", "[eventstreams]") {
  twilio::Params p = {{"EventType", "reservation.accepted"},
                      {"AccountSid", "AC" + std::string(32, 'a')},
                      {"WorkspaceSid", "WS01"},
                      {"TaskSid", kTask},
                      {"ReservationSid", "WR01"},
                      {"WorkerSid", "WK01"},
                      {"WorkerName", "alice"},
                      {"TaskQueueName", "Support"},
                      {"TaskAttributes", R"({"call_sid":")" + kCall + R"("})"},
                      {"TaskAge", "31"},
                      {"Sid", "EV01"},
                      {"TimestampMs", "1770896905123"}};
  auto hook = decode(TopicKind::taskrouter,
                     webhook("/taskrouter_event", p, "com.twilio.taskrouter.reservation.accepted",
                             "2026-02-12T11:48:25.123Z"));
  std::string value =
      R"({"specversion":"1.0","type":"com.twilio.taskrouter.reservation.accepted","source":"WS01",)"
      R"("id":"NO0001","dataschema":"https://events-schemas.twilio.com/TaskRouter.WDSEvent/4",)"
      R"("datacontenttype":"application/json","data":{"sid":"EV01","name":"ReservationAccepted",)"
      R"("account_sid":"AC)" +
      std::string(32, 'a') +
      R"(","timestamp":"2026-02-12T11:48:25.123Z","payload":{"sid":"EV01",)"
      R"("eventtype":"reservation.accepted","account_sid":"AC)" +
      std::string(32, 'a') + R"(","workspace_sid":"WS01","task_sid":")" + kTask +
      R"(","reservation_sid":"WR01","worker_sid":"WK01","worker_name":"alice",)"
      R"("task_queue_name":"Support","task_attributes":"{\"call_sid\":\")" +
      kCall +
      R"(\"}","task_age":31,"worker_channel_available":true,)"
      R"("timestamp":"2026-02-12T11:48:25.123Z"}}})";
  auto streamed = decode(TopicKind::eventstreams, value);
  INFO(streamed.error);
  REQUIRE(streamed.rows.taskrouter.size() == 1);
  const auto& a = hook.rows.taskrouter.at(0);
  const auto& b = streamed.rows.taskrouter.at(0);
  CHECK(b.event_type == a.event_type);
  CHECK(b.event_time == a.event_time);
  for (auto name :
       {"EventType", "AccountSid", "WorkspaceSid", "TaskSid", "ReservationSid", "WorkerSid",
        "WorkerName", "TaskQueueName", "TaskAttributes", "TaskAge", "Sid", "TimestampMs"})
    CHECK(param(b.data, name) == param(a.data, name));
  CHECK(param(b.data, "WorkerChannelAvailable") == "true");
  CHECK(param(b.data, "Timestamp") == "1770896905");
}

TEST_CASE("Event Streams AMD and recording events decode as their webhooks do", "[eventstreams]") {
  auto amd = decode(TopicKind::eventstreams,
                    streamed_voice("com.twilio.voice.status-callback.amd.detected",
                                   R"({"AccountSid":"AC1","CallSid":")" + kCall +
                                       R"(","AnsweredBy":"machine_end_beep"})"));
  REQUIRE(amd.rows.calls.size() == 1);
  CHECK(amd.rows.calls[0].event_type == events::kAmdDetectedType);
  CHECK(amd.rows.calls[0].rank == -1);  // never moves the status
  CHECK(amd.rows.calls[0].event_time == "2026-02-12T11:48:28.000Z");
  auto recording =
      decode(TopicKind::eventstreams,
             streamed_voice("com.twilio.voice.status-callback.recording.processed",
                            R"({"AccountSid":"AC1","CallSid":")" + kCall +
                                R"(","RecordingSid":"RE1","RecordingStatus":"completed",)"
                                R"("RecordingStartTime":"Thu, 12 Feb 2026 11:48:20 +0000"})"));
  REQUIRE(recording.rows.recordings.size() == 1);
  CHECK(recording.rows.recordings[0].event_type == "io.callstream.voice.recording.completed");
  CHECK(recording.rows.recordings[0].event_time == "2026-02-12T11:48:20.000Z");
}

TEST_CASE("an Event Streams type no read model uses is kept, not a dead letter", "[eventstreams]") {
  for (const char* type : {"com.twilio.messaging.message.delivered",
                           "com.twilio.voice.status-callback.conference.updated",
                           "com.twilio.eventstreams.test-event"}) {
    auto d =
        decode(TopicKind::eventstreams, R"({"specversion":"1.0","type":")" + std::string(type) +
                                            R"(","source":"s","id":"X1","data":{"anything":1}})");
    CHECK(d.error.empty());
    CHECK(d.rows.size() == 0);
    REQUIRE(d.rows.ignored.size() == 1);
    CHECK(d.rows.ignored[0] == type);
  }
}

TEST_CASE("a malformed Event Streams event of a known type says why", "[eventstreams]") {
  auto no_sid = decode(TopicKind::eventstreams,
                       streamed_voice("com.twilio.voice.status-callback.call.completed",
                                      R"({"CallStatus":"completed"})"));
  CHECK(no_sid.error.find("data.request.parameters lacks CallSid") != std::string::npos);
  auto bad_status = decode(TopicKind::eventstreams,
                           streamed_voice("com.twilio.voice.status-callback.call.completed",
                                          R"({"CallSid":"CA1","CallStatus":"exploded"})"));
  CHECK(bad_status.error.find("exploded") != std::string::npos);
  auto no_request =
      decode(TopicKind::eventstreams,
             R"({"specversion":"1.0","type":"com.twilio.voice.status-callback.call.completed",)"
             R"("source":"s","id":"X1","data":{"sid":"CA1"}})");
  CHECK(no_request.error.find("data.request.parameters missing") != std::string::npos);
  auto no_payload = decode(TopicKind::eventstreams,
                           R"({"specversion":"1.0","type":"com.twilio.taskrouter.task.created",)"
                           R"("source":"s","id":"X1","data":{"sid":"EV1"}})");
  CHECK(no_payload.error.find("data.payload") != std::string::npos);
  auto no_workspace =
      decode(TopicKind::eventstreams,
             R"({"specversion":"1.0","type":"com.twilio.taskrouter.task.created",)"
             R"("source":"s","id":"X1","data":{"sid":"EV1","payload":{"task_sid":"WT1"}}})");
  CHECK(no_workspace.error.find("WorkspaceSid") != std::string::npos);
  CHECK_FALSE(decode(TopicKind::eventstreams, "{not json").error.empty());
  events::Contract contract("");
  TopicProjections projections(contract);
  TopicRows rows;  // no time anywhere (a redriven letter has no receive time): not for PostgreSQL
  auto timeless = projections.decode(
      TopicKind::eventstreams,
      R"({"specversion":"1.0","type":"com.twilio.taskrouter.task.created","source":"s","id":"X1",)"
      R"("data":{"sid":"EV1","payload":{"workspace_sid":"WS1","account_sid":"AC1"}}})",
      "t", 0, 0, rows);
  REQUIRE_FALSE(timeless);
  CHECK(timeless.error().message.find("no time") != std::string::npos);
  CHECK(decode(TopicKind::eventstreams, R"({"type":"com.twilio.taskrouter.task.created"})")
            .error.find("lacks id") != std::string::npos);
}
