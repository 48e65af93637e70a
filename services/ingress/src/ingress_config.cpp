#include "ingress_config.hpp"

#include <algorithm>
#include <thread>

#include "callstream/core/log.hpp"

namespace callstream::ingress {
namespace {

std::vector<core::EnvVar> variables() {
  return {
      {"TWILIO_ACCOUNT_SID", "",
       "Account SID (AC...); webhooks naming another account are refused with 403", true},
      {"TWILIO_AUTH_TOKEN", "", "primary auth token: the key of X-Twilio-Signature", true, true},
      {"TWILIO_AUTH_TOKEN_SECONDARY", "", "secondary auth token, also accepted during a rotation",
       false, true},
      {"BASE_URL", "",
       "public URL Twilio calls, e.g. https://calls.example.com (signatures are checked against "
       "it)",
       true},
      {"KAFKA_BROKERS", "", "bootstrap servers, e.g. kafka-1:9092,kafka-2:9092", true},
      {"EVENT_STREAMS_USER", "",
       "HTTP Basic user of the Event Streams sink /events/twilio (unset: no sink)"},
      {"EVENT_STREAMS_PASSWORD", "", "HTTP Basic password of the Event Streams sink", false, true},
      {"CALL_FLOW_FILE", "",
       "JSON file of the call flow answered on /voice (queue, dial chain, business hours, "
       "voicemail...); unset: every call goes to voicemail"},
      {"KAFKA_TOPIC_PREFIX", "", "prepended to every topic name (e.g. staging.)"},
      {"KAFKA_DELIVERY_TIMEOUT_MS", "5000",
       "longest wait for Kafka to persist a status callback before answering 503 (keep well under "
       "Twilio's 15 s)"},
      {"KAFKA_CALL_CONTROL_RETRY_MS", "120000",
       "how long the event of an already answered call-control request (/voice, /assignment...) "
       "is retried while Kafka cannot take it"},
      {"KAFKA_LINGER_MS", "1",
       "how long a message may wait to share a batch (latency vs throughput)"},
      {"HTTP_ADDRESS", "0.0.0.0", "address to listen on"},
      {"HTTP_PORT", "8080", "port to listen on (0 = any free port)"},
      {"HTTP_THREADS", "0", "server threads (0 = one per core)"},
      {"HTTP_BODY_LIMIT_BYTES", "65536", "larger request bodies get 413"},
      {"HTTP_HEADER_TIMEOUT_MS", "15000",
       "a request's headers must arrive within this (also the keep-alive idle limit)"},
      {"HTTP_BODY_TIMEOUT_MS", "15000", "a request's body must arrive within this"},
      {"HTTP_MAX_CONNECTIONS", "4096", "connections past this are closed at once"},
      {"DRAIN_TIMEOUT_MS", "20000", "on SIGTERM, how long in-flight requests get to finish"},
      {"LOG_LEVEL", "info", "debug, info, warn or error"},
  };
}

}  // namespace

IngressConfig IngressConfig::from_env(core::Env::Lookup lookup) {
  core::Env env(variables(), std::move(lookup));
  IngressConfig c;
  c.account_sid = env.str("TWILIO_ACCOUNT_SID");
  if (!c.account_sid.empty() && (c.account_sid.size() != 34 || c.account_sid.rfind("AC", 0) != 0))
    env.fail("TWILIO_ACCOUNT_SID", "must be 34 characters starting with AC");
  c.auth_token = env.str("TWILIO_AUTH_TOKEN");
  c.auth_token_secondary = env.str("TWILIO_AUTH_TOKEN_SECONDARY");
  c.base_url = env.str("BASE_URL");
  while (!c.base_url.empty() && c.base_url.back() == '/') c.base_url.pop_back();
  if (!c.base_url.empty() && c.base_url.rfind("http://", 0) != 0 &&
      c.base_url.rfind("https://", 0) != 0)
    env.fail("BASE_URL", "must start with http:// or https://");
  c.kafka_brokers = env.str("KAFKA_BROKERS");
  c.event_streams_user = env.str("EVENT_STREAMS_USER");
  c.event_streams_password = env.str("EVENT_STREAMS_PASSWORD");
  if (!c.event_streams_user.empty() && c.event_streams_password.size() < 12)
    env.fail("EVENT_STREAMS_PASSWORD",
             "must be at least 12 characters when EVENT_STREAMS_USER is set");
  c.call_flow_file = env.str("CALL_FLOW_FILE");
  if (!c.call_flow_file.empty()) {
    try {
      c.call_flow = load_call_flow(c.call_flow_file);
    } catch (const core::ConfigError& e) {
      // One problem per line, each already naming its place in the file.
      std::string_view all = e.what();
      constexpr std::string_view kPrefix = "CALL_FLOW_FILE: ";
      while (!all.empty()) {
        std::string_view line = all.substr(0, all.find('\n'));
        all.remove_prefix(std::min(all.size(), line.size() + 1));
        if (line.substr(0, kPrefix.size()) == kPrefix) line.remove_prefix(kPrefix.size());
        env.fail("CALL_FLOW_FILE", std::string(line));
      }
    }
  }
  c.topic_prefix = env.str("KAFKA_TOPIC_PREFIX");
  c.delivery_timeout = env.millis("KAFKA_DELIVERY_TIMEOUT_MS", 100, 14000);
  c.linger = env.millis("KAFKA_LINGER_MS", 0, 1000);
  c.call_control_retry = env.millis("KAFKA_CALL_CONTROL_RETRY_MS", 0, 3600000);
  c.http.address = env.str("HTTP_ADDRESS");
  c.http.port = static_cast<uint16_t>(env.integer("HTTP_PORT", 0, 65535));
  int threads = static_cast<int>(env.integer("HTTP_THREADS", 0, 256));
  c.http.threads = threads > 0 ? threads : std::max(1u, std::thread::hardware_concurrency());
  c.http.body_limit = static_cast<size_t>(env.integer("HTTP_BODY_LIMIT_BYTES", 1024, 16 << 20));
  c.http.header_timeout = env.millis("HTTP_HEADER_TIMEOUT_MS", 100, 600000);
  c.http.body_timeout = env.millis("HTTP_BODY_TIMEOUT_MS", 100, 600000);
  c.http.max_connections = static_cast<size_t>(env.integer("HTTP_MAX_CONNECTIONS", 1, 1000000));
  c.http.drain_timeout = env.millis("DRAIN_TIMEOUT_MS", 0, 600000);
  c.http.server_name = "callstream-ingress";
  c.log_level = env.log_level("LOG_LEVEL");
  env.finish();
  return c;
}

std::string IngressConfig::help() {
  return core::Env(variables())
      .help("callstream-ingress [--help]",
            "Validates Twilio webhooks, answers them, and publishes them to Kafka as CloudEvents.");
}

}  // namespace callstream::ingress
