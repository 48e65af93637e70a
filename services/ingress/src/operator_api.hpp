#pragma once
// The operators' and agents' API (API-key auth, JSON); its routes are in routes.cpp:
//   POST   /make_call          {"to": "+13055550100", "agent": "alice"} -> 201 {"call_sid", ...}
//   GET    /token?identity=alice  Voice SDK access token for the browser softphone
//   POST   /optouts            {"number": "+1...", "reason": "..."} -> 201
//   DELETE /optouts/{number}   -> 200
//   GET    /optouts/{number}   -> 200 {"number", "opted_out"}
//   GET    /activities         -> 200 {"activities": [{"sid", "name", "available"}]} (TaskRouter's)
//   POST   /worker_activity    {"worker_sid": "WK...", "activity_sid": "WA..."} -> 200
// Twilio's REST API is called from a small worker pool, never on the server's event loop.
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "api_keys.hpp"
#include "call_flow_config.hpp"
#include "caller_id.hpp"
#include "callstream/core/job_queue.hpp"
#include "callstream/core/metrics.hpp"
#include "callstream/core/result.hpp"
#include "callstream/events/contract.hpp"
#include "callstream/http/message.hpp"
#include "callstream/http/server.hpp"
#include "callstream/kafka/settings.hpp"
#include "callstream/twilio/access_token.hpp"
#include "callstream/twilio/rest_client.hpp"
#include "ingress_metrics.hpp"
#include "optouts.hpp"
#include "outbound_call.hpp"
#include "routes.hpp"

namespace callstream::ingress {

struct OperatorApiSettings {
  std::vector<std::string> api_keys;  // OPERATOR_API_KEYS; none = the API is off (404)
  std::string base_url;               // BASE_URL: where Twilio fetches TwiML and posts callbacks
  twilio::RestSettings rest;
  twilio::AccessTokenSettings token;     // api_key_sid empty = /token is off
  std::string outgoing_application_sid;  // TWIML_APP_SID
  std::string workspace_sid;             // TASKROUTER_WORKSPACE_SID; empty = activities are off
  size_t workers = 4;                    // concurrent Twilio REST requests
  size_t queue_limit = 256;              // waiting /make_call requests past it get 503
};

// Called once every message is persisted, or with why one is not.
using Published = std::function<void(core::Result<void>)>;
// Publishes messages; `done` once all are persisted or one is not.
using PublishAll = std::function<void(std::vector<kafka::Message>, Published done)>;
// Publishes the event of something already done, retrying within the retry budget.
using PublishAlongside = std::function<void(kafka::Message, const std::string& route)>;

class OperatorApi {
 public:
  OperatorApi(OperatorApiSettings settings, const CallFlowConfig& flow,
              const events::Contract& contract, OptOutList& optouts, CallerIdSelector& caller_ids,
              core::Registry& metrics, PublishAll publish_all, PublishAlongside publish_alongside);

  // A request matched to one of this API's routes: the key is checked, then the handler runs.
  void handle(const Route& route, const http::Request& request, http::Respond respond);

 private:
  void make_call(const http::Request& request, http::Respond respond);
  // The validated call, or the answer refusing it (415, 400, 422, 409, 503).
  core::Result<OutboundCall, http::Response> validate_call(const http::Request& request);
  // On a worker: creates the call at Twilio, then publishes its event and answers.
  void place_call(const OutboundCall& call, const http::Respond& respond);
  void token(const http::Request& request, http::Respond respond);
  void add_optout(const http::Request& request, http::Respond respond);
  void optout(const http::Request& request, http::Respond respond);
  // Publishes the change; once durable applies it to the list and answers `status`.
  void change_optout(OptOutChange change, int status, http::Respond respond);
  void count_outcome(std::string_view result);
  // GET /activities: the workspace's activities, from TaskRouter, kept for a minute.
  void activities(http::Respond respond);
  // POST /worker_activity: on a worker, the worker's activity set at TaskRouter.
  void set_worker_activity(const http::Request& request, http::Respond respond);
  // Runs `job` on a worker, or answers 503 when too many wait already.
  void submit(std::function<void()> job, const http::Respond& respond);

  OperatorApiSettings settings_;
  ApiKeys keys_;
  const CallFlowConfig& flow_;
  const events::Contract& contract_;
  OptOutList& optouts_;
  OperatorApiMetrics metrics_;
  PublishAll publish_all_;
  PublishAlongside publish_alongside_;
  CallerIdSelector& caller_ids_;
  twilio::RestClient rest_;
  std::mutex activities_mutex_;
  std::string activities_body_;  // the last list TaskRouter gave, as answered
  std::chrono::steady_clock::time_point activities_at_;
  core::JobQueue jobs_;  // last: its destructor runs what is queued, which uses the members above
};

}  // namespace callstream::ingress
