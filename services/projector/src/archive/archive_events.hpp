#pragma once
// The archiver's events on the recordings topic (keyed by CallSid, after the recording's own):
// io.callstream.recording.archived once the copy is verified, io.callstream.recording.media-deleted
// once Twilio's copy is gone. Their ids are functions of the copy, so announcing again after a
// crash yields the same event, which every consumer already dedupes.
#include <string>

#include "archive_job.hpp"
#include "archive_ledger.hpp"
#include "callstream/events/contract.hpp"
#include "callstream/kafka/settings.hpp"

namespace callstream::projector::archive {

inline constexpr const char* kRecordingsTopic = "callstream.voice.recordings.v1";

kafka::Message archived_message(const events::Contract& contract, const ArchiveJob& job,
                                const ArchivedCopy& copy, const std::string& bucket);
kafka::Message media_deleted_message(const events::Contract& contract, const ArchiveJob& job,
                                     const ArchivedCopy& copy);

}  // namespace callstream::projector::archive
