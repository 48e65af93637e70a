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
SELECT id, rule, kind, facts::text, attempts, extract(epoch FROM now() - created_at),
       extract(epoch FROM created_at)
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
SELECT extract(epoch FROM now() - max(sent_at)) FROM alerts
WHERE rule = $1 AND channel = $2 AND status = 'sent')sql";

// A missed call answered after all (the answer came on another topic during the settle time).
constexpr const char* kCancelAnswered = R"sql(
UPDATE alerts a SET status = 'canceled', last_error = 'answered after all'
FROM analytics.call_facts f
WHERE a.id = ANY($1::bigint[]) AND a.kind = 'missed_inbound_call' AND f.call_sid = a.subject
  AND NOT f.missed
RETURNING a.id)sql";

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
RETURNING status)sql";

constexpr const char* kCancelUnknownRule = R"sql(
UPDATE alerts SET status = 'canceled', last_error = 'rule no longer configured'
WHERE id = ANY($1::bigint[]))sql";

constexpr const char* kPending = "SELECT count(*) FROM alerts WHERE status = 'pending'";

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
      metrics_(metrics),
      lag_(std::move(lag)),
      whatsapp_([&config] {
        twilio::RestSettings s = config.twilio;
        s.max_attempts = 1;  // the outbox retries, with its own backoff and budget
        return s;
      }()),
      pending_(metrics.gauge("callstream_alerts_outbox_pending", "Alerts waiting to be sent")),
      latency_(metrics.histogram("callstream_alerts_send_latency_seconds",
                                 "Alert written -> delivered (settle time and grouping included)",
                                 {1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600})) {}

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
    pending_.set(static_cast<double>(db_->exec(kPending).get_int(0, 0)));
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
    pg::ArrayLiteral held_names;
    for (const auto& h : held) held_names.add(h);
    pg::Transaction tx(*db_);
    auto due = db_->exec("alerts_due", kDue, {channel, held_names.str()});
    if (due.rows() == 0) return 0;
    std::string rule_name(due.get(0, 1));
    std::vector<int64_t> ids;
    std::vector<std::string> facts;
    std::vector<double> ages;
    int attempts = 0;
    double first_created = 0, last_created = 0;
    for (int i = 0; i < due.rows(); ++i) {
      ids.push_back(due.get_int(i, 0));
      facts.emplace_back(due.get(i, 3));
      attempts = std::max(attempts, static_cast<int>(due.get_int(i, 4)));
      ages.push_back(std::stod(std::string(due.get(i, 5))));
      double created = std::stod(std::string(due.get(i, 6)));
      first_created = i == 0 ? created : std::min(first_created, created);
      last_created = std::max(last_created, created);
    }
    std::chrono::seconds spread(static_cast<long long>(last_created - first_created + 0.5));
    const AlertRule* r = rule(rule_name);
    if (!r) {
      db_->exec("alerts_unknown_rule", kCancelUnknownRule, {id_array(ids)});
      tx.commit();
      continue;
    }
    // Quiet hours: hold until they end.
    core::LocalTime local = tz_.local(core::now_millis());
    if (r->quiet_hours && r->quiet_hours->contains(local.minute_of_day)) {
      int until = r->quiet_hours->to_minute - local.minute_of_day;
      if (until <= 0) until += 1440;
      db_->exec("alerts_hold", kHold, {id_array(ids), std::to_string(until * 60 - local.second)});
      tx.commit();
      held.push_back(rule_name);
      continue;
    }
    // Group window: after a message, the rule's next ones wait and go together.
    auto last = db_->exec("alerts_last_sent", kLastSent, {rule_name, channel});
    if (!last.is_null(0, 0) &&
        std::stod(std::string(last.get(0, 0))) < static_cast<double>(r->group_window.count())) {
      held.push_back(rule_name);
      continue;  // the transaction rolls back: nothing changed
    }
    if (r->kind == AlertKind::missed_inbound_call) {
      auto canceled = db_->exec("alerts_cancel_answered", kCancelAnswered, {id_array(ids)});
      std::set<int64_t> gone;
      for (int i = 0; i < canceled.rows(); ++i) gone.insert(canceled.get_int(i, 0));
      for (size_t i = ids.size(); i-- > 0;)
        if (gone.count(ids[i])) {
          ids.erase(ids.begin() + static_cast<long>(i));
          facts.erase(facts.begin() + static_cast<long>(i));
          ages.erase(ages.begin() + static_cast<long>(i));
        }
      if (ids.empty()) {
        tx.commit();
        continue;
      }
    }

    AlertText text = render_alerts(r->kind, facts, config_.language, tz_,
                                   std::max(spread, std::chrono::seconds(1)), r->line_template);
    auto started = std::chrono::steady_clock::now();
    Outcome out = deliver(channel, slack_payload(text), text.plain());
    double per_second = channel == "slack" ? config_.slack_per_second : config_.whatsapp_per_second;
    auto& free_at = channel_free_at_[channel];
    free_at = started + std::chrono::milliseconds(static_cast<long long>(1000.0 / per_second));
    auto labels =
        core::Labels{{"rule", rule_name}, {"channel", channel.substr(0, channel.find(':'))}};
    if (out.ok) {
      db_->exec("alerts_sent", kSent, {id_array(ids), out.message_id});
      tx.commit();
      metrics_.counter("callstream_alerts_sent_total", "Alerts delivered", labels).inc(ids.size());
      metrics_.counter("callstream_alerts_messages_total", "Messages sent (a group is one)", labels)
          .inc();
      for (double age : ages) latency_.observe(age);
      log::info("alert sent", {{"rule", rule_name},
                               {"channel", channel == "slack" ? channel : log::mask_phone(channel)},
                               {"alerts", std::to_string(ids.size())}});
      return 1;
    }
    auto wait = out.retry_after
                    ? std::chrono::duration_cast<std::chrono::milliseconds>(*out.retry_after)
                    : backoff(attempts);
    if (out.retry_after) free_at = std::max(free_at, started + wait);  // the channel pauses
    auto statuses =
        db_->exec("alerts_failed", kFailed,
                  {id_array(ids), out.error.substr(0, 1000), std::to_string(wait.count()),
                   out.retryable ? "true" : "false", std::to_string(config_.max_attempts)});
    tx.commit();
    int dead = 0;
    for (int i = 0; i < statuses.rows(); ++i) dead += statuses.get(i, 0) == "dead";
    metrics_.counter("callstream_alerts_failed_total", "Failed delivery attempts", labels).inc();
    if (dead > 0) {
      metrics_.counter("callstream_alerts_dead_total", "Alerts given up", labels).inc(dead);
      log::error("alert given up",
                 {{"rule", rule_name},
                  {"channel", channel == "slack" ? channel : log::mask_phone(channel)},
                  {"error", out.error}});
    } else {
      log::warn("alert not delivered; will retry",
                {{"rule", rule_name},
                 {"channel", channel == "slack" ? channel : log::mask_phone(channel)},
                 {"error", out.error},
                 {"retry_in_ms", std::to_string(wait.count())}});
    }
    return 0;
  }
}

AlertSender::Outcome AlertSender::deliver(const std::string& channel, const std::string& slack_body,
                                          const std::string& plain) {
  Outcome out;
  http::ClientResponse r;
  if (channel == "slack") {
    http::ClientRequest req;
    req.method = "POST";
    req.url = config_.slack_webhook_url;
    req.headers = {{"Content-Type", "application/json"}};
    req.body = slack_body;
    req.timeout = std::chrono::seconds(10);
    r = http::exchange(req);
    out.message_id = "slack";
  } else {  // whatsapp:+1...
    twilio::Params p = {{"To", channel}, {"From", config_.whatsapp_from}};
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
    r = whatsapp_.create_message(p, nullptr);
    if (auto doc = events::JsonDocument::parse(r.body))
      out.message_id = std::string(doc->string_at({"sid"}).value_or(""));
  }
  out.ok = r.status >= 200 && r.status < 300;
  if (out.ok) return out;
  out.retry_after = r.retry_after;
  out.retryable = r.status == 0 || r.status == 429 || r.status >= 500;
  out.error = r.status == 0 ? "no answer: " + r.transport_error
                            : "HTTP " + std::to_string(r.status) + ": " + r.body.substr(0, 300);
  return out;
}

}  // namespace callstream::projector
