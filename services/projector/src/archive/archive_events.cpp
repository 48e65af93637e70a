#include "archive_events.hpp"

#include "callstream/core/time.hpp"
#include "callstream/events/cloudevent.hpp"
#include "callstream/events/json.hpp"

namespace callstream::projector::archive {
namespace {

constexpr const char* kSource = "/callstream-projector/archive";

events::CloudEvent envelope(const events::Contract& contract, std::string type,
                            const ArchiveJob& job, const ArchivedCopy& copy) {
  events::CloudEvent e;
  e.id = events::event_id(
      kSource, {{"type", type}, {"RecordingSid", job.recording_sid}, {"sha256", copy.sha256_hex}});
  e.source = kSource;
  e.type = std::move(type);
  e.subject = job.recording_sid;
  e.receivedat = core::format_rfc3339(
      std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now()));
  e.time = e.receivedat;
  e.dataschema = contract.dataschema_for_type(e.type).value_or("");
  return e;
}

}  // namespace

kafka::Message archived_message(const events::Contract& contract, const ArchiveJob& job,
                                const ArchivedCopy& copy, const std::string& bucket) {
  events::CloudEvent e = envelope(contract, "io.callstream.recording.archived", job, copy);
  e.time = copy.archived_at;
  events::JsonWriter data;
  data.begin_object()
      .field("recording_sid", job.recording_sid)
      .field("call_sid", job.call_sid)
      .field("location", copy.location)
      .field("bucket", bucket)
      .field("key", copy.key)
      .key("size")
      .integer(copy.size)
      .field("sha256", copy.sha256_hex)
      .field("etag", copy.etag)
      .field("archived_at", copy.archived_at)
      .end_object();
  e.data = data.str();
  return events::to_message(contract.topic(kRecordingsTopic), job.call_sid, e);
}

kafka::Message media_deleted_message(const events::Contract& contract, const ArchiveJob& job,
                                     const ArchivedCopy& copy) {
  events::CloudEvent e = envelope(contract, "io.callstream.recording.media-deleted", job, copy);
  events::JsonWriter data;
  data.begin_object()
      .field("recording_sid", job.recording_sid)
      .field("call_sid", job.call_sid)
      .field("location", copy.location)
      .end_object();
  e.data = data.str();
  return events::to_message(contract.topic(kRecordingsTopic), job.call_sid, e);
}

}  // namespace callstream::projector::archive
