#pragma once
#include <chrono>
#include <map>
#include <string>

#include "alert_rules.hpp"
#include "archive/archive_settings.hpp"
#include "callstream/core/env.hpp"
#include "console/console_settings.hpp"

namespace callstream::projector {

struct ProjectorConfig {
  std::string database_url;
  std::string kafka_brokers;
  std::string topic_prefix;
  std::string group_id = "callstream-projector";
  std::map<std::string, std::string> kafka_properties;     // KAFKA_PROPERTIES: every client
  std::map<std::string, std::string> consumer_properties;  // KAFKA_CONSUMER_PROPERTIES
  std::map<std::string, std::string> producer_properties;  // KAFKA_PRODUCER_PROPERTIES
  size_t batch_max = 5000;
  std::chrono::milliseconds poll_timeout{100};
  std::chrono::milliseconds batch_linger{0};  // PROJECTOR_BATCH_LINGER_MS
  int statement_timeout_ms = 30000;
  int pg_connections = 2;  // PROJECTOR_PG_CONNECTIONS: partitions applied concurrently
  std::string http_address = "0.0.0.0";
  uint16_t http_port = 9091;
  std::string metrics_address = "0.0.0.0";          // METRICS_ADDRESS: /metrics, /healthz, /readyz
  uint16_t metrics_port = 9465;                     // METRICS_PORT
  std::chrono::milliseconds session_timeout{6000};  // KAFKA_SESSION_TIMEOUT_MS
  std::string group_instance_id;                    // KAFKA_GROUP_INSTANCE_ID: static membership
  std::string time_zone = "UTC";   // CALL_CENTER_TIME_ZONE, for the analytics views
  int service_level_seconds = 60;  // SERVICE_LEVEL_SECONDS
  core::log::Level log_level = core::log::Level::info;
  AlertsConfig alerts;
  console::ConsoleSettings console;
  archive::ArchiveSettings archive;
  std::string backup_prefix;  // BACKUP_S3_PREFIX: backup-upload's keys start with it
  // `rebuild`: the read models are built in this schema (found first on the search path), dead
  // letters are recorded but not published again, and no alert is written.
  std::string schema;  // ALERT_RULES_FILE, SLACK_WEBHOOK_URL, WHATSAPP_*: none = no alerts

  // `command` is what the binary was asked to do: "migrate" needs no Kafka.
  static ProjectorConfig from_env(const std::string& command, core::Env::Lookup lookup = nullptr);
  static std::string help();
};

}  // namespace callstream::projector
