#pragma once
// What the archiver needs to know (ARCHIVE_* settings, docs/archive.md): the bucket, where
// temporary files go, how long and how often to retry, and whether Twilio's copy is deleted.
#include <chrono>
#include <string>

#include "callstream/s3/client.hpp"
#include "callstream/twilio/rest_client.hpp"

namespace callstream::projector::archive {

struct ArchiveSettings {
  s3::S3Settings s3;             // ARCHIVE_S3_* (no bucket = no archive)
  std::string prefix;            // ARCHIVE_PREFIX: the keys' first segment
  std::string tmp_dir = "/tmp";  // ARCHIVE_TMP_DIR: one file per recording being copied
  int concurrency = 8;           // ARCHIVE_CONCURRENCY: recordings copied at once
  int attempts = 5;              // ARCHIVE_ATTEMPTS: S3 failures retried before a dead letter
  // ARCHIVE_MEDIA_WAIT_SECONDS: how long a 404 from Twilio (media not available yet) is retried
  std::chrono::seconds media_wait{600};
  std::chrono::milliseconds first_backoff{500};  // doubled each retry, at most max_backoff
  std::chrono::milliseconds max_backoff{30000};
  bool delete_at_twilio = false;  // ARCHIVE_DELETE_AT_TWILIO, after a verified copy only
  std::chrono::seconds playback_expiry{900};  // ARCHIVE_PLAYBACK_URL_SECONDS: presigned GETs
  twilio::RestSettings twilio;                // the account the media comes from (TWILIO_*)

  bool enabled() const { return !s3.bucket.empty(); }
};

}  // namespace callstream::projector::archive
