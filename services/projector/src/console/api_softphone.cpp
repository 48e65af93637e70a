#include "api_softphone.hpp"

#include "callstream/core/log.hpp"
#include "callstream/events/json.hpp"
#include "ingress_client.hpp"

namespace callstream::projector::console {
namespace log = core::log;

namespace {

// The user's ($1) TaskRouter workers: the one named as they are, or whose contact_uri is their
// client.
#define CALLSTREAM_USER_WORKERS \
  "name = $1 OR position('\"client:' || $1 || '\"' IN coalesce(attributes, '')) > 0"

constexpr const char* kWorker =
    "SELECT worker_sid, activity_sid, activity_name FROM workers WHERE " CALLSTREAM_USER_WORKERS
    " ORDER BY name = $1 DESC, updated_at DESC LIMIT 1";

// The call ringing the user, from the last 15 minutes: the call of their open reservation from
// `from`, else the inbound call from `from` not yet over, else the call of their newest open
// reservation (TaskRouter's dequeue may show the agent another number than the caller's).
constexpr const char* kIncoming =
    "WITH me AS (SELECT worker_sid FROM workers WHERE " CALLSTREAM_USER_WORKERS
    "), "
    R"sql(
reserved AS (
  SELECT t.call_sid, t.queue_name, r.created_at FROM reservations r JOIN tasks t USING (task_sid)
  WHERE r.worker_sid IN (SELECT worker_sid FROM me) AND r.status_rank <= 1
    AND r.created_at > now() - interval '15 minutes' AND t.call_sid IS NOT NULL),
candidates AS (
  (SELECT 0 AS rank, r.call_sid, r.queue_name FROM reserved r JOIN calls c USING (call_sid)
   WHERE c.from_number = $2 AND c.status_rank < 4 ORDER BY r.created_at DESC LIMIT 1)
  UNION ALL
  (SELECT 1, c.call_sid, NULL FROM calls c
   WHERE $2 <> '' AND c.from_number = $2 AND c.direction = 'inbound' AND c.status_rank < 4
     AND c.first_event_at > now() - interval '15 minutes'
   ORDER BY c.first_event_at DESC LIMIT 1)
  UNION ALL
  (SELECT 2, r.call_sid, r.queue_name FROM reserved r JOIN calls c USING (call_sid)
   WHERE c.status_rank < 4 ORDER BY r.created_at DESC LIMIT 1)),
chosen AS (SELECT * FROM candidates ORDER BY rank LIMIT 1)
SELECT json_build_object(
  'call_sid', c.call_sid, 'from', c.from_number,
  'city', (SELECT e.data->'params'->>'FromCity' FROM call_events e
           WHERE e.call_sid = c.call_sid AND e.data->'params' ? 'FromCity' LIMIT 1),
  'state', (SELECT e.data->'params'->>'FromState' FROM call_events e
            WHERE e.call_sid = c.call_sid AND e.data->'params' ? 'FromState' LIMIT 1),
  'queue', coalesce(chosen.queue_name,
                    (SELECT t.queue_name FROM tasks t WHERE t.call_sid = c.call_sid
                     ORDER BY t.created_at DESC NULLS LAST LIMIT 1))) AS json
FROM chosen JOIN calls c USING (call_sid))sql";

std::string current_activity(pg::Result& worker) {
  events::JsonWriter w;
  if (worker.rows() == 0) return "null";
  w.begin_object()
      .field("worker_sid", worker.get(0, "worker_sid"))
      .field("activity_sid", worker.get(0, "activity_sid"))
      .field("activity_name", worker.get(0, "activity_name"))
      .end_object();
  return w.str();
}

}  // namespace

// The softphone's access token, for the signed-in user's own identity only (a user's name is
// their Twilio client identity): the ingress mints it, the browser never names anyone else.
http::Response get_softphone_token(ApiCall& call) {
  if (auto disabled = commands_disabled(call)) return std::move(*disabled);
  if (const auto* asked = call.query_value("identity"); asked && *asked != call.user->name)
    return forbidden("a softphone token is only ever for your own identity");
  log::info("console softphone token", {{"user", call.user->name}});
  return from_ingress(http::exchange(
      to_ingress(call, "GET", "/token?" + twilio::encode_form({{"identity", call.user->name}}))));
}

// The ingress's list, with the user's worker and activity as the read model has them.
http::Response get_softphone_activities(ApiCall& call) {
  if (auto disabled = commands_disabled(call)) return std::move(*disabled);
  http::Response listed = from_ingress(http::exchange(to_ingress(call, "GET", "/activities")));
  if (listed.status != 200) return listed;
  auto worker = call.db.exec("console_worker", kWorker, {call.user->name});
  std::string& body = listed.body;  // {"activities": [...]}: the current one joins it
  body.insert(body.rfind('}'), ",\"current\":" + current_activity(worker));
  return listed;
}

http::Response post_softphone_activity(ApiCall& call) {
  if (auto disabled = commands_disabled(call)) return std::move(*disabled);
  auto doc = events::JsonDocument::parse(call.request.body.empty() ? "{}" : call.request.body);
  auto activity = doc && doc->is_object() ? doc->string_at({"activity_sid"}) : std::nullopt;
  if (!activity || activity->empty())
    return http::error_response(422, "invalid_activity",
                                "{\"activity_sid\": \"WA...\"} is required");
  auto worker = call.db.exec("console_worker", kWorker, {call.user->name});
  if (worker.rows() == 0)
    return http::error_response(
        404, "no_worker",
        "TaskRouter has no worker for you yet (its name or contact_uri must be " + call.user->name +
            ")");
  events::JsonWriter body(128);
  body.begin_object()
      .field("worker_sid", worker.get(0, "worker_sid"))
      .field("activity_sid", *activity)
      .end_object();
  http::ClientRequest req = to_ingress(call, "POST", "/worker_activity");
  req.headers.emplace_back("Content-Type", "application/json");
  req.body = body.str();
  log::info("console activity change",
            {{"user", call.user->name}, {"activity_sid", std::string(*activity)}});
  return from_ingress(http::exchange(req));
}

http::Response get_softphone_incoming(ApiCall& call) {
  const std::string* from = call.query_value("from");
  auto found = call.db.exec("console_incoming", kIncoming, {call.user->name, from ? *from : ""});
  if (found.rows() == 0)
    return http::error_response(404, "not_found", "no call is ringing you that the console knows");
  return json_response(200, std::string(found.get(0, "json")));
}

}  // namespace callstream::projector::console
