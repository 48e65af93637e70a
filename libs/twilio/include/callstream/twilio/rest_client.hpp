#pragma once
// Twilio's REST API (2010-04-01) over libcurl: HTTPS, HTTP Basic auth, connect and total
// timeouts, retries with exponential backoff on 429 (honouring Retry-After) and 5xx. Blocking:
// call it from a worker thread, never from a server's event loop.
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "callstream/core/result.hpp"
#include "callstream/http/client.hpp"
#include "callstream/twilio/form.hpp"

namespace callstream::twilio {

struct RestSettings {
  std::string base_url = "https://api.twilio.com";  // TWILIO_API_BASE_URL (a fake in tests)
  // TaskRouter's API (TWILIO_TASKROUTER_BASE_URL; a fake in tests)
  std::string taskrouter_base_url = "https://taskrouter.twilio.com";
  std::string account_sid;  // AC...: the account the resources live in
  std::string username;     // AccountSid or an API key SID (SK...)
  std::string password;     // auth token or the API key secret
  std::chrono::milliseconds connect_timeout{3000};
  std::chrono::milliseconds timeout{10000};  // one attempt, whole
  int max_attempts = 4;
  std::chrono::milliseconds first_backoff{250};  // doubled each retry, with jitter
  std::chrono::milliseconds max_backoff{5000};
};

// Why a request did not succeed. `http_status` 0 = no HTTP answer (connect failure, timeout).
struct RestError {
  int http_status = 0;
  int code = 0;            // Twilio's error code (21211 Invalid 'To' Phone Number...), 0 if none
  std::string message;     // Twilio's message, or what went wrong on the way
  std::string more_info;   // Twilio's documentation link
  bool retryable = false;  // the last failure was of a kind a later try may overcome
  std::optional<std::chrono::seconds> retry_after;  // Twilio's Retry-After, when it sent one
};

using RestResponse = http::ClientResponse;

struct CreatedCall {
  std::string sid;     // CA...
  std::string status;  // queued
  int attempts = 1;
  bool recovered = false;  // found by lookup after an attempt whose outcome was unknown
};

// A TaskRouter activity of the workspace (Available, Break, Offline...).
struct Activity {
  std::string sid;   // WA...
  std::string name;  // friendly_name
  bool available = false;
};

// A worker as TaskRouter answers after an update.
struct WorkerState {
  std::string sid;            // WK...
  std::string activity_sid;   // WA...
  std::string activity_name;  // Break
  int attempts = 1;
};

class RestClient {
 public:
  explicit RestClient(RestSettings settings);

  // POST /2010-04-01/Accounts/{AccountSid}/Calls.json. Safe to retry: after an attempt whose
  // outcome is unknown (a timeout once the request was sent, 500, 502, 504) the client looks for
  // a call it may have created (same To and From, created since the first attempt) before it
  // tries again, so a retry never places a second call.
  core::Result<CreatedCall, RestError> create_call(const Params& params);

  // POST /2010-04-01/Accounts/{AccountSid}/Messages.json (SMS, WhatsApp). Retried only when
  // Twilio did not take the request (429, 503, no connection).
  core::Result<RestResponse, RestError> create_message(const Params& params);

  // POST taskrouter /v1/Workspaces/{WS}/Workers/{WK} ActivitySid=...: the worker's activity.
  // Setting an activity is idempotent, so every failure a later try may overcome (429, 5xx, no
  // answer) is retried.
  core::Result<WorkerState, RestError> update_worker_activity(const std::string& workspace_sid,
                                                              const std::string& worker_sid,
                                                              const std::string& activity_sid);

  // GET taskrouter /v1/Workspaces/{WS}/Activities: the workspace's activities (one page of 100).
  core::Result<std::vector<Activity>, RestError> list_activities(const std::string& workspace_sid);

  // DELETE /2010-04-01/Accounts/{AccountSid}/Recordings/{RE}.json: Twilio's copy of a
  // recording (its media and resource). Idempotent: a 404 (deleted already) succeeds, and every
  // failure a later try may overcome is retried.
  core::Result<void, RestError> delete_recording(const std::string& recording_sid);

  // One HTTP exchange, no retry. `form` empty = GET.
  RestResponse exchange(const std::string& method, const std::string& path,
                        const std::string& form) const;

  // The error a failed response means (Twilio's error JSON when there is one).
  static RestError error_of(const RestResponse& r);

  // For tests: replaces the sleeps between attempts.
  std::function<void(std::chrono::milliseconds)> sleep;

 private:
  std::chrono::milliseconds backoff(int attempt, const RestResponse& r) const;
  // A call to params' To from its From created since `since_unix`, if there is one; fails when
  // the lookup itself failed.
  core::Result<std::optional<CreatedCall>, RestError> find_created_call(const Params& params,
                                                                        long since_unix) const;
  std::string account_path(const std::string& resource) const;
  // One exchange with TaskRouter's API, retried while a later try may do better.
  RestResponse taskrouter(const std::string& method, const std::string& path,
                          const std::string& form, int& attempts) const;
  RestResponse exchange_at(const std::string& base, const std::string& method,
                           const std::string& path, const std::string& form) const;

  RestSettings settings_;
};

}  // namespace callstream::twilio
