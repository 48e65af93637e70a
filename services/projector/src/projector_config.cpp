#include "projector_config.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "callstream/core/time_zone.hpp"

#include "callstream/core/log.hpp"
#include "callstream/kafka/settings.hpp"

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
      {"KAFKA_PROPERTIES", "",
       "librdkafka properties for every Kafka client, comma-separated key=value: what connecting "
       "takes (security.protocol=SASL_SSL,sasl.mechanisms=PLAIN,sasl.username=..,"
       "sasl.password=..)"},
      {"KAFKA_CONSUMER_PROPERTIES", "",
       "extra librdkafka consumer properties, comma-separated key=value (e.g. "
       "session.timeout.ms=10000)"},
      {"KAFKA_PRODUCER_PROPERTIES", "",
       "librdkafka properties for the dead-letter producer, after KAFKA_PROPERTIES"},
      {"PROJECTOR_BATCH_MAX", "5000", "most events applied in one PostgreSQL transaction"},
      {"PROJECTOR_POLL_TIMEOUT_MS", "100", "longest wait for the first event of a batch"},
      {"PROJECTOR_BATCH_LINGER_MS", "0",
       "after the first event of a batch, how long to keep collecting more (fewer, larger batches "
       "for that much latency)"},
      {"PG_STATEMENT_TIMEOUT_MS", "30000", "deadline of every statement, COMMIT included"},
      {"PROJECTOR_PG_CONNECTIONS", "2",
       "PostgreSQL connections applying partition batches concurrently"},
      {"HTTP_ADDRESS", "0.0.0.0", "address of the console, /healthz and /readyz"},
      {"HTTP_PORT", "9091", "port of the console, /healthz and /readyz (0 = any free port)"},
      {"METRICS_ADDRESS", "0.0.0.0",
       "address of /metrics, /healthz and /readyz for the platform (not on the console's port)"},
      {"METRICS_PORT", "9465", "port of /metrics, /healthz and /readyz (0 = any free port)"},
      {"KAFKA_SESSION_TIMEOUT_MS", "6000",
       "how long the group waits for a silent instance before its partitions move (the broker's "
       "group.min.session.timeout.ms is the floor, 6000 by default)"},
      {"KAFKA_GROUP_INSTANCE_ID", "",
       "static group membership: a stable id per instance (the pod name of a StatefulSet) lets a "
       "restarted instance take its partitions back without a rebalance"},
      {"CALL_CENTER_TIME_ZONE", "UTC",
       "IANA time zone of the call center: the days and hours of the analytics views"},
      {"SERVICE_LEVEL_SECONDS", "60",
       "service level threshold: calls answered within it count as answered in time"},
      {"LOG_LEVEL", "info", "debug, info, warn or error"},
      {"ALERT_RULES_FILE", "",
       "JSON file of the alert rules (docs/alerts.md); unset: every rule on every configured "
       "channel"},
      {"ALERT_LANGUAGE", "en", "language of the alerts: en or pt-BR (the rules file may say)"},
      {"SLACK_WEBHOOK_URL", "", "Slack incoming webhook of the alerts", false, true},
      {"WHATSAPP_FROM", "", "WhatsApp sender of the alerts, whatsapp:+14155238886"},
      {"WHATSAPP_TO", "", "WhatsApp recipients of the alerts, comma-separated whatsapp:+1..."},
      {"WHATSAPP_CONTENT_SID", "",
       "approved content template (HX...) with variables {{1}} title and {{2}} text, for "
       "recipients outside the 24-hour window; unset: plain Body"},
      {"TWILIO_ACCOUNT_SID", "", "account of the Messages API (WhatsApp alerts)"},
      {"TWILIO_AUTH_TOKEN", "", "its auth token", false, true},
      {"TWILIO_API_BASE_URL", "https://api.twilio.com", "Twilio's REST API (a fake in tests)"},
      {"ALERT_SETTLE_SECONDS", "20",
       "a missed-call alert waits this long for an answer reported late on another topic"},
      {"ALERT_MAX_AGE_SECONDS", "3600",
       "facts older than this alert nobody (replays, rebuilds, a long outage)"},
      {"ALERT_MAX_ATTEMPTS", "8", "delivery attempts of an alert before it is marked dead"},
      {"SLACK_MESSAGES_PER_SECOND", "1", "rate limit of the Slack channel"},
      {"WHATSAPP_MESSAGES_PER_SECOND", "1", "rate limit of each WhatsApp recipient"},
      {"BASE_URL", "", "the console's public URL; https makes its session cookie Secure"},
      {"CONSOLE_DIR", "",
       "the console's built web app; unset: the one built with this binary (docs/console.md)"},
      {"CONSOLE_SESSION_IDLE_MINUTES", "480", "a console session unused this long ends"},
      {"CONSOLE_SESSION_MAX_HOURS", "12", "a console session ends this long after sign-in"},
      {"CONSOLE_TRUST_FORWARDED_FOR", "false",
       "behind a proxy that sets X-Forwarded-For: sign-in limits count its last address"},
      {"CONSOLE_WORKERS", "4",
       "console API requests served at once (each a PostgreSQL connection)"},
      {"CONSOLE_INGRESS_URL", "http://127.0.0.1:8080",
       "the ingress the console's commands go to (call back)"},
      {"CONSOLE_OPERATOR_KEY", "",
       "one of the ingress's OPERATOR_API_KEYS, for the console's commands; unset: read-only",
       false, true},
      {"ARCHIVE_S3_BUCKET", "", "bucket of the recording archive (docs/archive.md); unset: none"},
      {"ARCHIVE_S3_ENDPOINT", "",
       "S3 endpoint; unset: https://s3.REGION.amazonaws.com (any S3-compatible store by URL)"},
      {"ARCHIVE_S3_REGION", "us-east-1", "the bucket's region, as SigV4 signs it"},
      {"ARCHIVE_S3_ACCESS_KEY_ID", "", "access key of the archive's IAM user or role"},
      {"ARCHIVE_S3_SECRET_ACCESS_KEY", "", "its secret", false, true},
      {"ARCHIVE_S3_PATH_STYLE", "false",
       "true: endpoint/bucket/key (MinIO, most S3-compatible stores); false: bucket.endpoint/key"},
      {"ARCHIVE_PREFIX", "recordings", "first segment of every object key"},
      {"ARCHIVE_MULTIPART_THRESHOLD_MB", "64", "recordings above this go up in 16 MiB parts"},
      {"ARCHIVE_TMP_DIR", "/tmp", "where a recording is kept while it is copied"},
      {"ARCHIVE_CONCURRENCY", "8", "recordings copied at once"},
      {"ARCHIVE_ATTEMPTS", "5", "tries of a failing download or upload before a dead letter"},
      {"ARCHIVE_MEDIA_WAIT_SECONDS", "600",
       "how long Twilio's 404 (media not available yet) is retried before a dead letter"},
      {"ARCHIVE_DELETE_AT_TWILIO", "false",
       "delete Twilio's copy once the archived one is verified (HEAD: size and checksum)"},
      {"ARCHIVE_PLAYBACK_URL_SECONDS", "900", "lifetime of the console's presigned playback URLs"},
      {"BACKUP_S3_PREFIX", "backups/",
       "backup-upload: where in the archive's bucket the backups go (docs/operations.md)"},
  };
}

}  // namespace

namespace {

// Where the events come from, where the read models go, and how they are computed.
void read_projection(core::Env& env, const std::string& command, ProjectorConfig& c) {
  c.database_url = env.str("DATABASE_URL");
  c.kafka_brokers = env.str("KAFKA_BROKERS");
  if (c.kafka_brokers.empty() && (command == "run" || command == "rebuild" || command == "archive"))
    env.fail("KAFKA_BROKERS", "is required");
  c.topic_prefix = env.str("KAFKA_TOPIC_PREFIX");
  c.group_id = env.str("KAFKA_GROUP_ID");
  c.kafka_properties = env.properties("KAFKA_PROPERTIES", kafka::reserved_properties());
  c.consumer_properties = env.properties("KAFKA_CONSUMER_PROPERTIES", kafka::reserved_properties());
  c.producer_properties = env.properties("KAFKA_PRODUCER_PROPERTIES", kafka::reserved_properties());
  c.batch_max = static_cast<size_t>(env.integer("PROJECTOR_BATCH_MAX", 1, 100000));
  c.poll_timeout = env.millis("PROJECTOR_POLL_TIMEOUT_MS", 1, 10000);
  c.batch_linger = env.millis("PROJECTOR_BATCH_LINGER_MS", 0, 1000);
  c.statement_timeout_ms = static_cast<int>(env.integer("PG_STATEMENT_TIMEOUT_MS", 100, 3600000));
  c.pg_connections = static_cast<int>(env.integer("PROJECTOR_PG_CONNECTIONS", 1, 64));
  c.http_address = env.str("HTTP_ADDRESS");
  c.http_port = static_cast<uint16_t>(env.integer("HTTP_PORT", 0, 65535));
  c.metrics_address = env.str("METRICS_ADDRESS");
  c.metrics_port = static_cast<uint16_t>(env.integer("METRICS_PORT", 0, 65535));
  if (c.metrics_port != 0 && c.metrics_port == c.http_port)
    env.fail("METRICS_PORT", "must differ from HTTP_PORT: metrics are not for the console's port");
  c.session_timeout = env.millis("KAFKA_SESSION_TIMEOUT_MS", 1000, 3600000);
  c.group_instance_id = env.str("KAFKA_GROUP_INSTANCE_ID");
  c.time_zone = env.str("CALL_CENTER_TIME_ZONE");
  if (auto tz = core::TimeZone::locate(c.time_zone); !tz)
    env.fail("CALL_CENTER_TIME_ZONE", tz.error().message);
  c.service_level_seconds = static_cast<int>(env.integer("SERVICE_LEVEL_SECONDS", 1, 86400));
  c.log_level = env.log_level("LOG_LEVEL");
}

// The alert channels: Slack's webhook, WhatsApp's sender and recipients, Twilio's Messages API.
void read_alert_channels(core::Env& env, AlertsConfig& a) {
  a.language = env.str("ALERT_LANGUAGE");
  if (a.language != "en" && a.language != "pt-BR")
    env.fail("ALERT_LANGUAGE", "must be en or pt-BR");
  a.slack_webhook_url = env.str("SLACK_WEBHOOK_URL");
  if (!a.slack_webhook_url.empty() && a.slack_webhook_url.rfind("https://", 0) != 0 &&
      a.slack_webhook_url.rfind("http://", 0) != 0)
    env.fail("SLACK_WEBHOOK_URL", "must be an http(s) URL");
  a.whatsapp_from = env.str("WHATSAPP_FROM");
  a.whatsapp_to = env.list("WHATSAPP_TO");
  for (const auto& to : a.whatsapp_to)
    if (to.rfind("whatsapp:+", 0) != 0)
      env.fail("WHATSAPP_TO", "'" + to + "' is not whatsapp:+<E.164 number>");
  if (!a.whatsapp_from.empty() && a.whatsapp_from.rfind("whatsapp:+", 0) != 0)
    env.fail("WHATSAPP_FROM", "must be whatsapp:+<E.164 number>");
  a.whatsapp_content_sid = env.str("WHATSAPP_CONTENT_SID");
  a.twilio.account_sid = env.str("TWILIO_ACCOUNT_SID");
  a.twilio.username = a.twilio.account_sid;
  a.twilio.password = env.str("TWILIO_AUTH_TOKEN");
  a.twilio.base_url = env.str("TWILIO_API_BASE_URL");
  if (!a.whatsapp_to.empty() && (a.twilio.account_sid.empty() || a.twilio.password.empty()))
    env.fail("TWILIO_AUTH_TOKEN",
             "TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are needed for WhatsApp alerts");
}

// How alerts are held, retried and rate-limited.
void read_alert_policy(core::Env& env, AlertsConfig& a) {
  a.settle = std::chrono::seconds(env.integer("ALERT_SETTLE_SECONDS", 0, 3600));
  a.max_age = std::chrono::seconds(env.integer("ALERT_MAX_AGE_SECONDS", 60, 30 * 86400));
  a.max_attempts = static_cast<int>(env.integer("ALERT_MAX_ATTEMPTS", 1, 100));
  a.slack_per_second = static_cast<double>(env.integer("SLACK_MESSAGES_PER_SECOND", 1, 100));
  a.whatsapp_per_second = static_cast<double>(env.integer("WHATSAPP_MESSAGES_PER_SECOND", 1, 100));
}

// ALERT_RULES_FILE, read against the channels configured (so after read_alert_channels).
void read_alert_rules(core::Env& env, AlertsConfig& a) {
  std::string rules_file = env.str("ALERT_RULES_FILE");
  std::string rules_text;
  if (!rules_file.empty()) {
    std::ifstream in(rules_file, std::ios::binary);
    if (!in) {
      env.fail("ALERT_RULES_FILE", "cannot read " + rules_file);
    } else {
      std::ostringstream text;
      text << in.rdbuf();
      rules_text = text.str();
      if (rules_text.empty()) env.fail("ALERT_RULES_FILE", rules_file + " is empty");
    }
  }
  if (auto rules = parse_alert_rules(rules_text, a); !rules)
    env.fail("ALERT_RULES_FILE", rules.error());
}

// The console's web server: cookies, sessions, the ingress it forwards commands to, and the
// Twilio account its recordings come from (read_alert_channels reads the same variables).
void read_console(core::Env& env, const AlertsConfig& alerts, console::ConsoleSettings& c) {
  std::string base_url = env.str("BASE_URL");
  c.secure_cookies = base_url.starts_with("https://");
  c.static_dir = env.str("CONSOLE_DIR");
  c.sessions.idle = std::chrono::minutes(env.integer("CONSOLE_SESSION_IDLE_MINUTES", 1, 43200));
  c.sessions.absolute = std::chrono::hours(env.integer("CONSOLE_SESSION_MAX_HOURS", 1, 720));
  c.trust_forwarded_for = env.boolean("CONSOLE_TRUST_FORWARDED_FOR");
  c.workers = static_cast<int>(env.integer("CONSOLE_WORKERS", 1, 64));
  c.ingress_url = env.str("CONSOLE_INGRESS_URL");
  while (c.ingress_url.ends_with('/')) c.ingress_url.pop_back();
  if (!c.ingress_url.starts_with("http://") && !c.ingress_url.starts_with("https://"))
    env.fail("CONSOLE_INGRESS_URL", "must be an http(s) URL");
  c.operator_key = env.str("CONSOLE_OPERATOR_KEY");
  c.twilio_api_base = alerts.twilio.base_url;
  while (c.twilio_api_base.ends_with('/')) c.twilio_api_base.pop_back();
  c.account_sid = alerts.twilio.account_sid;
  c.auth_token = alerts.twilio.password;
}

// The recording archive: the bucket and its credentials, the retry policy, Twilio's account.
// `media`: the command copies recordings (it needs Twilio's account), not only files.
void read_archive(core::Env& env, const AlertsConfig& alerts, archive::ArchiveSettings& a,
                  bool media) {
  a.s3.bucket = env.str("ARCHIVE_S3_BUCKET");
  a.s3.region = env.str("ARCHIVE_S3_REGION");
  a.s3.endpoint = env.str("ARCHIVE_S3_ENDPOINT");
  if (a.s3.endpoint.empty()) a.s3.endpoint = "https://s3." + a.s3.region + ".amazonaws.com";
  while (a.s3.endpoint.ends_with('/')) a.s3.endpoint.pop_back();
  if (!a.s3.endpoint.starts_with("http://") && !a.s3.endpoint.starts_with("https://"))
    env.fail("ARCHIVE_S3_ENDPOINT", "must be an http(s) URL");
  a.s3.credentials.access_key_id = env.str("ARCHIVE_S3_ACCESS_KEY_ID");
  a.s3.credentials.secret_access_key = env.str("ARCHIVE_S3_SECRET_ACCESS_KEY");
  if (a.enabled() &&
      (a.s3.credentials.access_key_id.empty() || a.s3.credentials.secret_access_key.empty()))
    env.fail("ARCHIVE_S3_ACCESS_KEY_ID",
             "and ARCHIVE_S3_SECRET_ACCESS_KEY are required with a bucket");
  a.s3.path_style = env.boolean("ARCHIVE_S3_PATH_STYLE");
  a.s3.multipart_threshold = env.integer("ARCHIVE_MULTIPART_THRESHOLD_MB", 5, 5000) << 20;
  a.prefix = env.str("ARCHIVE_PREFIX");
  a.tmp_dir = env.str("ARCHIVE_TMP_DIR");
  a.concurrency = static_cast<int>(env.integer("ARCHIVE_CONCURRENCY", 1, 64));
  a.attempts = static_cast<int>(env.integer("ARCHIVE_ATTEMPTS", 1, 100));
  a.media_wait = std::chrono::seconds(env.integer("ARCHIVE_MEDIA_WAIT_SECONDS", 0, 7 * 86400));
  a.delete_at_twilio = env.boolean("ARCHIVE_DELETE_AT_TWILIO");
  a.playback_expiry = std::chrono::seconds(env.integer("ARCHIVE_PLAYBACK_URL_SECONDS", 60, 604800));
  a.twilio = alerts.twilio;
  a.twilio.timeout = std::chrono::seconds(300);  // one download, whole: hours of audio
  a.twilio.max_attempts = 1;                     // the archiver retries by its own policy
  if (media && a.enabled() && (a.twilio.account_sid.empty() || a.twilio.password.empty()))
    env.fail("ARCHIVE_S3_BUCKET",
             "needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (the media's account)");
}

}  // namespace

ProjectorConfig ProjectorConfig::from_env(const std::string& command, core::Env::Lookup lookup) {
  core::Env env(variables(), std::move(lookup));
  ProjectorConfig c;
  read_projection(env, command, c);
  read_alert_channels(env, c.alerts);
  read_alert_policy(env, c.alerts);
  read_alert_rules(env, c.alerts);
  read_console(env, c.alerts, c.console);
  read_archive(env, c.alerts, c.archive, command != "backup-upload");
  c.backup_prefix = env.str("BACKUP_S3_PREFIX");
  if ((command == "archive" || command == "backup-upload") && !c.archive.enabled())
    env.fail("ARCHIVE_S3_BUCKET", "is required by " + command);
  env.finish();
  return c;
}

std::string ProjectorConfig::help() {
  return core::Env(variables())
      .help(
          "callstream-projector [run | serve | archive | migrate | rebuild | dlq [list | discard "
          "ID | "
          "redrive [KEY]] | users [add | passwd | disable | list] | backup-upload FILE | --help]",
          "Consumes callstream's topics into PostgreSQL read models, exactly once.\n"
          "  run            (default) migrate, then project and serve the console until SIGTERM\n"
          "  serve          serve the console only (no consuming): reads scale apart\n"
          "  archive        copy completed recordings to S3 only (its own consumer group)\n"
          "  migrate        apply pending schema migrations and exit\n"
          "  rebuild        replay every topic into a shadow schema, then swap it in (the\n"
          "                 analytics views keep answering; run it beside the running projector)\n"
          "  dlq list       open dead letters, oldest first (exit 1 when there are any)\n"
          "  dlq discard ID drop one dead letter (e.g. an event that can never apply)\n"
          "  dlq redrive [KEY]  apply the parked events of every key (or KEY), in order\n"
          "  users add NAME --role supervisor|agent [--display-name TEXT]\n"
          "  users passwd NAME | users disable NAME | users list   the console's accounts\n"
          "  backup-upload FILE  copy a backup (scripts/backup) to the archive's bucket, verified");
}

}  // namespace callstream::projector
