#pragma once
// What the archiver does with one recording event, decided without I/O: a completed recording
// becomes a job (its media URL, keeping a dual-channel recording's two channels in WAV) and its
// object key, PREFIX/YYYY/MM/DD/CallSid/RecordingSid.wav with the date of the call in the call
// center's zone. The key is a function of the event alone, so a retry, a redelivery or a
// rebuild overwrites the same object and never makes a second one.
#include <optional>
#include <string>
#include <string_view>

#include "callstream/core/result.hpp"
#include "callstream/core/time.hpp"
#include "callstream/core/time_zone.hpp"

namespace callstream::projector::archive {

struct ArchiveJob {
  std::string event_id;        // the recording event's CloudEvent id
  std::string call_sid;        // CA...
  std::string recording_sid;   // RE...
  std::string media_url;       // RecordingUrl + ".wav"
  core::SysMillis started_at;  // RecordingStartTime, else the event's time
};

// A job for a completed recording's event; nullopt for any other status (in-progress, absent,
// failed: nothing to copy); an error when the event lacks what a copy needs.
core::Result<std::optional<ArchiveJob>> archive_job(std::string_view event_json);

// PREFIX/YYYY/MM/DD/CallSid/RecordingSid.wav; the prefix without slashes at either end, none
// when empty.
std::string object_key(std::string_view prefix, const core::TimeZone& zone, const ArchiveJob& job);

}  // namespace callstream::projector::archive
