#pragma once
// Delivers the alert outbox: Slack incoming webhooks and WhatsApp through Twilio's Messages API.
// At least once, never flooding: each channel has a rate limit (Slack about one message a
// second); a rule's alerts that fall due within its group window go out as one message; 429 is
// honoured (Retry-After pauses the channel), other failures back off exponentially with jitter;
// past ALERT_MAX_ATTEMPTS an alert is dead with its error kept; quiet hours hold a rule's alerts
// until they end. A missed-call alert is checked once more before it goes: an answer that
// arrived during the settle time cancels it. Rows are claimed with FOR UPDATE SKIP LOCKED, so
// several projector instances share the work without sending twice.
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "alert_rules.hpp"
#include "callstream/core/metrics.hpp"
#include "callstream/core/result.hpp"
#include "callstream/core/time_zone.hpp"
#include "callstream/pg/connection.hpp"
#include "callstream/twilio/rest_client.hpp"
#include "projector_metrics.hpp"

namespace callstream::projector {

class AlertSender {
 public:
  AlertSender(const AlertsConfig& config, pg::ConnectionSettings db, core::TimeZone tz,
              core::Registry& metrics, std::function<double()> lag);

  // Sends until `stop`; PostgreSQL or channel failures are logged and retried, never fatal.
  void run(const std::atomic<bool>& stop);
  // One pass over the channels: what is due goes out. Returns the messages sent.
  int tick();

 private:
  // One rule's alerts due on a channel, oldest first.
  struct DueAlerts {
    std::string rule_name;
    std::vector<int64_t> ids;
    std::vector<std::string> facts;  // JSON, one per alert
    std::vector<double> ages;        // seconds since each was written
    int attempts = 0;                // the most any of them has had
    std::chrono::seconds spread{0};  // from the first written to the last
  };
  // Why a message did not go, and the pause the channel asked for (Retry-After) if it did.
  struct Undelivered {
    core::Error error;
    std::optional<std::chrono::seconds> retry_after;
  };
  using Delivery = core::Result<std::string, Undelivered>;  // the channel's message id

  // The policies, in the order a rule's alerts meet them; sends at most one message.
  int send_due(const std::string& channel);
  std::optional<DueAlerts> due(const std::string& channel, const std::vector<std::string>& held);
  // Quiet hours: the alerts wait until they end (true: held).
  bool hold_for_quiet_hours(const AlertRule& r, const DueAlerts& alerts);
  // Grouping: after a message, the rule's next ones wait out its window and go together.
  bool in_group_window(const AlertRule& r, const std::string& channel);
  // The settle check of missed calls: those answered after all are canceled and dropped.
  void drop_answered(DueAlerts& alerts);
  // Delivery: sends one message for the alerts and records the outcome in `tx`.
  int send(const AlertRule& r, const std::string& channel, const DueAlerts& alerts,
           pg::Transaction& tx);
  Delivery deliver(const std::string& channel, const std::string& slack_body,
                   const std::string& plain);
  Delivery deliver_slack(const std::string& body);
  Delivery deliver_whatsapp(const std::string& to, const std::string& plain);
  std::chrono::milliseconds backoff(int attempts) const;
  const AlertRule* rule(const std::string& name) const;

  const AlertsConfig& config_;
  AlertRules rules_;
  pg::ConnectionSettings db_settings_;
  std::unique_ptr<pg::Connection> db_;
  core::TimeZone tz_;
  std::function<double()> lag_;
  twilio::RestClient whatsapp_;
  std::map<std::string, std::chrono::steady_clock::time_point> channel_free_at_;  // rate limits
  std::chrono::steady_clock::time_point next_housekeeping_{};
  AlertMetrics counted_;
};

}  // namespace callstream::projector
