#include "call_projection.hpp"

#include <cstdlib>

#include "callstream/events/json.hpp"
#include "kpi_rollups.hpp"

namespace callstream::projector {
namespace {

constexpr const char* kApplyCallEvents = R"sql(
WITH input AS (
  -- $1..$8 the envelope (EnvelopeArrays), $9..$12 the call's own columns
  SELECT * FROM unnest($1::text[], $9::text[], $2::text[], $10::text[], $11::smallint[],
                       $12::integer[], $3::timestamptz[], $4::timestamptz[], $5::text[],
                       $6::integer[], $7::bigint[], $8::jsonb[])
    AS t(event_id, call_sid, event_type, call_status, status_rank, sequence_number, event_time,
         received_at, kafka_topic, kafka_partition, kafka_offset, data)
), inserted AS (
  INSERT INTO call_events (event_id, call_sid, event_type, call_status, status_rank,
                           sequence_number, event_time, received_at, kafka_topic, kafka_partition,
                           kafka_offset, data)
  SELECT event_id, call_sid, event_type, call_status, status_rank, sequence_number, event_time,
         received_at, kafka_topic, kafka_partition, kafka_offset, data
  FROM input ORDER BY call_sid, call_status, sequence_number
  ON CONFLICT DO NOTHING RETURNING *  -- any unique index: the event id, or the fact (013)
), folded AS (
  SELECT call_sid,
         min(data->'params'->>'AccountSid') AS account_sid,
         -- A call from the softphone (From client:..., /client_voice) is the agent's outbound
         -- call; its numbers are the ones /client_voice recorded (E.164, the chosen caller id).
         min(CASE WHEN event_type = 'io.callstream.call.outbound-requested' THEN 'outbound-api'
                  WHEN data->'params'->>'From' LIKE 'client:%'
                       AND data->'params'->>'Direction' = 'inbound' THEN 'outbound-api'
                  ELSE data->'params'->>'Direction' END) AS direction,
         min(coalesce(CASE WHEN data->'params'->>'From' NOT LIKE 'client:%' THEN data->'params'->>'From' END,
                      data->>'from')) AS from_number,
         min(coalesce(CASE WHEN data->'params'->>'From' NOT LIKE 'client:%' THEN data->'params'->>'To' END,
                      data->>'to')) AS to_number,
         (array_agg(call_status ORDER BY status_rank DESC, sequence_number DESC, event_time DESC, call_status DESC))[1] AS status,
         max(status_rank) AS status_rank,
         (array_agg(sequence_number ORDER BY status_rank DESC, sequence_number DESC, event_time DESC, call_status DESC))[1] AS status_sequence,
         (array_agg(event_time ORDER BY status_rank DESC, sequence_number DESC, event_time DESC, call_status DESC))[1] AS status_at,
         min(event_time) FILTER (WHERE status_rank BETWEEN 0 AND 1) AS initiated_at,
         min(event_time) FILTER (WHERE call_status = 'ringing') AS ringing_at,
         min(event_time) FILTER (WHERE call_status = 'in-progress') AS answered_at,
         min(event_time) FILTER (WHERE status_rank = 4) AS ended_at,
         max(CASE WHEN data->'params'->>'CallDuration' ~ '^[0-9]{1,9}$'
                  THEN (data->'params'->>'CallDuration')::integer END) AS duration_seconds,
         max(CASE WHEN data->'params'->>'SipResponseCode' ~ '^[0-9]{1,9}$'
                  THEN (data->'params'->>'SipResponseCode')::integer END) AS sip_response_code,
         min(data->'params'->>'AnsweredBy') AS answered_by,
         min(data->>'from') FILTER (WHERE event_type = 'io.callstream.call.outbound-requested') AS caller_id,
         min(data->>'agent') FILTER (WHERE event_type = 'io.callstream.call.outbound-requested') AS requested_agent,
         min(event_time) AS first_event_at,
         max(event_time) AS last_event_at,
         count(*)::integer AS events_applied
  FROM inserted GROUP BY call_sid
), upserted AS (
INSERT INTO calls AS c (call_sid, account_sid, direction, from_number, to_number, status, status_rank,
                        status_sequence, status_at, initiated_at, ringing_at, answered_at, ended_at,
                        duration_seconds, sip_response_code, answered_by, first_event_at, last_event_at,
                        events_applied, caller_id, requested_agent)
SELECT call_sid, account_sid, direction, from_number, to_number, status, status_rank, status_sequence,
       status_at, initiated_at, ringing_at, answered_at, ended_at, duration_seconds, sip_response_code,
       answered_by, first_event_at, last_event_at, events_applied, caller_id, requested_agent
FROM folded ORDER BY call_sid
ON CONFLICT (call_sid) DO UPDATE SET
  account_sid = LEAST(c.account_sid, EXCLUDED.account_sid),
  direction = LEAST(c.direction, EXCLUDED.direction),
  from_number = LEAST(c.from_number, EXCLUDED.from_number),
  to_number = LEAST(c.to_number, EXCLUDED.to_number),
  status = CASE WHEN (EXCLUDED.status_rank, EXCLUDED.status_sequence, EXCLUDED.status_at, EXCLUDED.status)
                   > (c.status_rank, c.status_sequence, c.status_at, c.status)
                THEN EXCLUDED.status ELSE c.status END,
  status_sequence = CASE WHEN (EXCLUDED.status_rank, EXCLUDED.status_sequence, EXCLUDED.status_at, EXCLUDED.status)
                            > (c.status_rank, c.status_sequence, c.status_at, c.status)
                         THEN EXCLUDED.status_sequence ELSE c.status_sequence END,
  status_at = CASE WHEN (EXCLUDED.status_rank, EXCLUDED.status_sequence, EXCLUDED.status_at, EXCLUDED.status)
                      > (c.status_rank, c.status_sequence, c.status_at, c.status)
                   THEN EXCLUDED.status_at ELSE c.status_at END,
  status_rank = GREATEST(c.status_rank, EXCLUDED.status_rank),
  initiated_at = LEAST(c.initiated_at, EXCLUDED.initiated_at),
  ringing_at = LEAST(c.ringing_at, EXCLUDED.ringing_at),
  answered_at = LEAST(c.answered_at, EXCLUDED.answered_at),
  ended_at = LEAST(c.ended_at, EXCLUDED.ended_at),
  duration_seconds = GREATEST(c.duration_seconds, EXCLUDED.duration_seconds),
  sip_response_code = GREATEST(c.sip_response_code, EXCLUDED.sip_response_code),
  answered_by = LEAST(c.answered_by, EXCLUDED.answered_by),
  first_event_at = LEAST(c.first_event_at, EXCLUDED.first_event_at),
  last_event_at = GREATEST(c.last_event_at, EXCLUDED.last_event_at),
  events_applied = c.events_applied + EXCLUDED.events_applied,
  caller_id = LEAST(c.caller_id, EXCLUDED.caller_id),
  requested_agent = LEAST(c.requested_agent, EXCLUDED.requested_agent)
RETURNING 1
)
SELECT (SELECT count(*) FROM inserted) AS events_new,
       (SELECT count(*) FROM upserted) AS calls_changed)sql";

constexpr const char* kStatusPrefix = "com.twilio.voice.status-callback.call.";
constexpr const char* kTwilioVoice = "com.twilio.voice.";
constexpr const char* kOwnVoice = "io.callstream.voice.";
constexpr const char* kOwnCall = "io.callstream.call.";

}  // namespace

int status_rank(std::string_view s) {
  if (s == "queued") return 0;
  if (s == "initiated") return 1;
  if (s == "ringing") return 2;
  if (s == "in-progress") return 3;
  if (s == "completed" || s == "busy" || s == "no-answer" || s == "failed" || s == "canceled")
    return 4;
  return -1;
}

core::Result<CallEventRow> decode_call_event(std::string_view value, std::string topic,
                                             int32_t partition, int64_t offset) {
  auto doc = events::JsonDocument::parse(value);
  if (!doc) return std::unexpected(doc.error());
  CallEventRow row;
  auto id = doc->string_at({"id"});
  auto type = doc->string_at({"type"});
  auto time = doc->string_at({"time"});
  if (!id || id->empty() || !type || !time) return undecodable("envelope lacks id, type or time");
  bool own_call = type->rfind(kOwnCall, 0) == 0;  // not a webhook: facts of our own in data
  if (type->rfind(kTwilioVoice, 0) != 0 && type->rfind(kOwnVoice, 0) != 0 && !own_call)
    return undecodable("not a voice call event: " + std::string(*type));
  bool status_callback = type->rfind(kStatusPrefix, 0) == 0;
  auto sid = own_call ? doc->string_at({"data", "call_sid"})
                      : doc->string_at({"data", "params", "CallSid"});
  // An outbound call placed by /make_call is "queued" at Twilio when its event is written.
  auto status = own_call ? doc->string_at({"data", "twilio_status"})
                         : doc->string_at({"data", "params", "CallStatus"});
  if (own_call && status && status_rank(*status) < 0) status.reset();
  if (!sid || sid->empty())
    return undecodable(own_call ? "data lacks call_sid" : "data.params lacks CallSid");
  if (status_callback && !status) return undecodable("data.params lacks CallStatus");
  // Requests for TwiML carry the call's status too; an AMD result carries none (rank -1: it
  // never moves the status, it only adds facts such as AnsweredBy).
  row.rank = status ? status_rank(*status) : -1;
  if (status && row.rank < 0) return undecodable("unknown CallStatus " + std::string(*status));
  if (auto seq = doc->string_at({"data", "params", "SequenceNumber"})) {
    char* end = nullptr;
    std::string s(*seq);
    long long n = std::strtoll(s.c_str(), &end, 10);
    if (!s.empty() && *end == '\0' && n >= 0 && n < 1000000000) row.sequence_number = n;
  }
  row.event_id = *id;
  row.event_type = *type;
  row.call_sid = *sid;
  row.call_status = status ? std::string(*status) : std::string();
  row.event_time = *time;
  row.received_at = doc->string_at({"receivedat"}).value_or("");
  row.topic = std::move(topic);
  row.partition = partition;
  row.offset = offset;
  row.data = doc->json_at({"data"}).value_or("{}");
  return row;
}

int64_t apply_call_events_only(pg::Connection& c, const std::vector<CallEventRow>& rows,
                               FactRefresh& refresh) {
  if (rows.empty()) return 0;
  EnvelopeArrays envelope;
  pg::ArrayLiteral sids, statuses, ranks, seqs;
  for (const auto& r : rows) {
    envelope.add(r);
    sids.add(r.call_sid);
    statuses.add(r.call_status);
    ranks.add(std::to_string(r.rank));
    seqs.add(std::to_string(r.sequence_number));
  }
  auto literals = envelope.literals();
  for (const auto* own : {&sids, &statuses, &ranks, &seqs}) literals.push_back(own->str());
  std::vector<pg::Param> params(literals.begin(), literals.end());
  int64_t fresh =
      c.exec_prepared("apply_call_events", kApplyCallEvents, params).get_int(0, "events_new");
  if (fresh > 0)
    for (const auto& r : rows) refresh.add(FactSource::calls, r.event_id);
  return fresh;
}

int64_t apply_call_events(pg::Connection& c, const std::vector<CallEventRow>& rows) {
  return apply_then_refresh(c, rows, apply_call_events_only);
}

}  // namespace callstream::projector
