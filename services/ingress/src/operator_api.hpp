#pragma once
// The operators' and agents' API (API-key auth, JSON):
//   POST   /make_call          {"to": "+13055550100", "agent": "alice"} -> 201 {"call_sid", ...}
//   GET    /token?identity=alice  Voice SDK access token for the browser softphone
//   POST   /optouts            {"number": "+1...", "reason": "..."} -> 201
//   DELETE /optouts/{number}   -> 200
//   GET    /optouts/{number}   -> 200 {"number", "opted_out"}
// Twilio's REST API is called from a small worker pool, never on the server's event loop.
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "call_flow_config.hpp"
#include "caller_id.hpp"
#include "callstream/core/metrics.hpp"
#include "callstream/http/message.hpp"
#include "callstream/http/server.hpp"
#include "callstream/kafka/settings.hpp"
#include "callstream/twilio/access_token.hpp"
#include "callstream/twilio/rest_client.hpp"
#include "optouts.hpp"

namespace callstream::ingress {

struct OperatorApiSettings {
  std::vector<std::string> api_keys;  // OPERATOR_API_KEYS; none = the API is off (404)
  std::string base_url;               // BASE_URL: where Twilio fetches TwiML and posts callbacks
  std::string calls_topic;
  std::string optouts_topic;
  CallerIdConfig caller_ids;
  twilio::RestSettings rest;
  twilio::AccessTokenSettings token;     // api_key_sid empty = /token is off
  std::string outgoing_application_sid;  // TWIML_APP_SID
  size_t workers = 4;                    // concurrent Twilio REST requests
  size_t queue_limit = 256;              // waiting /make_call requests past it get 503
};

// Publishes messages and calls back once all are persisted (true) or one is not (false, why).
using PublishAll =
    std::function<void(std::vector<kafka::Message>, std::function<void(bool, std::string)>)>;
// Publishes the event of something already done, retrying within the retry budget.
using PublishAlongside = std::function<void(kafka::Message, const std::string& route)>;

class OperatorApi {
 public:
  OperatorApi(OperatorApiSettings settings, const CallFlowConfig& flow, OptOutList& optouts,
              core::Registry& metrics, PublishAll publish_all, PublishAlongside publish_alongside);
  ~OperatorApi();

  // True when `path` is one of this API's routes (the request is then answered).
  bool handle(http::Request& request, http::Respond& respond);

 private:
  void make_call(const http::Request& request, http::Respond respond);
  void token(const http::Request& request, http::Respond respond);
  void optouts(const http::Request& request, http::Respond respond);
  // Runs `job` on a worker; false when the queue is full.
  bool submit(std::function<void()> job);
  void count(const std::string& route, int status);

  OperatorApiSettings settings_;
  const CallFlowConfig& flow_;
  OptOutList& optouts_;
  core::Registry& metrics_;
  PublishAll publish_all_;
  PublishAlongside publish_alongside_;
  CallerIdSelector caller_ids_;
  twilio::RestClient rest_;
  core::Histogram& twilio_latency_;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace callstream::ingress
