// Alert rules configuration and the words of the alerts, in English and Portuguese.
#include <catch2/catch.hpp>

#include "alert_rules.hpp"
#include "alert_templates.hpp"
#include "callstream/core/env.hpp"
#include "callstream/events/json.hpp"
#include "result_helpers.hpp"

using namespace callstream;
using projector::AlertKind;

namespace {

projector::AlertsConfig channels() {
  projector::AlertsConfig c;
  c.slack_webhook_url = "https://hooks.slack.com/services/T0/B0/x";
  c.whatsapp_from = "whatsapp:+14155238886";
  c.whatsapp_to = {"whatsapp:+13055550100", "whatsapp:+5511987654321"};
  return c;
}

core::TimeZone new_york() { return *core::TimeZone::locate("America/New_York"); }

}  // namespace

TEST_CASE("without a rules file every kind is on, on every configured channel", "[alerts]") {
  auto c = channels();
  REQUIRE(projector::parse_alert_rules("", c));
  REQUIRE(c.rules.size() == 7);
  CHECK(c.rules[0].kind == AlertKind::missed_inbound_call);
  CHECK(c.rules[0].channels ==
        std::vector<std::string>{"slack", "whatsapp:+13055550100", "whatsapp:+5511987654321"});
  CHECK(c.rules[3].kind == AlertKind::long_queue_wait);
  CHECK(c.rules[3].threshold == 120);
  projector::AlertsConfig none;
  REQUIRE(projector::parse_alert_rules("", none));
  CHECK_FALSE(none.enabled());
}

TEST_CASE("a rules file: names, channels, thresholds, windows and quiet hours", "[alerts]") {
  auto c = channels();
  auto parsed = projector::parse_alert_rules(R"({
    "language": "pt-BR",
    "rules": [
      {"name": "perdidas", "kind": "missed_inbound_call", "channels": ["whatsapp"],
       "group_window_seconds": 120, "quiet_hours": "22:00-07:00"},
      {"kind": "long_queue_wait", "threshold": 300, "channels": ["slack"]}
    ]})",
                                             c);
  REQUIRE(parsed);
  CHECK(c.language == "pt-BR");
  REQUIRE(c.rules.size() == 2);
  CHECK(c.rules[0].name == "perdidas");
  CHECK(c.rules[0].channels.size() == 2);
  CHECK(c.rules[0].group_window == std::chrono::seconds(120));
  REQUIRE(c.rules[0].quiet_hours);
  CHECK(c.rules[0].quiet_hours->contains(23 * 60));
  CHECK(c.rules[0].quiet_hours->contains(6 * 60 + 59));
  CHECK_FALSE(c.rules[0].quiet_hours->contains(7 * 60));
  CHECK(c.rules[1].name == "long_queue_wait");
  CHECK(c.rules[1].threshold == 300);
}

TEST_CASE("every mistake in the rules file is reported at once", "[alerts]") {
  projector::AlertsConfig slack_only;
  slack_only.slack_webhook_url = "https://hooks.slack.com/services/T0/B0/x";
  {
    auto parsed = projector::parse_alert_rules(R"({"rules": [
      {"kind": "missed_call", "channels": ["slack"]},
      {"kind": "voicemail_left", "channels": ["whatsapp", "email"]},
      {"kind": "voicemail_left", "channels": ["slack"], "quiet_hours": "25:00-07:00", "colour": 1}
    ], "langauge": "en"})",
                                               slack_only);
    REQUIRE_FALSE(parsed);
    std::string what = test::problems_of(parsed);
    CHECK(what.find("langauge: unknown setting") != std::string::npos);
    CHECK(what.find("rules[0].kind: must be missed_inbound_call") != std::string::npos);
    CHECK(what.find("whatsapp needs WHATSAPP_FROM and WHATSAPP_TO") != std::string::npos);
    CHECK(what.find("'email' is neither slack nor whatsapp") != std::string::npos);
    CHECK(what.find("rules[2].name: 'voicemail_left' is used twice") != std::string::npos);
    CHECK(what.find("rules[2].quiet_hours") != std::string::npos);
    CHECK(what.find("rules[2].colour: unknown setting") != std::string::npos);
  }
  CHECK(test::problems_of(projector::parse_alert_rules("{", slack_only)) ==
        "not valid JSON at offset 1: Missing a name for object member.\n");
}

TEST_CASE("a missed call is told with its facts, in the call center's time", "[alerts]") {
  std::string facts =
      R"({"caller":"+13055550100","called":"+18005551212","at":"2026-03-02T15:05:00.123+00:00",)"
      R"("reason":"abandoned","wait_seconds":95,"queue":"Support"})";
  auto en = projector::render_alerts(AlertKind::missed_inbound_call, {facts}, "en", new_york(),
                                     std::chrono::seconds(0));
  CHECK(en.title == "Missed call");
  REQUIRE(en.lines.size() == 1);
  CHECK(en.lines[0] ==
        "+13055550100 called +18005551212 at 2026-03-02 10:05 (hung up in the queue after 1 min "
        "35 s, queue Support)");
  auto pt = projector::render_alerts(AlertKind::missed_inbound_call, {facts}, "pt-BR", new_york(),
                                     std::chrono::seconds(0));
  CHECK(pt.title == "Chamada perdida");
  CHECK(pt.lines[0] ==
        "+13055550100 ligou para +18005551212 às 2026-03-02 10:05 (desligou na fila após 1 min "
        "35 s, fila Support)");
}

TEST_CASE("a burst is one message with a heading and at most ten lines", "[alerts]") {
  std::vector<std::string> facts;
  for (int i = 0; i < 12; ++i)
    facts.push_back(
        R"({"caller":"+1305555010)" + std::to_string(i % 10) +
        R"(","called":"+18005551212","at":"2026-03-02T15:05:00Z","reason":"busy","wait_seconds":3})");
  auto t = projector::render_alerts(AlertKind::missed_inbound_call, facts, "en", new_york(),
                                    std::chrono::seconds(110));
  CHECK(t.title == "12 missed calls in the last 2 minutes");
  REQUIRE(t.lines.size() == 11);
  CHECK(t.lines[0].rfind("• +13055550100 called", 0) == 0);
  CHECK(t.lines[10] == "… and 2 more");
  auto pt = projector::render_alerts(AlertKind::voicemail_left, {facts[0], facts[1]}, "pt-BR",
                                     new_york(), std::chrono::seconds(45));
  CHECK(pt.title == "2 mensagens de voz nos últimos 45 segundos");
}

TEST_CASE("voicemail carries its link, Slack gets blocks with escaped text", "[alerts]") {
  std::string facts =
      R"({"caller":"+13055550100","called":"+18005551212","at":"2026-03-02T15:05:00Z",)"
      R"("recording_url":"https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1","duration_seconds":"42"})";
  auto t = projector::render_alerts(AlertKind::voicemail_left, {facts}, "en", new_york(),
                                    std::chrono::seconds(0));
  CHECK(t.lines[0] ==
        "+13055550100 left a 42 s message for +18005551212 at 2026-03-02 10:05: "
        "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1");
  projector::AlertText x{"Alert <1>", {"a & b <c>"}};
  auto doc = events::JsonDocument::parse(projector::slack_payload(x));
  REQUIRE(doc);
  CHECK(doc->string_at({"text"}) == "Alert <1>\na & b <c>");
  auto blocks = doc->json_at({"blocks"});
  REQUIRE(blocks);
  CHECK(blocks->find(R"("type":"header")") != std::string::npos);
  CHECK(blocks->find("a &amp; b &lt;c&gt;") != std::string::npos);
}

TEST_CASE("a rule's own template fills the facts it names", "[alerts]") {
  auto c = channels();
  REQUIRE(projector::parse_alert_rules(
      R"({"rules": [{"kind": "missed_inbound_call", "channels": ["slack"],
    "template": "Ligar de volta para {caller} ({reason}, {wait}) - {time} {unknown}"}]})",
      c));
  REQUIRE(c.rules.size() == 1);
  std::string facts =
      R"({"caller":"+5511987654321","at":"2026-03-02T15:05:00Z","reason":"busy","wait_seconds":12})";
  auto t = projector::render_alerts(AlertKind::missed_inbound_call, {facts}, "pt-BR", new_york(),
                                    std::chrono::seconds(0), c.rules[0].line_template);
  CHECK(t.title == "Chamada perdida");
  CHECK(t.lines[0] ==
        "Ligar de volta para +5511987654321 (linha ocupada, 12 s) - 2026-03-02 10:05 {unknown}");
}

TEST_CASE("durations read naturally", "[alerts]") {
  CHECK(projector::duration_text(0) == "0 s");
  CHECK(projector::duration_text(59) == "59 s");
  CHECK(projector::duration_text(60) == "1 min");
  CHECK(projector::duration_text(125) == "2 min 5 s");
  CHECK(projector::duration_text(-1) == "?");
}
