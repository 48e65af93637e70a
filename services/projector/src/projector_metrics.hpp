#pragma once
// Every metric the projector exports, declared once: its name, help text and buckets live here
// and nowhere else (docs/operations.md lists them). Each part of the service takes the struct it
// counts into.
#include <functional>
#include <string>
#include <string_view>

#include "callstream/core/metrics.hpp"

namespace callstream::projector {

// The consumer loop: what it applied, refused, and how long a batch took.
struct ProjectorMetrics {
  explicit ProjectorMetrics(core::Registry& registry);

  core::Counter& applied;
  core::Counter& duplicates;
  core::Counter& dead_letters;
  core::Counter& fenced;
  core::Counter& pg_errors;
  core::Histogram& batch_seconds;
  core::Histogram& batch_events;
  core::Histogram& event_to_commit_seconds;
  // Event Streams events of a type no read model uses (kept on the topic), by type.
  core::Counter& eventstreams_ignored(std::string_view type);

  // Lag gauges are read when /metrics renders: over all partitions, and per partition.
  void lag(std::function<double()> read);
  void partition_lag(const std::string& topic, int32_t partition, std::function<double()> read);

 private:
  core::Registry& registry_;
};

// The alert outbox: what the rules wrote and what the sender delivered, by rule and channel.
struct AlertMetrics {
  explicit AlertMetrics(core::Registry& registry);

  core::CounterFamily created;   // rule, kind
  core::CounterFamily sent;      // rule, channel
  core::CounterFamily messages;  // rule, channel
  core::CounterFamily failed;    // rule, channel
  core::CounterFamily dead;      // rule, channel
  core::Gauge& pending;
  core::Histogram& send_latency;
};

// The recording archive: recordings copied, bytes, retries by step, what was given up.
struct ArchiveMetrics {
  explicit ArchiveMetrics(core::Registry& registry);

  core::CounterFamily recordings;  // outcome: archived, duplicate, dead_lettered
  core::CounterFamily retries;     // step: download, upload, verify, delete
  core::Counter& bytes;
  core::Counter& media_deleted;
  core::Histogram& copy_seconds;
  core::Gauge& in_flight;
};

}  // namespace callstream::projector
