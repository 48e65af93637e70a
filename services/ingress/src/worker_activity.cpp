#include "worker_activity.hpp"

#include "callstream/twilio/sid.hpp"

namespace callstream::ingress {

core::Result<ActivityChange, http::Response> parse_activity_change(
    const events::JsonDocument& body) {
  std::string worker(body.string_at({"worker_sid"}).value_or(""));
  std::string activity(body.string_at({"activity_sid"}).value_or(""));
  if (!twilio::is_sid(worker, "WK"))
    return std::unexpected(
        http::error_response(422, "invalid_worker",
                             "'worker_sid' must be a TaskRouter worker SID (WK + 32 hex digits)"));
  if (!twilio::is_sid(activity, "WA"))
    return std::unexpected(http::error_response(
        422, "invalid_activity",
        "'activity_sid' must be one of the workspace's activities (WA + 32 hex digits)"));
  return ActivityChange{worker, activity};
}

std::string activities_body(const std::vector<twilio::Activity>& activities) {
  events::JsonWriter w;
  w.begin_object().key("activities").begin_array();
  for (const auto& a : activities)
    w.begin_object()
        .field("sid", a.sid)
        .field("name", a.name)
        .key("available")
        .boolean(a.available)
        .end_object();
  w.end_array().end_object();
  return w.str();
}

std::string worker_body(const twilio::WorkerState& worker) {
  events::JsonWriter w;
  w.begin_object()
      .field("worker_sid", worker.sid)
      .field("activity_sid", worker.activity_sid)
      .field("activity_name", worker.activity_name)
      .end_object();
  return w.str();
}

}  // namespace callstream::ingress
