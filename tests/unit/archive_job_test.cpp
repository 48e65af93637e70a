// The archiver's decisions without I/O: which events become jobs, and the object key.
#include <catch2/catch.hpp>

#include "archive/archive_job.hpp"

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
