#pragma once
// The archiver's ledger (table recording_archive, migration 012): per recording, how far its copy
// went. Read before any work, so a redelivered event, a redone batch after a crash or a redrive
// makes no second upload and announces nothing twice; written after each step that succeeded.
#include <cstdint>
#include <optional>
#include <string>

#include "archive_job.hpp"
#include "callstream/pg/connection.hpp"

namespace callstream::projector::archive {

// A verified copy in the bucket.
struct ArchivedCopy {
  std::string key;
  std::string location;  // s3://bucket/key
  int64_t size = 0;
  std::string sha256_hex;
  std::string etag;
  std::string archived_at;  // RFC 3339, when the HEAD confirmed it
};

struct LedgerEntry {
  std::optional<ArchivedCopy> copy;  // set once archived
  bool announced = false;            // the archived event is on the topic
  bool deleted = false;              // Twilio's copy is gone and that was announced
  int attempts = 0;
};

class ArchiveLedger {
 public:
  explicit ArchiveLedger(pg::Connection& c) : c_(c) {}

  LedgerEntry find(const std::string& recording_sid);
  // One more attempt that failed, and why (what an operator sees in the table).
  void failed(const ArchiveJob& job, const std::string& key, const std::string& error);
  void archived(const ArchiveJob& job, const ArchivedCopy& copy);
  void announced(const std::string& recording_sid);
  void deleted(const std::string& recording_sid);

 private:
  pg::Connection& c_;
};

}  // namespace callstream::projector::archive
