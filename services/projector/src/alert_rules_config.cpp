// ALERT_RULES_FILE: the JSON rules file read into AlertsConfig, every problem reported at once
// with its place in the file (docs/alerts.md has the format).
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <set>

#include "alert_rules.hpp"

namespace callstream::projector {
namespace {

using Value = rapidjson::Value;

long long default_threshold(AlertKind k) {
  return k == AlertKind::long_queue_wait ? 120 : k == AlertKind::projection_lag ? 10000 : 0;
}

// Adds the channels `name` stands for (WhatsApp: one per recipient); false when that channel is
// not configured.
bool expand(const AlertsConfig& config, std::string_view name, std::vector<std::string>& out) {
  if (name == "slack") {
    if (config.slack_webhook_url.empty()) return false;
    out.emplace_back("slack");
    return true;
  }
  if (name == "whatsapp") {
    if (config.whatsapp_from.empty() || config.whatsapp_to.empty()) return false;
    for (const auto& to : config.whatsapp_to) out.push_back(to);
    return true;
  }
  return false;
}

// Without a rules file: every kind, on every configured channel (none configured: no rules).
std::vector<AlertRule> default_rules(const AlertsConfig& config) {
  std::vector<std::string> all;
  expand(config, "slack", all);
  expand(config, "whatsapp", all);
  std::vector<AlertRule> rules;
  if (all.empty()) return rules;
  for (auto k : kAlertKinds) {
    AlertRule r;
    r.name = to_string(k);
    r.kind = k;
    r.channels = all;
    r.threshold = default_threshold(k);
    rules.push_back(std::move(r));
  }
  return rules;
}

// "HH:MM" -> minutes after midnight, or -1.
int minutes(std::string_view hhmm) {
  if (hhmm.size() != 5 || hhmm[2] != ':') return -1;
  for (size_t i : {0, 1, 3, 4})
    if (hhmm[i] < '0' || hhmm[i] > '9') return -1;
  int h = (hhmm[0] - '0') * 10 + (hhmm[1] - '0'), m = (hhmm[3] - '0') * 10 + (hhmm[4] - '0');
  return h < 24 && m < 60 ? h * 60 + m : -1;
}

// Reads the rules of one file, recording each problem under its place ("rules[2].channels").
class RuleReader {
 public:
  RuleReader(const AlertsConfig& config, core::Problems& problems)
      : config_(config), problems_(problems) {}

  void fail(const std::string& where, const std::string& what) {
    problems_.push_back(where + ": " + what);
  }

  // One rule, or nullopt when it is not an object or has no valid kind (its other problems are
  // recorded all the same).
  std::optional<AlertRule> rule(const Value& v, const std::string& where) {
    if (!v.IsObject()) {
      fail(where, "must be an object");
      return std::nullopt;
    }
    unknown_keys(v, where);
    std::optional<AlertKind> kind;
    if (v.HasMember("kind") && v["kind"].IsString()) kind = alert_kind(v["kind"].GetString());
    if (!kind) {
      fail(where + ".kind",
           "must be missed_inbound_call, voicemail_left, outbound_call_failed, "
           "long_queue_wait, recording_failed, projection_lag or dead_letters");
      return std::nullopt;
    }
    AlertRule r;
    r.kind = *kind;
    r.threshold = default_threshold(*kind);
    name(v, where, r);
    channels(v, where, r);
    threshold(v, where, r);
    group_window(v, where, r);
    quiet_hours(v, where, r);
    line_template(v, where, r);
    return r;
  }

 private:
  void unknown_keys(const Value& v, const std::string& where) {
    for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
      std::string_view key = m->name.GetString();
      if (key != "name" && key != "kind" && key != "channels" && key != "threshold" &&
          key != "group_window_seconds" && key != "quiet_hours" && key != "template")
        fail(where + "." + std::string(key), "unknown setting");
    }
  }

  void name(const Value& v, const std::string& where, AlertRule& r) {
    r.name =
        v.HasMember("name") && v["name"].IsString() ? v["name"].GetString() : to_string(r.kind);
    if (r.name.empty() || r.name.find(':') != std::string::npos)
      fail(where + ".name", "must be a non-empty name without ':'");
    if (!names_.insert(r.name).second) fail(where + ".name", "'" + r.name + "' is used twice");
  }

  void channels(const Value& v, const std::string& where, AlertRule& r) {
    if (!v.HasMember("channels") || !v["channels"].IsArray() || v["channels"].Empty())
      return fail(where + ".channels", "required: [\"slack\"], [\"whatsapp\"] or both");
    for (const auto& ch : v["channels"].GetArray()) {
      std::string name = ch.IsString() ? ch.GetString() : "";
      if (name != "slack" && name != "whatsapp")
        fail(where + ".channels", "'" + name + "' is neither slack nor whatsapp");
      else if (!expand(config_, name, r.channels))
        fail(where + ".channels", name == "slack" ? "slack needs SLACK_WEBHOOK_URL"
                                                  : "whatsapp needs WHATSAPP_FROM and WHATSAPP_TO");
    }
  }

  void threshold(const Value& v, const std::string& where, AlertRule& r) {
    if (!v.HasMember("threshold")) return;
    if (!v["threshold"].IsInt64() || v["threshold"].GetInt64() < 1)
      return fail(where + ".threshold", "must be a positive integer");
    r.threshold = v["threshold"].GetInt64();
  }

  void group_window(const Value& v, const std::string& where, AlertRule& r) {
    if (!v.HasMember("group_window_seconds")) return;
    const auto& g = v["group_window_seconds"];
    if (!g.IsInt() || g.GetInt() < 0 || g.GetInt() > 86400)
      return fail(where + ".group_window_seconds", "must be an integer from 0 to 86400");
    r.group_window = std::chrono::seconds(g.GetInt());
  }

  void quiet_hours(const Value& v, const std::string& where, AlertRule& r) {
    if (!v.HasMember("quiet_hours")) return;
    std::string q = v["quiet_hours"].IsString() ? v["quiet_hours"].GetString() : "";
    auto dash = q.find('-');
    int from = dash == std::string::npos ? -1 : minutes(std::string_view(q).substr(0, dash));
    int to = dash == std::string::npos ? -1 : minutes(std::string_view(q).substr(dash + 1));
    if (from < 0 || to < 0 || from == to)
      return fail(where + ".quiet_hours", "must be \"HH:MM-HH:MM\" (local time, e.g. 22:00-07:00)");
    r.quiet_hours = QuietHours{from, to};
  }

  void line_template(const Value& v, const std::string& where, AlertRule& r) {
    if (!v.HasMember("template")) return;
    const auto& t = v["template"];
    if (!t.IsString() || t.GetStringLength() == 0 || t.GetStringLength() > 500)
      return fail(where + ".template", "must be a line of text (at most 500 characters)");
    r.line_template = t.GetString();
  }

  const AlertsConfig& config_;
  core::Problems& problems_;
  std::set<std::string> names_;
};

void read_language(const rapidjson::Document& doc, RuleReader& reader, AlertsConfig& config) {
  if (!doc.HasMember("language")) return;
  const auto& l = doc["language"];
  std::string_view text = l.IsString() ? l.GetString() : "";
  if (text != "en" && text != "pt-BR")
    return reader.fail("language", "must be \"en\" or \"pt-BR\"");
  config.language = text;
}

}  // namespace

const char* to_string(AlertKind k) {
  switch (k) {
    case AlertKind::missed_inbound_call:
      return "missed_inbound_call";
    case AlertKind::voicemail_left:
      return "voicemail_left";
    case AlertKind::outbound_call_failed:
      return "outbound_call_failed";
    case AlertKind::long_queue_wait:
      return "long_queue_wait";
    case AlertKind::recording_failed:
      return "recording_failed";
    case AlertKind::projection_lag:
      return "projection_lag";
    case AlertKind::dead_letters:
      return "dead_letters";
  }
  return "unknown";
}

std::optional<AlertKind> alert_kind(std::string_view name) {
  for (auto k : kAlertKinds)
    if (name == to_string(k)) return k;
  return std::nullopt;
}

bool QuietHours::contains(int m) const {
  if (from_minute <= to_minute) return m >= from_minute && m < to_minute;
  return m >= from_minute || m < to_minute;  // across midnight
}

core::Result<void, core::Problems> parse_alert_rules(std::string_view json, AlertsConfig& config) {
  config.rules.clear();
  if (json.empty()) {
    config.rules = default_rules(config);
    return {};
  }
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError())
    return std::unexpected(core::Problems{"not valid JSON at offset " +
                                          std::to_string(doc.GetErrorOffset()) + ": " +
                                          rapidjson::GetParseError_En(doc.GetParseError())});
  if (!doc.IsObject()) return std::unexpected(core::Problems{"must be a JSON object"});
  core::Problems problems;
  RuleReader reader(config, problems);
  for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
    std::string key = it->name.GetString();
    if (key != "language" && key != "rules") reader.fail(key, "unknown setting");
  }
  read_language(doc, reader, config);
  if (!doc.HasMember("rules") || !doc["rules"].IsArray()) {
    reader.fail("rules", "required: an array of rules");
  } else {
    size_t i = 0;
    for (const auto& v : doc["rules"].GetArray())
      if (auto rule = reader.rule(v, "rules[" + std::to_string(i++) + "]"))
        config.rules.push_back(std::move(*rule));
  }
  if (!problems.empty()) return std::unexpected(std::move(problems));
  return {};
}

}  // namespace callstream::projector
