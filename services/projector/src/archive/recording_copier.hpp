#pragma once
// One recording's way into the archive, each step retried by the archive's policy and recorded in
// the ledger once it succeeded:
//
//   download (Twilio, to a temporary file, hashed) -> upload (S3, with its checksum)
//   -> verify (HEAD: size and checksum) -> ledger -> announce (archived event)
//   -> [ARCHIVE_DELETE_AT_TWILIO] HEAD again -> DELETE at Twilio -> announce (media-deleted)
//
// A crash between two steps redoes the recording from the first step the ledger lacks; the key
// is deterministic, so an upload redone overwrites the same object. Blocking: the archiver runs
// recordings on worker threads, each with its own PostgreSQL connection.
#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "archive_job.hpp"
#include "archive_ledger.hpp"
#include "archive_settings.hpp"
#include "callstream/core/time_zone.hpp"
#include "callstream/events/contract.hpp"
#include "callstream/kafka/producer.hpp"
#include "callstream/pg/connection.hpp"
#include "callstream/s3/client.hpp"
#include "projector_metrics.hpp"

namespace callstream::projector::archive {

enum class Outcome {
  archived,   // copied (and deleted at Twilio, when asked) now
  duplicate,  // the ledger had it all already: nothing done
  gave_up,    // a step failed for good or ran out of attempts: a dead letter
  stopped,    // the service is stopping: the recording is redone on the next start
};

struct CopyResult {
  Outcome outcome = Outcome::archived;
  std::string reason;  // why it gave up
};

class RecordingCopier {
 public:
  RecordingCopier(const ArchiveSettings& settings, const events::Contract& contract,
                  kafka::Producer& producer, const core::TimeZone& zone, ArchiveMetrics& metrics);

  CopyResult copy(const ArchiveJob& job, pg::Connection& db, const std::atomic<bool>& stop) const;

 private:
  // A step's failure: why, and whether a later try may do better.
  struct Failure {
    std::string reason;
    bool retryable = false;
    bool not_yet = false;  // Twilio's 404: the media is not available yet
  };
  template <typename T>
  using Step = core::Result<T, Failure>;

  Step<ArchivedCopy> transfer(const ArchiveJob& job, const std::string& key,
                              const std::atomic<bool>& stop) const;
  Step<ArchivedCopy> upload_and_verify(const std::string& key, const s3::Upload& file,
                                       const std::atomic<bool>& stop) const;
  Step<bool> verify(const std::string& key, const s3::Upload& file,
                    const s3::ObjectInfo& stored) const;
  Step<bool> delete_at_twilio(const ArchiveJob& job, const ArchivedCopy& copy) const;
  // Runs `attempt` until it succeeds, fails for good, runs out of tries (a 404 until
  // media_wait has passed) or `stop`; counts each retry under `step`.
  template <typename T, typename F>
  Step<T> retried(const char* step, const std::atomic<bool>& stop, F attempt) const;
  bool announce(const kafka::Message& message, const std::atomic<bool>& stop) const;
  std::string temp_path(const ArchiveJob& job) const;

  const ArchiveSettings& settings_;
  const events::Contract& contract_;
  kafka::Producer& producer_;
  const core::TimeZone& zone_;
  ArchiveMetrics& metrics_;
  s3::S3Client s3_;
};

}  // namespace callstream::projector::archive
