#include "alert_sender.hpp"

#include <random>
#include <set>
#include <thread>

#include "alert_templates.hpp"
#include "callstream/core/log.hpp"
#include "callstream/core/time.hpp"
#include "callstream/events/json.hpp"
#include "callstream/http/client.hpp"

namespace callstream::projector {
namespace log = core::log;
namespace {

constexpr const char* kDue = R"sql(
SELECT id, rule, facts::text AS facts, attempts,
       extract(epoch FROM now() - created_at) AS age_seconds,
       extract(epoch FROM created_at) AS created_epoch
FROM alerts
WHERE channel = $1 AND status = 'pending' AND send_after <= now() AND next_attempt_at <= now()
  AND rule = (SELECT rule FROM alerts
              WHERE channel = $1 AND status = 'pending' AND send_after <= now()
                AND next_attempt_at <= now() AND NOT rule = ANY($2::text[])
              ORDER BY id LIMIT 1)
ORDER BY id LIMIT 500
FOR UPDATE SKIP LOCKED)sql";

// When this rule last reached this channel (its group window starts there).
constexpr const char* kLastSent = R"sql(
SELECT extract(epoch FROM now() - max(sent_at)) AS seconds_since FROM alerts
WHERE rule = $1 AND channel = $2 AND status = 'sent')sql";

// A missed call answered after all (the answer came on another topic during the settle time).
constexpr const char* kCancelAnswered = R"sql(
UPDATE alerts a SET status = 'canceled', last_error = 'answered after all'
FROM analytics.call_facts f
WHERE a.id = ANY($1::bigint[]) AND a.kind = 'missed_inbound_call' AND f.call_sid = a.subject
  AND NOT f.missed
RETURNING a.id AS canceled_id)sql";

constexpr const char* kHold = R"sql(
UPDATE alerts SET send_after = now() + $2 * interval '1 second' WHERE id = ANY($1::bigint[]))sql";

constexpr const char* kSent = R"sql(
UPDATE alerts SET status = 'sent', sent_at = now(), attempts = attempts + 1, message_id = $2,
                  last_error = NULL
WHERE id = ANY($1::bigint[]))sql";

constexpr const char* kFailed = R"sql(
UPDATE alerts SET attempts = attempts + 1, last_error = $2,
                  next_attempt_at = now() + $3 * interval '1 millisecond',
                  status = CASE WHEN NOT $4::boolean OR attempts + 1 >= $5 THEN 'dead' ELSE 'pending' END
WHERE id = ANY($1::bigint[])
RETURNING status AS new_status)sql";

constexpr const char* kCancelUnknownRule = R"sql(
UPDATE alerts SET status = 'canceled', last_error = 'rule no longer configured'
WHERE id = ANY($1::bigint[]))sql";

constexpr const char* kPending = "SELECT count(*) AS pending FROM alerts WHERE status = 'pending'";

std::string id_array(const std::vector<int64_t>& ids) {
  pg::ArrayLiteral a;
  for (auto id : ids) a.add(std::to_string(id));
  return a.str();
}

}  // namespace

AlertSender::AlertSender(const AlertsConfig& config, pg::ConnectionSettings db, core::TimeZone tz,
                         core::Registry& metrics, std::function<double()> lag)
    : config_(config),
      rules_(config, &metrics),
      db_settings_(std::move(db)),
      tz_(std::move(tz)),
      lag_(std::move(lag)),
      whatsapp_([&config] {
        twilio::RestSettings s = config.twilio;
        s.max_attempts = 1;  // the outbox retries, with its own backoff and budget
        return s;
      }()),
      counted_(metrics) {}

const AlertRule* AlertSender::rule(const std::string& name) const {
  for (const auto& r : config_.rules)
    if (r.name == name) return &r;
  return nullptr;
}

std::chrono::milliseconds AlertSender::backoff(int attempts) const {
  thread_local std::mt19937 rng{std::random_device{}()};
  double base =
      1000.0 * static_cast<double>(1LL << std::min(attempts, 9));  // 1 s, 2 s ... ~8.5 min
  std::uniform_real_distribution<double> jitter(0.5, 1.5);
  return std::chrono::milliseconds(static_cast<long long>(std::min(base, 300000.0) * jitter(rng)));
}

void AlertSender::run(const std::atomic<bool>& stop) {
  log::info("alert sender started", {{"rules", std::to_string(config_.rules.size())}});
  while (!stop) {
    int sent = 0;
    try {
      sent = tick();
    } catch (const std::exception& e) {
      log::warn("alert sender: retrying after an error", {{"error", e.what()}});
      db_.reset();  // reconnect on the next pass
      for (int i = 0; i < 20 && !stop; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (sent == 0) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

int AlertSender::tick() {
  if (!db_) db_ = std::make_unique<pg::Connection>(db_settings_);
  auto now = std::chrono::steady_clock::now();
  if (now >= next_housekeeping_) {
    next_housekeeping_ = now + std::chrono::seconds(5);
    if (lag_) {
      pg::Transaction tx(*db_);
      rules_.on_lag(*db_, lag_());
      tx.commit();
    }
    counted_.pending.set(db_->exec("alerts_pending", kPending, {}).get_int(0, "pending"));
  }
  std::set<std::string> channels;
  for (const auto& r : config_.rules) channels.insert(r.channels.begin(), r.channels.end());
  int sent = 0;
  for (const auto& ch : channels) {
    auto free_at = channel_free_at_.find(ch);
    if (free_at != channel_free_at_.end() && free_at->second > now) continue;  // rate limit
    sent += send_due(ch);
  }
  return sent;
}

int AlertSender::send_due(const std::string& channel) {
  // Rules held back this pass (inside their group window or quiet hours) are skipped so the
  // channel's other rules still go.
  std::vector<std::string> held;
  for (;;) {
    pg::Transaction tx(*db_);
    std::optional<DueAlerts> alerts = due(channel, held);
    if (!alerts) return 0;
    const AlertRule* r = rule(alerts->rule_name);
    if (!r) {
      db_->exec("alerts_unknown_rule", kCancelUnknownRule, {id_array(alerts->ids)});
      tx.commit();
      continue;
    }
    if (hold_for_quiet_hours(*r, *alerts)) {
      tx.commit();
      held.push_back(r->name);
      continue;
    }
    if (in_group_window(*r, channel)) {
      held.push_back(r->name);
      continue;  // the transaction rolls back: nothing changed
    }
    if (r->kind == AlertKind::missed_inbound_call) drop_answered(*alerts);
    if (alerts->ids.empty()) {
      tx.commit();
      continue;
    }
    return send(*r, channel, *alerts, tx);
  }
}

std::optional<AlertSender::DueAlerts> AlertSender::due(const std::string& channel,
                                                       const std::vector<std::string>& held) {
  pg::ArrayLiteral held_names;
  for (const auto& h : held) held_names.add(h);
  auto rows = db_->exec("alerts_due", kDue, {channel, held_names.str()});
  if (rows.rows() == 0) return std::nullopt;
  DueAlerts out;
  out.rule_name = rows.get(0, "rule");
  double first_created = 0, last_created = 0;
  for (int i = 0; i < rows.rows(); ++i) {
    out.ids.push_back(rows.get_int(i, "id"));
    out.facts.emplace_back(rows.get(i, "facts"));
    out.attempts = std::max(out.attempts, static_cast<int>(rows.get_int(i, "attempts")));
    out.ages.push_back(std::stod(std::string(rows.get(i, "age_seconds"))));
    double created = std::stod(std::string(rows.get(i, "created_epoch")));
    first_created = i == 0 ? created : std::min(first_created, created);
    last_created = std::max(last_created, created);
  }
  out.spread = std::chrono::seconds(static_cast<long long>(last_created - first_created + 0.5));
  return out;
}

bool AlertSender::hold_for_quiet_hours(const AlertRule& r, const DueAlerts& alerts) {
  core::LocalTime local = tz_.local(core::now_millis());
  if (!r.quiet_hours || !r.quiet_hours->contains(local.minute_of_day)) return false;
  int until = r.quiet_hours->to_minute - local.minute_of_day;
  if (until <= 0) until += 1440;
  db_->exec("alerts_hold", kHold,
            {id_array(alerts.ids), std::to_string(until * 60 - local.second)});
  return true;
}

bool AlertSender::in_group_window(const AlertRule& r, const std::string& channel) {
  auto last = db_->exec("alerts_last_sent", kLastSent, {r.name, channel});
  return !last.is_null(0, "seconds_since") && std::stod(std::string(last.get(0, "seconds_since"))) <
                                                  static_cast<double>(r.group_window.count());
}

void AlertSender::drop_answered(DueAlerts& alerts) {
  auto canceled = db_->exec("alerts_cancel_answered", kCancelAnswered, {id_array(alerts.ids)});
  std::set<int64_t> gone;
  for (int i = 0; i < canceled.rows(); ++i) gone.insert(canceled.get_int(i, "canceled_id"));
  for (size_t i = alerts.ids.size(); i-- > 0;) {
    if (!gone.count(alerts.ids[i])) continue;
    alerts.ids.erase(alerts.ids.begin() + static_cast<long>(i));
    alerts.facts.erase(alerts.facts.begin() + static_cast<long>(i));
    alerts.ages.erase(alerts.ages.begin() + static_cast<long>(i));
  }
}

int AlertSender::send(const AlertRule& r, const std::string& channel, const DueAlerts& alerts,
                      pg::Transaction& tx) {
  AlertText text = render_alerts(r.kind, alerts.facts, config_.language, tz_,
                                 std::max(alerts.spread, std::chrono::seconds(1)), r.line_template);
  auto started = std::chrono::steady_clock::now();
  Delivery delivered = deliver(channel, slack_payload(text), text.plain());
  double per_second = channel == "slack" ? config_.slack_per_second : config_.whatsapp_per_second;
  auto& free_at = channel_free_at_[channel];
  free_at = started + std::chrono::milliseconds(static_cast<long long>(1000.0 / per_second));
  auto labels = core::Labels{{"rule", r.name}, {"channel", channel.substr(0, channel.find(':'))}};
  std::string shown = channel == "slack" ? channel : log::mask_phone(channel);
  if (delivered) {
    db_->exec("alerts_sent", kSent, {id_array(alerts.ids), *delivered});
    tx.commit();
    counted_.sent.at(labels).inc(alerts.ids.size());
    counted_.messages.at(labels).inc();
    for (double age : alerts.ages) counted_.send_latency.observe(age);
    log::info(
        "alert sent",
        {{"rule", r.name}, {"channel", shown}, {"alerts", std::to_string(alerts.ids.size())}});
    return 1;
  }
  const Undelivered& failure = delivered.error();
  auto wait = failure.retry_after
                  ? std::chrono::duration_cast<std::chrono::milliseconds>(*failure.retry_after)
                  : backoff(alerts.attempts);
  if (failure.retry_after) free_at = std::max(free_at, started + wait);  // the channel pauses
  auto statuses = db_->exec(
      "alerts_failed", kFailed,
      {id_array(alerts.ids), failure.error.message.substr(0, 1000), std::to_string(wait.count()),
       failure.error.retryable ? "true" : "false", std::to_string(config_.max_attempts)});
  tx.commit();
  int dead = 0;
  for (int i = 0; i < statuses.rows(); ++i) dead += statuses.get(i, "new_status") == "dead";
  counted_.failed.at(labels).inc();
  if (dead > 0) {
    counted_.dead.at(labels).inc(dead);
    log::error("alert given up",
               {{"rule", r.name}, {"channel", shown}, {"error", failure.error.message}});
  } else {
    log::warn("alert not delivered; will retry", {{"rule", r.name},
                                                  {"channel", shown},
                                                  {"error", failure.error.message},
                                                  {"retry_in_ms", std::to_string(wait.count())}});
  }
  return 0;
}

AlertSender::Delivery AlertSender::deliver(const std::string& channel,
                                           const std::string& slack_body,
                                           const std::string& plain) {
  return channel == "slack" ? deliver_slack(slack_body) : deliver_whatsapp(channel, plain);
}

AlertSender::Delivery AlertSender::deliver_slack(const std::string& body) {
  http::ClientRequest req;
  req.method = "POST";
  req.url = config_.slack_webhook_url;
  req.headers = {{"Content-Type", "application/json"}};
  req.body = body;
  req.timeout = std::chrono::seconds(10);
  http::ClientResponse r = http::exchange(req);
  if (r.status >= 200 && r.status < 300) return "slack";
  bool retryable = r.status == 0 || r.status == 429 || r.status >= 500;
  if (r.status == 0)
    return std::unexpected(Undelivered{{"no_answer", "no answer: " + r.transport_error, true}, {}});
  return std::unexpected(Undelivered{
      {"refused", "HTTP " + std::to_string(r.status) + ": " + r.body.substr(0, 300), retryable},
      r.retry_after});
}

AlertSender::Delivery AlertSender::deliver_whatsapp(const std::string& to,
                                                    const std::string& plain) {
  twilio::Params p = {{"To", to}, {"From", config_.whatsapp_from}};
  if (!config_.whatsapp_content_sid.empty()) {
    // Outside the 24-hour window only an approved template may be sent.
    size_t nl = plain.find('\n');
    events::JsonWriter vars;
    vars.begin_object()
        .field("1", plain.substr(0, nl))
        .field("2", nl == std::string::npos ? "" : plain.substr(nl + 1))
        .end_object();
    p.emplace_back("ContentSid", config_.whatsapp_content_sid);
    p.emplace_back("ContentVariables", vars.str());
  } else {
    p.emplace_back("Body", plain.substr(0, 1600));
  }
  auto sent = whatsapp_.create_message(p);
  if (!sent) {
    const twilio::RestError& e = sent.error();
    std::string message =
        e.http_status == 0 ? e.message : "HTTP " + std::to_string(e.http_status) + ": " + e.message;
    return std::unexpected(Undelivered{
        {e.http_status == 0 ? "no_answer" : "refused", message, e.retryable}, e.retry_after});
  }
  auto doc = events::JsonDocument::parse(sent->body);
  return doc ? std::string(doc->string_at({"sid"}).value_or("")) : std::string();
}

}  // namespace callstream::projector
