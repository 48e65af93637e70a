#pragma once
// The steps of GET /activities and POST /worker_activity that do not touch the network: the
// request checked, the answers written. The ingress sets a worker's activity at TaskRouter and
// publishes nothing itself: TaskRouter's own worker.activity.update event, sent to
// /taskrouter_event, is what moves the read models.
#include <string>
#include <vector>

#include "callstream/core/result.hpp"
#include "callstream/events/json.hpp"
#include "callstream/http/message.hpp"
#include "callstream/twilio/rest_client.hpp"

namespace callstream::ingress {

struct ActivityChange {
  std::string worker_sid;    // WK...
  std::string activity_sid;  // WA...
};

// {"worker_sid": "WK...", "activity_sid": "WA..."} from a JSON object; 422 names the bad field.
core::Result<ActivityChange, http::Response> parse_activity_change(
    const events::JsonDocument& body);

// 200 {"activities": [{"sid", "name", "available"}]}
std::string activities_body(const std::vector<twilio::Activity>& activities);

// 200 {"worker_sid", "activity_sid", "activity_name"}
std::string worker_body(const twilio::WorkerState& worker);

}  // namespace callstream::ingress
