#include "alert_rules.hpp"

namespace callstream::projector {
namespace {

// Each rule kind is one statement writing its outbox rows, one per channel, keyed by
// rule:subject:channel (ON CONFLICT DO NOTHING: replays and retries write nothing). Facts older
// than the maximum age (a replay of old events, a rebuild) alert nobody.
constexpr const char* kMissedCalls = R"sql(
INSERT INTO alerts (idempotency_key, rule, kind, channel, subject, facts, send_after)
SELECT $1 || ':' || f.call_sid || ':' || ch, $1, 'missed_inbound_call', ch, f.call_sid,
       jsonb_build_object(
         'call_sid', f.call_sid, 'caller', f.from_number, 'called', f.to_number, 'at', f.started_at,
         'reason', CASE WHEN f.abandoned THEN 'abandoned'
                        WHEN c.status IN ('busy', 'no-answer', 'failed', 'canceled') THEN c.status
                        ELSE 'unanswered' END,
         'wait_seconds', round(extract(epoch FROM c.ended_at - f.started_at)), 'queue', f.queue),
       now() + $4 * interval '1 second'
FROM analytics.call_facts f
JOIN calls c ON c.call_sid = f.call_sid
CROSS JOIN unnest($2::text[]) AS ch
WHERE f.call_sid = ANY($3::text[]) AND f.missed AND c.status_rank = 4
  AND c.ended_at > now() - $5 * interval '1 second'
  AND NOT EXISTS (SELECT 1 FROM call_events v
                  WHERE v.call_sid = f.call_sid
                    AND v.event_type = 'io.callstream.voice.voicemail.recorded'
                    AND coalesce(v.data->'params'->>'RecordingUrl', '') <> '')
ON CONFLICT (idempotency_key) DO NOTHING
RETURNING channel)sql";

constexpr const char* kVoicemails = R"sql(
INSERT INTO alerts (idempotency_key, rule, kind, channel, subject, facts)
SELECT $1 || ':' || e.call_sid || ':' || ch, $1, 'voicemail_left', ch, e.call_sid,
       jsonb_build_object(
         'call_sid', e.call_sid, 'caller', c.from_number, 'called', c.to_number, 'at', e.event_time,
         'recording_url', e.data->'params'->>'RecordingUrl',
         'duration_seconds', e.data->'params'->>'RecordingDuration')
FROM call_events e
JOIN calls c ON c.call_sid = e.call_sid
CROSS JOIN unnest($2::text[]) AS ch
WHERE e.event_id = ANY($3::text[]) AND e.event_type = 'io.callstream.voice.voicemail.recorded'
  AND coalesce(e.data->'params'->>'RecordingUrl', '') <> ''
  AND e.event_time > now() - $4 * interval '1 second'
ON CONFLICT (idempotency_key) DO NOTHING
RETURNING channel)sql";

constexpr const char* kOutboundFailed = R"sql(
INSERT INTO alerts (idempotency_key, rule, kind, channel, subject, facts)
SELECT $1 || ':' || c.call_sid || ':' || ch, $1, 'outbound_call_failed', ch, c.call_sid,
       jsonb_build_object(
         'call_sid', c.call_sid, 'called', c.to_number, 'caller', c.from_number,
         'agent', c.requested_agent, 'status', c.status,
         'at', coalesce(c.initiated_at, c.first_event_at), 'sip_response_code', c.sip_response_code)
FROM calls c
CROSS JOIN unnest($2::text[]) AS ch
WHERE c.call_sid = ANY($3::text[]) AND c.direction = 'outbound-api'
  AND c.status IN ('failed', 'busy', 'no-answer')
  AND c.last_event_at > now() - $4 * interval '1 second'
ON CONFLICT (idempotency_key) DO NOTHING
RETURNING channel)sql";

constexpr const char* kLongWaits = R"sql(
INSERT INTO alerts (idempotency_key, rule, kind, channel, subject, facts)
SELECT $1 || ':' || w.call_sid || ':' || ch, $1, 'long_queue_wait', ch, w.call_sid,
       jsonb_build_object('call_sid', w.call_sid, 'caller', c.from_number, 'called', c.to_number,
                          'at', w.event_time, 'wait_seconds', w.waited, 'threshold_seconds', $5::integer)
FROM (SELECT DISTINCT ON (e.call_sid) e.call_sid, e.event_time,
             (e.data->'params'->>'QueueTime')::integer AS waited
      FROM call_events e
      WHERE e.event_id = ANY($3::text[])
        AND e.event_type IN ('io.callstream.voice.queue.waiting', 'io.callstream.voice.queue.left')
        AND e.data->'params'->>'QueueTime' ~ '^[0-9]{1,9}$'
        AND (e.data->'params'->>'QueueTime')::integer >= $5::integer
        AND e.event_time > now() - $4 * interval '1 second'
      ORDER BY e.call_sid, e.event_time) w
JOIN calls c ON c.call_sid = w.call_sid
CROSS JOIN unnest($2::text[]) AS ch
ON CONFLICT (idempotency_key) DO NOTHING
RETURNING channel)sql";

constexpr const char* kRecordingsFailed = R"sql(
INSERT INTO alerts (idempotency_key, rule, kind, channel, subject, facts)
SELECT $1 || ':' || r.recording_sid || ':' || ch, $1, 'recording_failed', ch, r.recording_sid,
       jsonb_build_object('recording_sid', r.recording_sid, 'call_sid', r.call_sid,
                          'caller', c.from_number, 'called', c.to_number, 'status', r.status,
                          'error_code', r.data->'params'->>'ErrorCode', 'at', r.event_time)
FROM recording_events r
LEFT JOIN calls c ON c.call_sid = r.call_sid
CROSS JOIN unnest($2::text[]) AS ch
WHERE r.event_id = ANY($3::text[]) AND r.status IN ('failed', 'absent')
  AND r.event_time > now() - $4 * interval '1 second'
ON CONFLICT (idempotency_key) DO NOTHING
RETURNING channel)sql";

// One alert per recording and rule, however often its copy is redone (its key is taken).
constexpr const char* kNotArchived = R"sql(
INSERT INTO alerts (idempotency_key, rule, kind, channel, subject, facts)
SELECT $1 || ':archive:' || r.recording_sid || ':' || ch, $1, 'recording_failed', ch,
       r.recording_sid,
       jsonb_build_object('recording_sid', r.recording_sid, 'call_sid', r.call_sid,
                          'caller', c.from_number, 'called', c.to_number,
                          'status', 'not-archived', 'reason', $3::text, 'at', now())
FROM recordings r
LEFT JOIN calls c ON c.call_sid = r.call_sid
CROSS JOIN unnest($2::text[]) AS ch
WHERE r.recording_sid = $4
ON CONFLICT (idempotency_key) DO NOTHING
RETURNING channel)sql";

constexpr const char* kDeadLetters = R"sql(
INSERT INTO alerts (idempotency_key, rule, kind, channel, subject, facts)
SELECT $1 || ':' || d.id || ':' || ch, $1, 'dead_letters', ch, d.id::text,
       jsonb_build_object('topic', d.kafka_topic, 'partition', d.kafka_partition,
                          'offset', d.kafka_offset, 'key', d.message_key, 'error', d.error,
                          'at', d.dead_at)
FROM dead_letters d
CROSS JOIN unnest($2::text[]) AS ch
WHERE d.resolved_at IS NULL AND d.kind = 'poison' AND d.consumer = 'projector'
  AND d.dead_at > now() - $3 * interval '1 second'
ON CONFLICT (idempotency_key) DO NOTHING
RETURNING channel)sql";

constexpr const char* kLag = R"sql(
INSERT INTO alerts (idempotency_key, rule, kind, channel, subject, facts)
SELECT $1 || ':' || to_char(date_trunc('hour', now() AT TIME ZONE 'UTC'), 'YYYY-MM-DD"T"HH24') || ':' || ch,
       $1, 'projection_lag', ch, 'lag',
       jsonb_build_object('lag_events', $3::bigint, 'threshold_events', $4::bigint, 'at', now())
FROM unnest($2::text[]) AS ch
ON CONFLICT (idempotency_key) DO NOTHING
RETURNING channel)sql";

std::string channels_of(const AlertRule& r) {
  pg::ArrayLiteral a;
  for (const auto& ch : r.channels) a.add(ch);
  return a.str();
}

}  // namespace

int64_t AlertRules::count(const std::string& rule, const pg::Result& returned) const {
  if (metrics_)
    for (int i = 0; i < returned.rows(); ++i) {
      std::string_view ch = returned.get(i, "channel");
      metrics_->created.at({{"rule", rule}, {"channel", std::string(ch.substr(0, ch.find(':')))}})
          .inc();
    }
  return returned.rows();
}

template <typename Ids>
int64_t AlertRules::run(pg::Connection& c, AlertKind kind, const char* name, const char* sql,
                        const Ids& ids) const {
  if (ids.size() == 0) return 0;
  int64_t written = 0;
  const std::string age = std::to_string(config_.max_age.count());
  const std::string settle = std::to_string(config_.settle.count());
  for (const auto& rule : config_.rules) {
    if (rule.kind != kind) continue;
    std::string channels = channels_of(rule);
    std::string threshold = std::to_string(rule.threshold);
    std::string id_list = ids.str();
    std::vector<pg::Param> params = {rule.name, channels, id_list};
    if (kind == AlertKind::missed_inbound_call) {
      params.push_back(settle);
      params.push_back(age);
    } else {
      params.push_back(age);
      if (kind == AlertKind::long_queue_wait) params.push_back(threshold);
    }
    written += count(rule.name, c.exec_prepared(name, sql, params));
  }
  return written;
}

int64_t AlertRules::on_calls(pg::Connection& c, const std::vector<CallEventRow>& rows) const {
  if (!config_.enabled() || rows.empty()) return 0;
  pg::ArrayLiteral sids, ids;
  std::set<std::string_view> seen;
  for (const auto& r : rows) {
    ids.add(r.event_id);
    if (seen.insert(r.call_sid).second) sids.add(r.call_sid);
  }
  return run(c, AlertKind::missed_inbound_call, "alert_missed_calls", kMissedCalls, sids) +
         run(c, AlertKind::voicemail_left, "alert_voicemails", kVoicemails, ids) +
         run(c, AlertKind::outbound_call_failed, "alert_outbound_failed", kOutboundFailed, sids) +
         run(c, AlertKind::long_queue_wait, "alert_long_waits", kLongWaits, ids);
}

int64_t AlertRules::on_recordings(pg::Connection& c, const std::vector<EventRow>& rows) const {
  if (!config_.enabled() || rows.empty()) return 0;
  pg::ArrayLiteral ids;
  for (const auto& r : rows) ids.add(r.event_id);
  return run(c, AlertKind::recording_failed, "alert_recordings_failed", kRecordingsFailed, ids);
}

int64_t AlertRules::on_dead_letters(pg::Connection& c) const {
  int64_t written = 0;
  for (const auto& rule : config_.rules)
    if (rule.kind == AlertKind::dead_letters)
      written +=
          count(rule.name,
                c.exec("alert_dead_letters", kDeadLetters,
                       {rule.name, channels_of(rule), std::to_string(config_.max_age.count())}));
  return written;
}

int64_t AlertRules::on_archive_failure(pg::Connection& c, const std::string& recording_sid,
                                       const std::string& reason) const {
  int64_t written = 0;
  for (const auto& rule : config_.rules)
    if (rule.kind == AlertKind::recording_failed)
      written += count(rule.name, c.exec("alert_not_archived", kNotArchived,
                                         {rule.name, channels_of(rule), reason, recording_sid}));
  return written;
}

int64_t AlertRules::on_lag(pg::Connection& c, double lag) const {
  int64_t written = 0;
  for (const auto& rule : config_.rules)
    if (rule.kind == AlertKind::projection_lag && lag > static_cast<double>(rule.threshold))
      written += count(rule.name, c.exec("alert_lag", kLag,
                                         {rule.name, channels_of(rule),
                                          std::to_string(static_cast<long long>(lag)),
                                          std::to_string(rule.threshold)}));
  return written;
}

}  // namespace callstream::projector
