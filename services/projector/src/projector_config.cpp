#include "projector_config.hpp"

#include "callstream/core/time_zone.hpp"

#include "callstream/core/log.hpp"

namespace callstream::projector {
namespace {

std::vector<core::EnvVar> variables() {
  return {
      {"DATABASE_URL", "",
       "PostgreSQL connection string (postgresql://user:pass@host/db or key=value form)", true,
       true},
      {"KAFKA_BROKERS", "", "bootstrap servers, e.g. kafka-1:9092,kafka-2:9092 (required by run)"},
      {"KAFKA_TOPIC_PREFIX", "", "prepended to every topic name (must match the ingress)"},
      {"KAFKA_GROUP_ID", "callstream-projector",
       "consumer group; instances sharing it split the partitions"},
      {"KAFKA_CONSUMER_PROPERTIES", "",
       "extra librdkafka consumer properties, comma-separated key=value (e.g. "
       "session.timeout.ms=10000)"},
      {"PROJECTOR_BATCH_MAX", "5000", "most events applied in one PostgreSQL transaction"},
      {"PROJECTOR_POLL_TIMEOUT_MS", "100", "longest wait for the first event of a batch"},
      {"PG_STATEMENT_TIMEOUT_MS", "30000", "deadline of every statement, COMMIT included"},
      {"PROJECTOR_PG_CONNECTIONS", "2",
       "PostgreSQL connections applying partition batches concurrently"},
      {"HTTP_ADDRESS", "0.0.0.0", "address of /healthz, /readyz and /metrics"},
      {"HTTP_PORT", "9091", "port of /healthz, /readyz and /metrics (0 = any free port)"},
      {"CALL_CENTER_TIME_ZONE", "UTC",
       "IANA time zone of the call center: the days and hours of the analytics views"},
      {"SERVICE_LEVEL_SECONDS", "60",
       "service level threshold: calls answered within it count as answered in time"},
      {"LOG_LEVEL", "info", "debug, info, warn or error"},
  };
}

}  // namespace

ProjectorConfig ProjectorConfig::from_env(const std::string& command, core::Env::Lookup lookup) {
  core::Env env(variables(), std::move(lookup));
  ProjectorConfig c;
  c.database_url = env.str("DATABASE_URL");
  c.kafka_brokers = env.str("KAFKA_BROKERS");
  if (c.kafka_brokers.empty() && command == "run") env.fail("KAFKA_BROKERS", "is required");
  c.topic_prefix = env.str("KAFKA_TOPIC_PREFIX");
  c.group_id = env.str("KAFKA_GROUP_ID");
  std::string props = env.str("KAFKA_CONSUMER_PROPERTIES");
  for (size_t start = 0; start < props.size();) {
    size_t end = props.find(',', start);
    std::string item =
        props.substr(start, end == std::string::npos ? std::string::npos : end - start);
    size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0)
      env.fail("KAFKA_CONSUMER_PROPERTIES", "items must be key=value, got '" + item + "'");
    else
      c.consumer_properties[item.substr(0, eq)] = item.substr(eq + 1);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  c.batch_max = static_cast<size_t>(env.integer("PROJECTOR_BATCH_MAX", 1, 100000));
  c.poll_timeout = env.millis("PROJECTOR_POLL_TIMEOUT_MS", 1, 10000);
  c.statement_timeout_ms = static_cast<int>(env.integer("PG_STATEMENT_TIMEOUT_MS", 100, 3600000));
  c.pg_connections = static_cast<int>(env.integer("PROJECTOR_PG_CONNECTIONS", 1, 64));
  c.http_address = env.str("HTTP_ADDRESS");
  c.http_port = static_cast<uint16_t>(env.integer("HTTP_PORT", 0, 65535));
  c.time_zone = env.str("CALL_CENTER_TIME_ZONE");
  std::string tz_error;
  if (!core::TimeZone::locate(c.time_zone, &tz_error)) env.fail("CALL_CENTER_TIME_ZONE", tz_error);
  c.service_level_seconds = static_cast<int>(env.integer("SERVICE_LEVEL_SECONDS", 1, 86400));
  c.log_level = env.log_level("LOG_LEVEL");
  env.finish();
  return c;
}

std::string ProjectorConfig::help() {
  return core::Env(variables())
      .help(
          "callstream-projector [run | migrate | dlq [list | discard ID | redrive [KEY]] | --help]",
          "Consumes callstream's topics into PostgreSQL read models, exactly once.\n"
          "  run            (default) migrate, then project until SIGTERM\n"
          "  migrate        apply pending schema migrations and exit\n"
          "  dlq list       open dead letters, oldest first (exit 1 when there are any)\n"
          "  dlq discard ID drop one dead letter (e.g. an event that can never apply)\n"
          "  dlq redrive [KEY]  apply the parked events of every key (or KEY), in order");
}

}  // namespace callstream::projector
