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
#include <string>

#include "alert_rules.hpp"
#include "callstream/core/metrics.hpp"
#include "callstream/core/time_zone.hpp"
#include "callstream/pg/connection.hpp"
#include "callstream/twilio/rest_client.hpp"

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
  struct Outcome {
    bool ok = false;
    bool retryable = true;
    std::optional<std::chrono::seconds> retry_after;
    std::string error;
    std::string message_id;
  };
  int send_due(const std::string& channel);
  Outcome deliver(const std::string& channel, const std::string& slack_body,
                  const std::string& plain);
  std::chrono::milliseconds backoff(int attempts) const;
  const AlertRule* rule(const std::string& name) const;

  const AlertsConfig& config_;
  AlertRules rules_;
  pg::ConnectionSettings db_settings_;
  std::unique_ptr<pg::Connection> db_;
  core::TimeZone tz_;
  core::Registry& metrics_;
  std::function<double()> lag_;
  twilio::RestClient whatsapp_;
  std::map<std::string, std::chrono::steady_clock::time_point> channel_free_at_;  // rate limits
  std::chrono::steady_clock::time_point next_housekeeping_{};
  core::Gauge& pending_;
  core::Histogram& latency_;
};

}  // namespace callstream::projector
