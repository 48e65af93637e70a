#include "recording_copier.hpp"

#include <unistd.h>

#include <cstdio>
#include <future>
#include <thread>

#include "archive_events.hpp"
#include "callstream/core/log.hpp"
#include "callstream/core/time.hpp"
#include "callstream/twilio/media.hpp"

namespace callstream::projector::archive {
namespace log = core::log;
namespace {

// Removes the temporary file however the copy ends.
struct TempFile {
  std::string path;
  ~TempFile() { std::remove(path.c_str()); }
};

std::string twilio_reason(const twilio::RestError& e) {
  std::string status = e.http_status ? "HTTP " + std::to_string(e.http_status) : "no answer";
  if (e.http_status == 401 || e.http_status == 403)
    return "Twilio refused the account's credentials (" + status + "): " + e.message;
  return "Twilio: " + status + (e.message.empty() ? "" : ": " + e.message);
}

std::string s3_reason(const s3::S3Error& e) {
  std::string status = e.http_status ? "HTTP " + std::to_string(e.http_status) : "no answer";
  return "S3: " + status + (e.code.empty() ? "" : " " + e.code) +
         (e.message.empty() ? "" : ": " + e.message);
}

// Sleeps `d` in short slices; false when `stop` came first.
bool sleep_unless_stopped(std::chrono::milliseconds d, const std::atomic<bool>& stop) {
  auto until = std::chrono::steady_clock::now() + d;
  while (std::chrono::steady_clock::now() < until) {
    if (stop) return false;
    std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(
        std::chrono::milliseconds(50), std::chrono::duration_cast<std::chrono::milliseconds>(
                                           until - std::chrono::steady_clock::now())));
  }
  return !stop;
}

}  // namespace

RecordingCopier::RecordingCopier(const ArchiveSettings& settings, const events::Contract& contract,
                                 kafka::Producer& producer, const core::TimeZone& zone,
                                 ArchiveMetrics& metrics)
    : settings_(settings),
      contract_(contract),
      producer_(producer),
      zone_(zone),
      metrics_(metrics),
      s3_(settings.s3) {}

CopyResult RecordingCopier::copy(const ArchiveJob& job, pg::Connection& db,
                                 const std::atomic<bool>& stop) const {
  ArchiveLedger ledger(db);
  LedgerEntry entry = ledger.find(job.recording_sid);
  bool wants_delete = settings_.delete_at_twilio;
  if (entry.copy && entry.announced && (!wants_delete || entry.deleted))
    return {Outcome::duplicate, ""};
  std::string key = object_key(settings_.prefix, zone_, job);
  if (!entry.copy) {
    auto copied = transfer(job, key, stop);
    if (stop) return {Outcome::stopped, ""};
    if (!copied) {
      ledger.failed(job, key, copied.error().reason);
      return {Outcome::gave_up, copied.error().reason};
    }
    ledger.archived(job, *copied);
    entry.copy = *copied;
  }
  if (!entry.announced) {
    if (!announce(archived_message(contract_, job, *entry.copy, settings_.s3.bucket), stop))
      return {Outcome::stopped, ""};
    ledger.announced(job.recording_sid);
  }
  if (!wants_delete || entry.deleted) return {Outcome::archived, ""};
  if (auto gone = delete_at_twilio(job, *entry.copy); !gone) {
    ledger.failed(job, key, gone.error().reason);
    return {Outcome::gave_up, gone.error().reason};
  }
  if (!announce(media_deleted_message(contract_, job, *entry.copy), stop))
    return {Outcome::stopped, ""};
  ledger.deleted(job.recording_sid);
  metrics_.media_deleted.inc();
  return {Outcome::archived, ""};
}

RecordingCopier::Step<ArchivedCopy> RecordingCopier::transfer(const ArchiveJob& job,
                                                              const std::string& key,
                                                              const std::atomic<bool>& stop) const {
  // The account's credentials go to Twilio's API and nowhere else, whatever an event says.
  if (!job.media_url.starts_with(settings_.twilio.base_url + "/"))
    return std::unexpected(Failure{"the RecordingUrl is not on TWILIO_API_BASE_URL (" +
                                       settings_.twilio.base_url + "): not fetched",
                                   false});
  auto started = std::chrono::steady_clock::now();
  TempFile file{temp_path(job)};
  auto got = retried<twilio::Downloaded>("download", stop, [&]() -> Step<twilio::Downloaded> {
    auto d = twilio::download_media(settings_.twilio, job.media_url, file.path);
    if (d) return *d;
    return std::unexpected(
        Failure{twilio_reason(d.error()), d.error().retryable, d.error().http_status == 404});
  });
  if (!got) return std::unexpected(got.error());
  auto copied = upload_and_verify(key, s3::Upload{file.path, got->size, got->sha256}, stop);
  if (copied) {
    metrics_.bytes.inc(static_cast<uint64_t>(copied->size));
    metrics_.copy_seconds.observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  }
  return copied;
}

RecordingCopier::Step<ArchivedCopy> RecordingCopier::upload_and_verify(
    const std::string& key, const s3::Upload& file, const std::atomic<bool>& stop) const {
  auto stored = retried<s3::ObjectInfo>("upload", stop, [&]() -> Step<s3::ObjectInfo> {
    auto r = s3_.put(key, file);
    if (r) return *r;
    return std::unexpected(Failure{s3_reason(r.error()), r.error().retryable});
  });
  if (!stored) return std::unexpected(stored.error());
  auto same = retried<bool>("verify", stop, [&] { return verify(key, file, *stored); });
  if (!same) return std::unexpected(same.error());
  return ArchivedCopy{key,          s3_.location(key),
                      file.size,    pg::hex(file.sha256),
                      stored->etag, core::format_rfc3339(core::now_millis())};
}

RecordingCopier::Step<bool> RecordingCopier::verify(const std::string& key, const s3::Upload& file,
                                                    const s3::ObjectInfo& stored) const {
  auto seen = s3_.head(key);
  if (!seen) return std::unexpected(Failure{s3_reason(seen.error()), seen.error().retryable});
  if (!*seen) return std::unexpected(Failure{"S3: the object is missing after its upload", true});
  if (auto differs = s3::mismatch(**seen, file, stored))
    return std::unexpected(Failure{"S3: " + *differs, false});
  return true;
}

// Only a copy that a HEAD shows whole, now, lets Twilio's go.
RecordingCopier::Step<bool> RecordingCopier::delete_at_twilio(const ArchiveJob& job,
                                                              const ArchivedCopy& copy) const {
  s3::Upload expected{"", copy.size, pg::unhex(copy.sha256_hex)};
  std::atomic<bool> never{false};
  auto same = retried<bool>("verify", never, [&] {
    return verify(copy.key, expected, s3::ObjectInfo{copy.size, copy.etag, ""});
  });
  if (!same) return std::unexpected(Failure{"kept at Twilio: " + same.error().reason, false});
  twilio::RestClient twilio(settings_.twilio);
  return retried<bool>("delete", never, [&]() -> Step<bool> {
    auto gone = twilio.delete_recording(job.recording_sid);
    if (gone) return true;
    return std::unexpected(Failure{twilio_reason(gone.error()), gone.error().retryable});
  });
}

template <typename T, typename F>
RecordingCopier::Step<T> RecordingCopier::retried(const char* step, const std::atomic<bool>& stop,
                                                  F attempt) const {
  auto backoff = settings_.first_backoff;
  auto first = std::chrono::steady_clock::now();
  for (int tries = 1;; ++tries) {
    Step<T> r = attempt();
    if (r || !r.error().retryable) return r;
    bool waiting =
        r.error().not_yet && std::chrono::steady_clock::now() - first < settings_.media_wait;
    if (!waiting && tries >= settings_.attempts) {
      r.error().reason += " (gave up after " + std::to_string(tries) + " tries)";
      return r;
    }
    metrics_.retries.at({{"step", step}}).inc();
    log::warn("archive step failed; retrying", {{"step", step},
                                                {"error", r.error().reason},
                                                {"retry_in_ms", std::to_string(backoff.count())}});
    if (!sleep_unless_stopped(backoff, stop)) return std::unexpected(Failure{"stopping", false});
    backoff = std::min(backoff * 2, settings_.max_backoff);
  }
}

// Until the broker has it: the offset is not stored before, so a crash announces again (same id).
bool RecordingCopier::announce(const kafka::Message& message, const std::atomic<bool>& stop) const {
  for (;;) {
    std::promise<kafka::DeliveryReport> done;
    producer_.publish(message, [&done](const kafka::DeliveryReport& r) { done.set_value(r); });
    auto report = done.get_future().get();
    if (report.status == kafka::Delivery::persisted) return true;
    log::error("archive event not persisted; retrying", {{"error", report.error}});
    if (!sleep_unless_stopped(std::chrono::seconds(1), stop)) return false;
  }
}

std::string RecordingCopier::temp_path(const ArchiveJob& job) const {
  return settings_.tmp_dir + "/callstream-archive-" + std::to_string(::getpid()) + "-" +
         job.recording_sid + ".wav";
}

}  // namespace callstream::projector::archive
