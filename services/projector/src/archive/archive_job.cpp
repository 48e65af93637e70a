#include "archive_job.hpp"

#include <cstdio>

#include "callstream/events/json.hpp"
#include "callstream/twilio/sid.hpp"

namespace callstream::projector::archive {

core::Result<std::optional<ArchiveJob>> archive_job(std::string_view event_json) {
  auto doc = events::JsonDocument::parse(event_json);
  if (!doc) return std::unexpected(doc.error());
  auto status = doc->string_at({"data", "params", "RecordingStatus"});
  if (status != "completed") return std::optional<ArchiveJob>();
  ArchiveJob job;
  job.event_id = std::string(doc->string_at({"id"}).value_or(""));
  job.call_sid = std::string(doc->string_at({"data", "params", "CallSid"}).value_or(""));
  job.recording_sid = std::string(doc->string_at({"data", "params", "RecordingSid"}).value_or(""));
  std::string url(doc->string_at({"data", "params", "RecordingUrl"}).value_or(""));
  if (job.event_id.empty() || !twilio::is_sid(job.call_sid, "CA") ||
      !twilio::is_sid(job.recording_sid, "RE"))
    return core::fail("undecodable",
                      "a completed recording needs an id, a CallSid and a RecordingSid");
  if (!url.starts_with("https://") && !url.starts_with("http://"))
    return core::fail("undecodable", "a completed recording needs its RecordingUrl");
  job.media_url = url + ".wav";
  auto started =
      core::parse_rfc2822(doc->string_at({"data", "params", "RecordingStartTime"}).value_or(""));
  auto time = core::parse_rfc3339(doc->string_at({"time"}).value_or(""));
  if (!started && !time) return core::fail("undecodable", "the event has no time");
  job.started_at = started ? *started : *time;
  return std::optional<ArchiveJob>(std::move(job));
}

std::string object_key(std::string_view prefix, const core::TimeZone& zone, const ArchiveJob& job) {
  while (prefix.starts_with('/')) prefix.remove_prefix(1);
  while (prefix.ends_with('/')) prefix.remove_suffix(1);
  core::LocalTime day = zone.local(job.started_at);
  char date[16];
  std::snprintf(date, sizeof date, "%04d/%02d/%02d", day.year, day.month, day.day);
  std::string key = prefix.empty() ? std::string() : std::string(prefix) + "/";
  return key + date + "/" + job.call_sid + "/" + job.recording_sid + ".wav";
}

}  // namespace callstream::projector::archive
