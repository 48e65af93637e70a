#pragma once
// The words of the alerts, in English and Brazilian Portuguese: one alert, or a rule's burst
// grouped into one message ("5 missed calls in the last 2 minutes: ..."). Filled with the facts
// the outbox row carries; times in the call center's time zone.
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "alert_rules.hpp"
#include "callstream/core/time_zone.hpp"

namespace callstream::projector {

struct AlertText {
  std::string title;
  std::vector<std::string> lines;  // one per alert
  std::string plain() const;       // title, then the lines
};

// `facts` are the outbox rows' facts (JSON objects), oldest first; `window` how long the burst
// took (for the heading of a group); `line_template` a rule's own words for each line (empty:
// the built-in ones).
AlertText render_alerts(AlertKind kind, const std::vector<std::string>& facts,
                        const std::string& language, const core::TimeZone& tz,
                        std::chrono::seconds window, const std::string& line_template = "");

// The Slack incoming-webhook payload: fallback text and blocks (header, section in mrkdwn).
std::string slack_payload(const AlertText& text);

// "2 min 5 s", "45 s".
std::string duration_text(long long seconds);

}  // namespace callstream::projector
