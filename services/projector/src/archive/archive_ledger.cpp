#include "archive_ledger.hpp"

namespace callstream::projector::archive {
namespace {

constexpr const char* kFind = R"sql(
SELECT object_key, coalesce(location, '') AS location, coalesce(size, 0) AS size,
       coalesce(sha256, '') AS sha256, coalesce(etag, '') AS etag,
       coalesce(to_char(archived_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), '')
         AS archived_at,
       announced_at IS NOT NULL AS announced, deleted_at IS NOT NULL AS deleted, attempts
FROM recording_archive WHERE recording_sid = $1)sql";

constexpr const char* kFailed = R"sql(
INSERT INTO recording_archive (recording_sid, call_sid, object_key, attempts, last_error)
VALUES ($1, $2, $3, 1, $4)
ON CONFLICT (recording_sid) DO UPDATE
  SET attempts = recording_archive.attempts + 1, last_error = EXCLUDED.last_error,
      updated_at = now())sql";

constexpr const char* kArchived = R"sql(
INSERT INTO recording_archive (recording_sid, call_sid, object_key, location, size, sha256, etag,
                               archived_at, attempts)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1)
ON CONFLICT (recording_sid) DO UPDATE
  SET object_key = EXCLUDED.object_key, location = EXCLUDED.location, size = EXCLUDED.size,
      sha256 = EXCLUDED.sha256, etag = EXCLUDED.etag, archived_at = EXCLUDED.archived_at,
      attempts = recording_archive.attempts + 1, last_error = NULL, updated_at = now())sql";

constexpr const char* kAnnounced =
    "UPDATE recording_archive SET announced_at = now(), updated_at = now() WHERE recording_sid = "
    "$1";
constexpr const char* kDeleted =
    "UPDATE recording_archive SET deleted_at = now(), updated_at = now() WHERE recording_sid = $1";

}  // namespace

LedgerEntry ArchiveLedger::find(const std::string& recording_sid) {
  auto r = c_.exec("archive_find", kFind, {recording_sid});
  LedgerEntry out;
  if (r.rows() == 0) return out;
  out.attempts = static_cast<int>(r.get_int(0, "attempts"));
  out.announced = r.get(0, "announced") == "t";
  out.deleted = r.get(0, "deleted") == "t";
  if (!r.get(0, "archived_at").empty())
    out.copy = ArchivedCopy{std::string(r.get(0, "object_key")),
                            std::string(r.get(0, "location")),
                            r.get_int(0, "size"),
                            std::string(r.get(0, "sha256")),
                            std::string(r.get(0, "etag")),
                            std::string(r.get(0, "archived_at"))};
  return out;
}

void ArchiveLedger::failed(const ArchiveJob& job, const std::string& key,
                           const std::string& error) {
  c_.exec("archive_failed", kFailed, {job.recording_sid, job.call_sid, key, error});
}

void ArchiveLedger::archived(const ArchiveJob& job, const ArchivedCopy& copy) {
  std::string size = std::to_string(copy.size);
  c_.exec("archive_archived", kArchived,
          {job.recording_sid, job.call_sid, copy.key, copy.location, size, copy.sha256_hex,
           copy.etag, copy.archived_at});
}

void ArchiveLedger::announced(const std::string& recording_sid) {
  c_.exec("archive_announced", kAnnounced, {recording_sid});
}

void ArchiveLedger::deleted(const std::string& recording_sid) {
  c_.exec("archive_deleted", kDeleted, {recording_sid});
}

}  // namespace callstream::projector::archive
