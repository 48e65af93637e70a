// The archiver's decisions without I/O: which events become jobs, and the object key.
#include <catch2/catch.hpp>

#include "archive/archive_events.hpp"
#include "archive/archive_job.hpp"
#include "callstream/events/cloudevent.hpp"
#include "callstream/s3/client.hpp"
#include "recording_projection.hpp"

using namespace callstream;
using projector::archive::archive_job;
using projector::archive::object_key;

namespace {

const std::string kCall = "CA" + std::string(32, 'c');
const std::string kRec = "RE" + std::string(32, 'e');

std::string event(const std::string& status, const std::string& extra = "") {
  return R"({"id":"ev1","type":"com.twilio.voice.status-callback.recording.)" + status +
         R"(","time":"2026-12-03T02:30:00Z","data":{"params":{"CallSid":")" + kCall +
         R"(","RecordingSid":")" + kRec + R"(","RecordingStatus":")" + status +
         R"(","RecordingUrl":"https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/)" + kRec +
         "\"" + extra + "}}}";
}

}  // namespace

TEST_CASE("a completed recording is a job, its key dated in the call center zone", "[archive]") {
  auto job = archive_job(event("completed"));
  REQUIRE(job);
  REQUIRE(*job);
  CHECK((*job)->media_url ==
        "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/" + kRec + ".wav");
  auto new_york = core::TimeZone::locate("America/New_York").value();
  // 02:30 UTC is still the evening before in New York.
  CHECK(object_key("recordings/", new_york, **job) ==
        "recordings/2026/12/02/" + kCall + "/" + kRec + ".wav");
  CHECK(object_key("", core::TimeZone::locate("UTC").value(), **job) ==
        "2026/12/03/" + kCall + "/" + kRec + ".wav");
  // Twilio's RecordingStartTime, when sent, dates it.
  auto started =
      archive_job(event("completed", R"(,"RecordingStartTime":"Fri, 04 Dec 2026 15:00:00 +0000")"));
  CHECK(object_key("/a/b/", new_york, **started) ==
        "a/b/2026/12/04/" + kCall + "/" + kRec + ".wav");
}

TEST_CASE("only completed recordings are copied, and a bad event is an error, not a job",
          "[archive]") {
  for (const char* status : {"in-progress", "absent", "failed"}) {
    auto job = archive_job(event(status));
    REQUIRE(job);
    CHECK_FALSE(*job);
  }
  std::string traversal = event("completed");
  traversal.replace(traversal.find(kRec), kRec.size(), "../../etc/passwd");
  CHECK_FALSE(archive_job(traversal));
  CHECK_FALSE(archive_job(R"({"id":"x","data":{"params":{"RecordingStatus":"completed"}}})"));
  CHECK_FALSE(archive_job("not json"));
}

namespace {

projector::archive::ArchivedCopy copy_of(const projector::archive::ArchiveJob& job) {
  std::string key = "recordings/2026/12/02/" + job.call_sid + "/" + job.recording_sid + ".wav";
  return {key,        "s3://archive/" + key,     32044, std::string(64, 'a'),
          "\"etag\"", "2026-12-03T02:31:00.000Z"};
}

}  // namespace

TEST_CASE("the archive's events satisfy the contract and the projection reads them back",
          "[archive]") {
  events::Contract contract;
  auto job = archive_job(event("completed"));
  REQUIRE(job);
  auto copy = copy_of(**job);
  auto archived = projector::archive::archived_message(contract, **job, copy, "archive");
  auto deleted = projector::archive::media_deleted_message(contract, **job, copy);
  CHECK(archived.topic == "callstream.voice.recordings.v1");
  CHECK(archived.key == kCall);  // after the recording's own events, in its call's order
  for (const auto* m : {&archived, &deleted}) {
    CHECK(contract.validate(m->value) == std::nullopt);
    auto row = projector::decode_recording_event(m->value, m->topic, 0, 1);
    REQUIRE(row);
  }
  // Announced again after a crash, it is the same event.
  auto again = projector::archive::archived_message(contract, **job, copy, "archive");
  CHECK(events::parse_cloudevent(again.value)->id == events::parse_cloudevent(archived.value)->id);
  CHECK(events::parse_cloudevent(deleted.value)->id !=
        events::parse_cloudevent(archived.value)->id);
}

TEST_CASE("an archive event without its location or of an unknown type is a dead letter",
          "[archive]") {
  auto envelope = [](const std::string& type, const std::string& data) {
    return R"({"specversion":"1.0","id":")" + std::string(64, 'b') + R"(","type":")" + type +
           R"(","time":"2026-12-03T02:31:00Z","source":"/a","data":)" + data + "}";
  };
  std::string whole =
      R"({"recording_sid":")" + kRec + R"(","call_sid":")" + kCall + R"(","location":"s3://a/k"})";
  CHECK(projector::decode_recording_event(envelope("io.callstream.recording.media-deleted", whole),
                                          "t", 0, 1));
  CHECK_FALSE(projector::decode_recording_event(envelope("io.callstream.recording.archived", whole),
                                                "t", 0, 1));  // no sha256
  CHECK_FALSE(projector::decode_recording_event(envelope("io.callstream.recording.restored", whole),
                                                "t", 0, 1));
  CHECK_FALSE(projector::decode_recording_event(
      envelope("io.callstream.recording.media-deleted", R"({"recording_sid":"x"})"), "t", 0, 1));
}

TEST_CASE("a HEAD that differs from the upload in size, checksum or ETag is a mismatch",
          "[archive]") {
  std::string sha(32, '\x01');
  s3::Upload file{"/tmp/x", 100, sha};
  s3::ObjectInfo stored{100, "\"e1\"", ""};
  // AQEB... is base64 of thirty-two 0x01 bytes.
  std::string sha_b64 = "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=";
  CHECK(s3::mismatch({100, "\"e1\"", sha_b64}, file, stored) == std::nullopt);
  CHECK(s3::mismatch({100, "\"other\"", ""}, file, stored).has_value());  // multipart: ETag
  CHECK(s3::mismatch({100, "\"e1\"", ""}, file, stored) == std::nullopt);
  CHECK(s3::mismatch({99, "\"e1\"", sha_b64}, file, stored)->find("99 bytes") != std::string::npos);
  CHECK(s3::mismatch({100, "\"e1\"", "Zm9v"}, file, stored)->find("SHA-256") != std::string::npos);
}
