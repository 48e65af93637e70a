#pragma once
// `callstream-projector archive` (and a thread of `run` when ARCHIVE_S3_BUCKET is set): the
// recordings topic in its own consumer group (KAFKA_GROUP_ID + "-archive"), so a slow download
// never delays the read models. Each batch's completed recordings are copied ARCHIVE_CONCURRENCY
// at a time (RecordingCopier); the group's offsets advance only past a batch whose recordings are
// all archived or dead-lettered. A recording given up goes to the dead-letter topic and table
// (consumer "archive": `dlq list` shows it, `dlq redrive` redoes it) and raises a
// recording_failed alert.
#include <atomic>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "callstream/core/metrics.hpp"
#include "callstream/kafka/consumer.hpp"
#include "projector_config.hpp"

namespace callstream::projector::archive {

class Archiver : public kafka::RebalanceListener {
 public:
  Archiver(const ProjectorConfig& config, core::Registry& metrics);
  ~Archiver() override;

  // Consumes until `stop`; a recording half-copied then is redone on the next start.
  void run(const std::atomic<bool>& stop);
  bool ready() const { return ready_; }

  void on_assigned(std::vector<kafka::TopicPartition>& partitions) override;
  void on_revoked(const std::vector<kafka::TopicPartition>& partitions) override;

  // `dlq redrive`: copies the recordings of the open archive letters (of `key` only, when given)
  // again; a letter whose recording is archived now is resolved. Returns how many.
  int64_t redrive(const std::optional<std::string>& key, std::ostream& out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::atomic<bool> ready_{false};
};

}  // namespace callstream::projector::archive
