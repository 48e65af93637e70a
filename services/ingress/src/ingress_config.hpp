#pragma once
#include <chrono>
#include <string>

#include "call_flow_config.hpp"
#include "caller_id.hpp"
#include "callstream/core/env.hpp"
#include "callstream/http/server.hpp"
#include "callstream/kafka/settings.hpp"

namespace callstream::ingress {

struct IngressConfig {
  std::string account_sid;             // TWILIO_ACCOUNT_SID: webhooks of other accounts are refused
  std::string auth_token;              // TWILIO_AUTH_TOKEN
  std::string auth_token_secondary;    // TWILIO_AUTH_TOKEN_SECONDARY (rotation)
  std::string base_url;                // BASE_URL, no trailing slash
  std::string event_streams_user;      // EVENT_STREAMS_USER: enables /events/twilio
  std::string event_streams_password;  // EVENT_STREAMS_PASSWORD
  std::string kafka_brokers;
  std::string topic_prefix;
  std::string metrics_address = "0.0.0.0";  // METRICS_ADDRESS: /metrics, /healthz, /readyz
  uint16_t metrics_port = 9464;             // METRICS_PORT
  kafka::Properties kafka_properties;       // KAFKA_PROPERTIES: every client (security)
  kafka::Properties producer_properties;    // KAFKA_PRODUCER_PROPERTIES
  std::chrono::milliseconds delivery_timeout{5000};
  std::chrono::microseconds linger{500};
  std::chrono::milliseconds call_control_retry{120000};
  std::string call_flow_file;  // CALL_FLOW_FILE; empty = every call goes to voicemail
  CallFlowConfig call_flow;
  http::ServerSettings http;

  // Call control (operator API, outbound calls, opt-outs, softphone tokens).
  std::vector<std::string> operator_api_keys;  // OPERATOR_API_KEYS
  CallerIdConfig caller_ids;                   // TWILIO_PHONE_NUMBER[_FL|_TX], CALLER_ID_POOLS
  std::string twilio_api_base_url = "https://api.twilio.com";
  std::chrono::milliseconds twilio_api_timeout{10000};
  int twilio_api_max_attempts = 4;
  std::string api_key_sid;     // TWILIO_API_KEY_SID (SK...): signs access tokens
  std::string api_key_secret;  // TWILIO_API_KEY_SECRET
  std::string twiml_app_sid;   // TWIML_APP_SID (AP...): the softphone's outgoing calls
  std::chrono::seconds token_ttl{3600};
  std::string workspace_sid;  // TASKROUTER_WORKSPACE_SID (WS...): the workers /worker_activity sets
  std::string taskrouter_base_url = "https://taskrouter.twilio.com";
  bool reject_opted_out_callers = false;
  std::chrono::milliseconds optouts_load_timeout{30000};
  core::log::Level log_level = core::log::Level::info;

  // Reads and validates every variable; throws core::ConfigError listing each problem.
  static IngressConfig from_env(core::Env::Lookup lookup = nullptr);
  static std::string help();
};

}  // namespace callstream::ingress
