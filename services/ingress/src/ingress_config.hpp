#pragma once
#include <chrono>
#include <string>

#include "call_flow_config.hpp"
#include "callstream/core/env.hpp"
#include "callstream/http/server.hpp"

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
  std::chrono::milliseconds delivery_timeout{5000};
  std::chrono::milliseconds linger{1};
  std::chrono::milliseconds call_control_retry{120000};
  std::string call_flow_file;  // CALL_FLOW_FILE; empty = every call goes to voicemail
  CallFlowConfig call_flow;
  http::ServerSettings http;
  core::log::Level log_level = core::log::Level::info;

  // Reads and validates every variable; throws core::ConfigError listing each problem.
  static IngressConfig from_env(core::Env::Lookup lookup = nullptr);
  static std::string help();
};

}  // namespace callstream::ingress
