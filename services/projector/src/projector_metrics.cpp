#include "projector_metrics.hpp"

namespace callstream::projector {

ProjectorMetrics::ProjectorMetrics(core::Registry& registry)
    : applied(registry.counter("callstream_projector_events_applied_total",
                               "Events applied to the read models")),
      duplicates(registry.counter("callstream_projector_duplicates_total",
                                  "Events already applied (same id)")),
      dead_letters(registry.counter("callstream_projector_dead_letters_total",
                                    "Events sent to the dead-letter topic")),
      fenced(registry.counter("callstream_projector_fenced_batches_total",
                              "Batches refused because another instance advanced the offset")),
      pg_errors(registry.counter("callstream_projector_pg_errors_total", "PostgreSQL errors")),
      batch_seconds(registry.histogram("callstream_projector_batch_seconds",
                                       "Time to apply and commit one partition batch",
                                       core::latency_buckets())),
      batch_events(registry.histogram("callstream_projector_batch_events",
                                      "Events in one partition batch",
                                      {1, 10, 50, 100, 500, 1000, 5000, 10000})),
      event_to_commit_seconds(registry.histogram("callstream_projector_event_to_commit_seconds",
                                                 "Event receive time to commit in PostgreSQL",
                                                 core::latency_buckets())),
      registry_(registry) {}

core::Counter& ProjectorMetrics::eventstreams_ignored(std::string_view type) {
  // Twilio names a few dozen types; anything else (or absurdly long) is counted as "other".
  bool named = type.starts_with("com.twilio.") && type.size() <= 96;
  return registry_.counter("callstream_projector_eventstreams_ignored_total",
                           "Event Streams events of a type no read model uses (kept on the topic)",
                           {{"type", named ? std::string(type) : "other"}});
}

void ProjectorMetrics::lag(std::function<double()> read) {
  registry_.gauge_callback("callstream_projector_lag_events",
                           "Events in Kafka not yet applied, all partitions", std::move(read));
}

void ProjectorMetrics::partition_lag(const std::string& topic, int32_t partition,
                                     std::function<double()> read) {
  registry_.gauge_callback("callstream_projector_partition_lag_events",
                           "Events in Kafka not yet applied, per assigned partition",
                           std::move(read),
                           {{"topic", topic}, {"partition", std::to_string(partition)}});
}

AlertMetrics::AlertMetrics(core::Registry& registry)
    : created(registry, "callstream_alerts_created_total", "Alerts written to the outbox"),
      sent(registry, "callstream_alerts_sent_total", "Alerts delivered"),
      messages(registry, "callstream_alerts_messages_total", "Messages sent (a group is one)"),
      failed(registry, "callstream_alerts_failed_total", "Failed delivery attempts"),
      dead(registry, "callstream_alerts_dead_total", "Alerts given up"),
      pending(registry.gauge("callstream_alerts_outbox_pending", "Alerts waiting to be sent")),
      send_latency(
          registry.histogram("callstream_alerts_send_latency_seconds",
                             "Alert written -> delivered (settle time and grouping included)",
                             {1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600})) {}

ArchiveMetrics::ArchiveMetrics(core::Registry& registry)
    : recordings(registry, "callstream_archive_recordings_total",
                 "Completed recordings handled by the archiver, by outcome"),
      retries(registry, "callstream_archive_retries_total", "Failed tries retried, by step"),
      bytes(registry.counter("callstream_archive_bytes_total", "Bytes uploaded to the archive")),
      media_deleted(registry.counter("callstream_archive_media_deleted_total",
                                     "Recordings deleted at Twilio after a verified copy")),
      copy_seconds(registry.histogram("callstream_archive_copy_seconds",
                                      "One recording: download, upload and verification",
                                      core::latency_buckets())),
      in_flight(registry.gauge("callstream_archive_in_flight", "Recordings being copied now")) {}

}  // namespace callstream::projector
