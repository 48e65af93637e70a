#include "ingress_config.hpp"

#include <algorithm>
#include <thread>

#include "callstream/core/log.hpp"
#include "callstream/twilio/phone_number.hpp"

namespace callstream::ingress {
namespace {

// Every variable, in the order --help lists them: a table, one entry per variable. Long on
// purpose: it is data, and one table is what docs/configuration.md and --help are checked against.
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
      {"KAFKA_PROPERTIES", "",
       "librdkafka properties for every Kafka client, comma-separated key=value: what connecting "
       "takes (security.protocol=SASL_SSL,sasl.mechanisms=PLAIN,sasl.username=..,"
       "sasl.password=..)"},
      {"KAFKA_PRODUCER_PROPERTIES", "",
       "librdkafka properties for the producer only, after KAFKA_PROPERTIES (e.g. "
       "compression.type=zstd)"},
      {"KAFKA_DELIVERY_TIMEOUT_MS", "5000",
       "longest wait for Kafka to persist a status callback before answering 503 (keep well under "
       "Twilio's 15 s)"},
      {"KAFKA_CALL_CONTROL_RETRY_MS", "120000",
       "how long the event of an already answered call-control request (/voice, /assignment...) "
       "is retried while Kafka cannot take it"},
      {"KAFKA_LINGER_MS", "0.5",
       "how long a message may wait to share a batch, in milliseconds with up to three decimals "
       "(latency vs throughput)"},
      {"HTTP_ADDRESS", "0.0.0.0", "address to listen on"},
      {"HTTP_PORT", "8080", "port to listen on (0 = any free port)"},
      {"HTTP_THREADS", "0", "server threads (0 = one per core)"},
      {"HTTP_BODY_LIMIT_BYTES", "65536", "larger request bodies get 413"},
      {"HTTP_HEADER_TIMEOUT_MS", "15000",
       "a request's headers must arrive within this (also the keep-alive idle limit)"},
      {"HTTP_BODY_TIMEOUT_MS", "15000", "a request's body must arrive within this"},
      {"HTTP_MAX_CONNECTIONS", "4096",
       "open connections at which idle ones (and those still sending a request) are closed, "
       "oldest first, to make room; past it by a 64th, new connections are closed at once"},
      {"HTTP_MAX_CONNECTIONS_PER_ADDRESS", "1024",
       "open connections one client address may hold (0 = no cap; behind a proxy that connects "
       "from few addresses, raise it or set 0)"},
      {"METRICS_ADDRESS", "0.0.0.0",
       "address of /metrics, /healthz and /readyz for the platform (not on the public port)"},
      {"METRICS_PORT", "9464", "port of /metrics, /healthz and /readyz (0 = any free port)"},
      {"DRAIN_TIMEOUT_MS", "20000", "on SIGTERM, how long in-flight requests get to finish"},
      {"LOG_LEVEL", "info", "debug, info, warn or error"},
      {"OPERATOR_API_KEYS", "",
       "comma-separated API keys of /make_call, /token, /optouts and /worker_activity "
       "(Authorization: Bearer "
       "<key>); unset: that API answers 404",
       false, true},
      {"TWILIO_PHONE_NUMBER", "", "default caller id of outbound calls (E.164)"},
      {"TWILIO_PHONE_NUMBER_FL", "", "caller id for calls to Florida area codes"},
      {"TWILIO_PHONE_NUMBER_TX", "", "caller id for calls to Texas area codes"},
      {"CALLER_ID_POOLS", "",
       "local-presence pools, KEY=NUMBER,NUMBER;... with KEY an area code (305) or a state or "
       "province (FL, US-FL, ON): e.g. 305=+13055550100;FL=+14075550100,+18135550100"},
      {"TWILIO_API_BASE_URL", "https://api.twilio.com", "Twilio's REST API (a fake one in tests)"},
      {"TWILIO_API_TIMEOUT_MS", "10000", "deadline of one request to Twilio's REST API"},
      {"TWILIO_API_MAX_ATTEMPTS", "4", "tries of one REST request (429 and 5xx are retried)"},
      {"TWILIO_API_KEY_SID", "", "API key SID (SK...) that signs softphone access tokens (/token)"},
      {"TWILIO_API_KEY_SECRET", "", "that API key's secret", false, true},
      {"TWIML_APP_SID", "", "TwiML App (AP...) of the softphone's outgoing calls"},
      {"ACCESS_TOKEN_TTL_SECONDS", "3600", "lifetime of a /token access token (at most 86400)"},
      {"TASKROUTER_WORKSPACE_SID", "",
       "TaskRouter workspace (WS...) whose workers /activities and /worker_activity serve; unset: "
       "those routes answer 404"},
      {"TWILIO_TASKROUTER_BASE_URL", "https://taskrouter.twilio.com",
       "TaskRouter's REST API (a fake one in tests)"},
      {"REJECT_OPTED_OUT_CALLERS", "false",
       "inbound calls from numbers on the opt-out list get <Reject>"},
      {"OPTOUTS_LOAD_TIMEOUT_MS", "30000",
       "at start, how long reading the opt-out topic may take before the ingress gives up"},
  };
}

}  // namespace

namespace {

// A SID setting: empty, or 34 characters starting with `prefix`.
void check_sid(core::Env& env, const char* name, const std::string& sid, const char* prefix) {
  if (!sid.empty() && (sid.size() != 34 || sid.rfind(prefix, 0) != 0))
    env.fail(name, std::string("must be 34 characters starting with ") + prefix);
}

// An E.164 setting; the value normalized, or empty.
std::string phone_number(core::Env& env, const char* name) {
  std::string text = env.str(name);
  if (text.empty()) return {};
  auto n = twilio::normalize_e164(text);
  if (!n) env.fail(name, n.error().message);
  return n.value_or("");
}

// The webhooks: who signs them, where Twilio sends them, and what a call hears.
void read_webhooks(core::Env& env, IngressConfig& c) {
  c.account_sid = env.str("TWILIO_ACCOUNT_SID");
  check_sid(env, "TWILIO_ACCOUNT_SID", c.account_sid, "AC");
  c.auth_token = env.str("TWILIO_AUTH_TOKEN");
  c.auth_token_secondary = env.str("TWILIO_AUTH_TOKEN_SECONDARY");
  c.base_url = env.str("BASE_URL");
  while (!c.base_url.empty() && c.base_url.back() == '/') c.base_url.pop_back();
  if (!c.base_url.empty() && c.base_url.rfind("http://", 0) != 0 &&
      c.base_url.rfind("https://", 0) != 0)
    env.fail("BASE_URL", "must start with http:// or https://");
  c.event_streams_user = env.str("EVENT_STREAMS_USER");
  c.event_streams_password = env.str("EVENT_STREAMS_PASSWORD");
  if (!c.event_streams_user.empty() && c.event_streams_password.size() < 12)
    env.fail("EVENT_STREAMS_PASSWORD",
             "must be at least 12 characters when EVENT_STREAMS_USER is set");
  c.call_flow_file = env.str("CALL_FLOW_FILE");
  if (!c.call_flow_file.empty()) {
    if (auto flow = load_call_flow(c.call_flow_file))
      c.call_flow = std::move(*flow);
    else
      env.fail("CALL_FLOW_FILE", flow.error());
  }
  c.reject_opted_out_callers = env.boolean("REJECT_OPTED_OUT_CALLERS");
}

void read_kafka(core::Env& env, IngressConfig& c) {
  c.kafka_brokers = env.str("KAFKA_BROKERS");
  c.topic_prefix = env.str("KAFKA_TOPIC_PREFIX");
  c.kafka_properties = env.properties("KAFKA_PROPERTIES", kafka::reserved_properties());
  c.producer_properties = env.properties("KAFKA_PRODUCER_PROPERTIES", kafka::reserved_properties());
  c.delivery_timeout = env.millis("KAFKA_DELIVERY_TIMEOUT_MS", 100, 14000);
  c.linger = env.fractional_millis("KAFKA_LINGER_MS", 0, 1000);
  c.call_control_retry = env.millis("KAFKA_CALL_CONTROL_RETRY_MS", 0, 3600000);
  c.optouts_load_timeout = env.millis("OPTOUTS_LOAD_TIMEOUT_MS", 1000, 600000);
}

void read_http(core::Env& env, IngressConfig& c) {
  c.http.address = env.str("HTTP_ADDRESS");
  c.http.port = static_cast<uint16_t>(env.integer("HTTP_PORT", 0, 65535));
  int threads = static_cast<int>(env.integer("HTTP_THREADS", 0, 256));
  c.http.threads = threads > 0 ? threads : std::max(1u, std::thread::hardware_concurrency());
  c.http.body_limit = static_cast<size_t>(env.integer("HTTP_BODY_LIMIT_BYTES", 1024, 16 << 20));
  c.http.header_timeout = env.millis("HTTP_HEADER_TIMEOUT_MS", 100, 600000);
  c.http.body_timeout = env.millis("HTTP_BODY_TIMEOUT_MS", 100, 600000);
  c.http.max_connections = static_cast<size_t>(env.integer("HTTP_MAX_CONNECTIONS", 1, 1000000));
  c.http.max_connections_per_address =
      static_cast<size_t>(env.integer("HTTP_MAX_CONNECTIONS_PER_ADDRESS", 0, 1000000));
  c.metrics_address = env.str("METRICS_ADDRESS");
  c.metrics_port = static_cast<uint16_t>(env.integer("METRICS_PORT", 0, 65535));
  if (c.metrics_port != 0 && c.metrics_port == c.http.port)
    env.fail("METRICS_PORT", "must differ from HTTP_PORT: metrics are not for the public port");
  c.http.drain_timeout = env.millis("DRAIN_TIMEOUT_MS", 0, 600000);
  c.http.server_name = "callstream-ingress";
  c.log_level = env.log_level("LOG_LEVEL");
}

// The operator API: its keys, the caller ids of outbound calls, Twilio's REST API and tokens.
void read_operator_api(core::Env& env, IngressConfig& c) {
  c.operator_api_keys = env.list("OPERATOR_API_KEYS");
  for (const auto& key : c.operator_api_keys)
    if (key.size() < 16) env.fail("OPERATOR_API_KEYS", "each key must be at least 16 characters");
  c.caller_ids.default_number = phone_number(env, "TWILIO_PHONE_NUMBER");
  // The variables of the system callstream replaces keep working: state pools of one number.
  if (auto fl = phone_number(env, "TWILIO_PHONE_NUMBER_FL"); !fl.empty())
    c.caller_ids.pools["US-FL"].push_back(fl);
  if (auto tx = phone_number(env, "TWILIO_PHONE_NUMBER_TX"); !tx.empty())
    c.caller_ids.pools["US-TX"].push_back(tx);
  if (auto pools = parse_caller_id_pools(env.str("CALLER_ID_POOLS"), c.caller_ids); !pools)
    env.fail("CALLER_ID_POOLS", pools.error());
  if (!c.operator_api_keys.empty() && c.caller_ids.default_number.empty())
    env.fail("TWILIO_PHONE_NUMBER", "required with OPERATOR_API_KEYS (the default caller id)");
  c.twilio_api_base_url = env.str("TWILIO_API_BASE_URL");
  c.twilio_api_timeout = env.millis("TWILIO_API_TIMEOUT_MS", 500, 60000);
  c.twilio_api_max_attempts = static_cast<int>(env.integer("TWILIO_API_MAX_ATTEMPTS", 1, 10));
  c.api_key_sid = env.str("TWILIO_API_KEY_SID");
  c.api_key_secret = env.str("TWILIO_API_KEY_SECRET");
  check_sid(env, "TWILIO_API_KEY_SID", c.api_key_sid, "SK");
  if (!c.api_key_sid.empty() && c.api_key_secret.empty())
    env.fail("TWILIO_API_KEY_SECRET", "required with TWILIO_API_KEY_SID");
  c.twiml_app_sid = env.str("TWIML_APP_SID");
  check_sid(env, "TWIML_APP_SID", c.twiml_app_sid, "AP");
  c.token_ttl = std::chrono::seconds(env.integer("ACCESS_TOKEN_TTL_SECONDS", 60, 86400));
  c.workspace_sid = env.str("TASKROUTER_WORKSPACE_SID");
  check_sid(env, "TASKROUTER_WORKSPACE_SID", c.workspace_sid, "WS");
  c.taskrouter_base_url = env.str("TWILIO_TASKROUTER_BASE_URL");
}

}  // namespace

IngressConfig IngressConfig::from_env(core::Env::Lookup lookup) {
  core::Env env(variables(), std::move(lookup));
  IngressConfig c;
  read_webhooks(env, c);
  read_kafka(env, c);
  read_http(env, c);
  read_operator_api(env, c);
  env.finish();
  return c;
}

std::string IngressConfig::help() {
  return core::Env(variables())
      .help("callstream-ingress [--help]",
            "Validates Twilio webhooks, answers them, and publishes them to Kafka as CloudEvents.");
}

}  // namespace callstream::ingress
