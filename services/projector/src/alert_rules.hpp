#pragma once
// Alert rules: which facts of the read models call for telling someone, on which channels.
// Configured in ALERT_RULES_FILE (JSON, validated at start; docs/alerts.md) with the channels from
// the environment (SLACK_WEBHOOK_URL, WHATSAPP_FROM / WHATSAPP_TO). The projector evaluates the
// call and recording rules in the very transaction that applies a batch, writing outbox rows
// under stable idempotency keys: a replay or rebuild writes nothing new.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "call_projection.hpp"
#include "callstream/core/metrics.hpp"
#include "callstream/core/result.hpp"
#include "callstream/pg/connection.hpp"
#include "callstream/twilio/rest_client.hpp"
#include "dead_letters.hpp"
#include "event_row.hpp"
#include "projector_metrics.hpp"

namespace callstream::projector {

enum class AlertKind {
  missed_inbound_call,   // abandoned in the queue, no-answer, busy: never reached an agent
  voicemail_left,        // with the recording link
  outbound_call_failed,  // a /make_call call failed, was busy or not answered
  long_queue_wait,       // a caller waited in the queue longer than threshold seconds
  recording_failed,      // a recording failed or came out absent
  projection_lag,        // events waiting to be applied above threshold
  dead_letters,          // an event could not be applied
};
inline constexpr AlertKind kAlertKinds[] = {
    AlertKind::missed_inbound_call, AlertKind::voicemail_left,   AlertKind::outbound_call_failed,
    AlertKind::long_queue_wait,     AlertKind::recording_failed, AlertKind::projection_lag,
    AlertKind::dead_letters};
const char* to_string(AlertKind k);
std::optional<AlertKind> alert_kind(std::string_view name);

struct QuietHours {
  int from_minute = 0;  // local time of the call center; the range may cross midnight
  int to_minute = 0;
  bool contains(int minute_of_day) const;
};

struct AlertRule {
  std::string name;
  AlertKind kind = AlertKind::missed_inbound_call;
  std::vector<std::string> channels;  // "slack", "whatsapp:+1..." (one per recipient)
  long long threshold = 0;            // seconds (long_queue_wait), events (projection_lag)
  std::chrono::seconds group_window{60};
  std::optional<QuietHours> quiet_hours;
  // One line per alert instead of the built-in words: {caller} {called} {time} {wait} {agent}
  // {queue} {reason} {status} {recording_url} {call_sid} are filled in. Empty = built-in.
  std::string line_template;
};

struct AlertsConfig {
  std::vector<AlertRule> rules;
  std::string language = "en";  // en, pt-BR
  std::string slack_webhook_url;
  std::string whatsapp_from;             // whatsapp:+14155238886
  std::vector<std::string> whatsapp_to;  // whatsapp:+1...
  std::string whatsapp_content_sid;      // HX...: a template, for outside the 24-hour window
  twilio::RestSettings twilio;           // the Messages API
  std::chrono::seconds settle{20};       // a missed call waits this long for a late answer
  std::chrono::seconds max_age{3600};    // older facts (a replay) alert nobody
  int max_attempts = 8;                  // then the alert is dead, its error kept
  double slack_per_second = 1.0;
  double whatsapp_per_second = 1.0;
  bool enabled() const { return !rules.empty(); }
};

// Parses the rules file (alert_rules_config.cpp) into config.rules and config.language, against
// the channels configured in `config`; without a file (empty text) every kind is on, on every
// configured channel, with the default thresholds. Or every problem, each with its place in the
// file ("rules[2].channels: ...").
core::Result<void, core::Problems> parse_alert_rules(std::string_view json, AlertsConfig& config);

class AlertRules {
 public:
  // `metrics` (optional) counts the alerts written, by rule and channel.
  explicit AlertRules(const AlertsConfig& config, core::Registry* metrics = nullptr)
      : config_(config) {
    if (metrics) metrics_.emplace(*metrics);
  }

  // In the batch's transaction; each returns how many outbox rows it wrote.
  int64_t on_calls(pg::Connection& c, const std::vector<CallEventRow>& rows) const;
  int64_t on_recordings(pg::Connection& c, const std::vector<EventRow>& rows) const;
  int64_t on_dead_letters(pg::Connection& c) const;
  // From the archiver, when it gives a recording up: a recording_failed alert saying why.
  int64_t on_archive_failure(pg::Connection& c, const std::string& recording_sid,
                             const std::string& reason) const;
  // From the sender: one alert per rule and hour while the lag stays above the threshold.
  int64_t on_lag(pg::Connection& c, double lag) const;

  const AlertsConfig& config() const { return config_; }

 private:
  int64_t count(const std::string& rule, const pg::Result& returned_channels) const;
  template <typename Ids>
  int64_t run(pg::Connection& c, AlertKind kind, const char* name, const char* sql,
              const Ids& ids) const;

  const AlertsConfig& config_;
  std::optional<AlertMetrics> metrics_;
};

}  // namespace callstream::projector
