#include "call_flow_config.hpp"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <cctype>
#include <fstream>
#include <sstream>

namespace callstream::ingress {
namespace {

using Value = rapidjson::Value;

bool sid_like(std::string_view s, std::string_view prefix) {
  if (s.size() != 34 || s.substr(0, 2) != prefix) return false;
  for (char c : s.substr(2))
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

bool e164(std::string_view s) {
  if (s.size() < 8 || s.size() > 16 || s[0] != '+' || s[1] == '0') return false;
  for (char c : s.substr(1))
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

// client:name (letters, digits, _ - . @), sip:..., or an E.164 number.
bool dial_target(std::string_view s) {
  if (s.rfind("client:", 0) == 0) {
    std::string_view name = s.substr(7);
    if (name.empty() || name.size() > 121) return false;
    for (char c : name)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' ||
            c == '@'))
        return false;
    return true;
  }
  if (s.rfind("sip:", 0) == 0) return s.size() > 4 && s.find_first_of(" <>\"") == s.npos;
  return e164(s);
}

// "HH:MM" -> minutes; "24:00" allowed as an end.
std::optional<int> clock_minutes(std::string_view s) {
  if (s.size() != 5 || s[2] != ':') return std::nullopt;
  for (size_t i : {0, 1, 3, 4})
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return std::nullopt;
  int h = (s[0] - '0') * 10 + (s[1] - '0');
  int m = (s[3] - '0') * 10 + (s[4] - '0');
  if (m > 59 || h > 24 || (h == 24 && m != 0)) return std::nullopt;
  return h * 60 + m;
}

bool calendar_date(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  int month = (s[5] - '0') * 10 + (s[6] - '0');
  int day = (s[8] - '0') * 10 + (s[9] - '0');
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

// Reads one JSON object, recording problems under its path; unknown keys are problems too, so a
// misspelt setting is caught at start instead of silently ignored.
class Reader {
 public:
  Reader(core::Problems& problems, std::string path, const Value& object,
         std::initializer_list<const char*> known)
      : problems_(problems), path_(std::move(path)), object_(object) {
    if (!object.IsObject()) {
      fail("", "must be an object");
      return;
    }
    for (auto it = object.MemberBegin(); it != object.MemberEnd(); ++it) {
      std::string_view name(it->name.GetString(), it->name.GetStringLength());
      bool ok = false;
      for (const char* k : known) ok = ok || name == k;
      if (!ok) fail(std::string(name), "unknown setting");
    }
  }

  void fail(const std::string& key, const std::string& problem) {
    std::string where = path_.empty() ? key : (key.empty() ? path_ : path_ + "." + key);
    problems_.push_back((where.empty() ? "" : where + ": ") + problem);
  }

  const Value* get(const char* key) {
    if (!object_.IsObject()) return nullptr;
    auto it = object_.FindMember(key);
    return it == object_.MemberEnd() ? nullptr : &it->value;
  }

  // The object under `key`, read with its own known keys; nullopt when absent.
  std::optional<Reader> object(const char* key, std::initializer_list<const char*> known) {
    const Value* v = get(key);
    if (!v) return std::nullopt;
    return Reader(problems_, child(key), *v, known);
  }

  void string(const char* key, std::string& out, size_t max_size = 4000) {
    const Value* v = get(key);
    if (!v) return;
    if (!v->IsString()) return fail(key, "must be a string");
    if (v->GetStringLength() > max_size)
      return fail(key, "longer than " + std::to_string(max_size) + " characters");
    out.assign(v->GetString(), v->GetStringLength());
  }

  // One of a few names, each standing for a value of `out`; absent keeps the default.
  template <class E>
  void choice(const char* key, std::initializer_list<std::pair<std::string_view, E>> options,
              E& out) {
    const Value* v = get(key);
    if (!v) return;
    if (!v->IsString()) return fail(key, "must be a string");
    std::string_view text(v->GetString(), v->GetStringLength());
    std::string names;
    size_t i = 0;
    for (const auto& [name, value] : options) {
      if (text == name) {
        out = value;
        return;
      }
      names += i == 0 ? "" : i + 1 == options.size() ? " or " : ", ";
      names += name;
      ++i;
    }
    fail(key, "must be " + names);
  }

  void integer(const char* key, int& out, int min, int max) {
    const Value* v = get(key);
    if (!v) return;
    if (!v->IsInt() || v->GetInt() < min || v->GetInt() > max)
      return fail(key,
                  "must be an integer from " + std::to_string(min) + " to " + std::to_string(max));
    out = v->GetInt();
  }

  void boolean(const char* key, bool& out) {
    const Value* v = get(key);
    if (!v) return;
    if (!v->IsBool()) return fail(key, "must be true or false");
    out = v->GetBool();
  }

  void strings(const char* key, std::vector<std::string>& out) {
    const Value* v = get(key);
    if (!v) return;
    if (!v->IsArray()) return fail(key, "must be an array of strings");
    out.clear();
    for (const auto& e : v->GetArray()) {
      if (!e.IsString()) return fail(key, "must be an array of strings");
      out.emplace_back(e.GetString(), e.GetStringLength());
    }
  }

  std::string child(const char* key) const { return path_.empty() ? key : path_ + "." + key; }

 private:
  core::Problems& problems_;
  std::string path_;
  const Value& object_;
};

void check_targets(Reader& r, const char* key, const std::vector<std::string>& targets) {
  for (const auto& t : targets)
    if (!dial_target(t))
      r.fail(key, "'" + t + "' is not client:<name>, sip:<uri> or an E.164 number (+15551234567)");
}

void read_greeting(Reader& r, CallFlowConfig& c) {
  r.choice("mode",
           {{"flex", FlowMode::flex}, {"dial", FlowMode::dial}, {"voicemail", FlowMode::voicemail}},
           c.mode);
  r.string("language", c.language, 16);
  r.string("voice", c.voice, 64);
  r.string("greeting", c.greeting);
  r.string("whisper", c.whisper);
  r.choice(
      "recording",
      {{"dual", RecordingMode::dual}, {"mono", RecordingMode::mono}, {"off", RecordingMode::off}},
      c.recording);
}

void read_flex(Reader& r, CallFlowConfig& c) {
  auto f = r.object("flex",
                    {"workflow_sid", "max_queue_wait_seconds", "hold_message", "hold_music_url"});
  if (!f) {
    if (c.mode == FlowMode::flex) r.fail("flex", "required in flex mode (at least workflow_sid)");
    return;
  }
  f->string("workflow_sid", c.workflow_sid, 34);
  if (!sid_like(c.workflow_sid, "WW")) f->fail("workflow_sid", "must be WW + 32 hex digits");
  f->integer("max_queue_wait_seconds", c.max_queue_wait_seconds, 0, 86400);
  f->string("hold_message", c.hold_message);
  f->string("hold_music_url", c.hold_music_url, 2000);
  if (!c.hold_music_url.empty() && c.hold_music_url.rfind("https://", 0) != 0 &&
      c.hold_music_url.rfind("http://", 0) != 0)
    f->fail("hold_music_url", "must be an http(s) URL");
}

void read_dial_and_failover(Reader& r, CallFlowConfig& c) {
  if (auto d = r.object("dial", {"targets", "ring_seconds"})) {
    d->strings("targets", c.targets);
    check_targets(*d, "targets", c.targets);
    d->integer("ring_seconds", c.ring_seconds, 5, 600);
  }
  if (c.mode == FlowMode::dial && c.targets.empty())
    r.fail("dial.targets", "required in dial mode (at least one client, number or SIP URI)");
  if (auto f = r.object("failover", {"numbers", "ring_seconds"})) {
    f->strings("numbers", c.failover);
    check_targets(*f, "numbers", c.failover);
    f->integer("ring_seconds", c.failover_ring_seconds, 5, 600);
  }
}

void read_voicemail(Reader& r, CallFlowConfig& c) {
  if (auto vm = r.object("voicemail", {"enabled", "prompt", "max_seconds", "goodbye"})) {
    vm->boolean("enabled", c.voicemail_enabled);
    vm->string("prompt", c.voicemail_prompt);
    vm->integer("max_seconds", c.voicemail_max_seconds, 1, 14400);
    vm->string("goodbye", c.goodbye);
  }
  if (c.mode == FlowMode::voicemail && !c.voicemail_enabled)
    r.fail("voicemail.enabled", "cannot be false in voicemail mode");
}

// "mon": ["08:00-12:00", "13:00-18:00"] for each day of the week.
std::array<std::vector<OpenRange>, 7> read_weekly(Reader& days) {
  static constexpr const char* kDays[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
  std::array<std::vector<OpenRange>, 7> weekly;
  for (int d = 0; d < 7; ++d) {
    std::vector<std::string> ranges;
    days.strings(kDays[d], ranges);
    for (const auto& range : ranges) {
      auto dash = range.find('-');
      auto from = clock_minutes(range.substr(0, dash));
      auto to = dash == std::string::npos ? std::nullopt : clock_minutes(range.substr(dash + 1));
      if (!from || !to || *from >= *to || *from == 1440) {
        days.fail(kDays[d], "'" + range +
                                "' is not HH:MM-HH:MM with the start before the end (split a "
                                "range that crosses midnight in two days)");
        continue;
      }
      weekly[d].push_back({*from, *to});
    }
  }
  return weekly;
}

void read_business_hours(Reader& root, CallFlowConfig& config) {
  auto r =
      root.object("business_hours", {"time_zone", "weekly", "closed_dates", "after_hours_message"});
  if (!r) return;
  std::string zone_name;
  r->string("time_zone", zone_name);
  auto zone = core::TimeZone::locate(zone_name);
  if (zone_name.empty())
    r->fail("time_zone", "required (an IANA name, e.g. America/New_York)");
  else if (!zone)
    r->fail("time_zone", zone.error().message);

  std::array<std::vector<OpenRange>, 7> weekly;
  if (auto days = r->object("weekly", {"sun", "mon", "tue", "wed", "thu", "fri", "sat"}))
    weekly = read_weekly(*days);
  else
    r->fail("weekly", "required (open hours per day, e.g. \"mon\": [\"08:00-18:00\"])");
  std::vector<std::string> closed;
  r->strings("closed_dates", closed);
  for (const auto& d : closed)
    if (!calendar_date(d)) r->fail("closed_dates", "'" + d + "' is not YYYY-MM-DD");
  std::string message = "We are closed right now.";
  r->string("after_hours_message", message);
  if (zone) {
    config.business_hours =
        BusinessHours{*zone, std::move(weekly), {closed.begin(), closed.end()}, message};
  }
}

void read_assignment(Reader& r, CallFlowConfig& c) {
  auto a = r.object("assignment", {"post_work_activity_sid", "ring_seconds", "caller_id"});
  if (!a) return;
  a->string("post_work_activity_sid", c.post_work_activity_sid, 34);
  if (!c.post_work_activity_sid.empty() && !sid_like(c.post_work_activity_sid, "WA"))
    a->fail("post_work_activity_sid", "must be WA + 32 hex digits");
  a->integer("ring_seconds", c.agent_ring_seconds, 5, 999);
  a->string("caller_id", c.agent_caller_id, 16);
  if (c.agent_caller_id != "caller" && c.agent_caller_id != "called" && !e164(c.agent_caller_id))
    a->fail("caller_id", "must be \"caller\", \"called\" or an E.164 number");
}

void read_outbound(Reader& r, CallFlowConfig& c) {
  auto o = r.object("outbound", {"ring_seconds", "agent_ring_seconds", "machine_detection",
                                 "on_machine", "machine_message", "no_agent_message"});
  if (!o) return;
  o->integer("ring_seconds", c.outbound_ring_seconds, 5, 600);
  o->integer("agent_ring_seconds", c.outbound_agent_ring_seconds, 5, 600);
  o->choice("machine_detection",
            {{"off", MachineDetection::off},
             {"Enable", MachineDetection::enable},
             {"DetectMessageEnd", MachineDetection::detect_message_end}},
            c.machine_detection);
  o->choice("on_machine", {{"message", OnMachine::message}, {"hangup", OnMachine::hangup}},
            c.on_machine);
  o->string("machine_message", c.machine_message);
  o->string("no_agent_message", c.no_agent_message);
  if (c.on_machine == OnMachine::message && c.machine_detection != MachineDetection::off &&
      c.machine_message.empty())
    o->fail("machine_message", "required when on_machine is message");
}

}  // namespace

core::Result<CallFlowConfig, core::Problems> parse_call_flow(std::string_view json) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError())
    return std::unexpected(core::Problems{"not valid JSON at offset " +
                                          std::to_string(doc.GetErrorOffset()) + ": " +
                                          rapidjson::GetParseError_En(doc.GetParseError())});
  core::Problems problems;
  CallFlowConfig c;
  Reader r(problems, "", doc,
           {"mode", "language", "voice", "greeting", "flex", "dial", "failover", "whisper",
            "recording", "voicemail", "business_hours", "assignment", "outbound"});
  read_greeting(r, c);
  read_flex(r, c);
  read_dial_and_failover(r, c);
  read_voicemail(r, c);
  read_business_hours(r, c);
  read_assignment(r, c);
  read_outbound(r, c);
  if (!problems.empty()) return std::unexpected(std::move(problems));
  return c;
}

const char* to_string(MachineDetection m) {
  switch (m) {
    case MachineDetection::enable:
      return "Enable";
    case MachineDetection::detect_message_end:
      return "DetectMessageEnd";
    case MachineDetection::off:
      break;
  }
  return "off";
}

core::Result<CallFlowConfig, core::Problems> load_call_flow(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::unexpected(core::Problems{"cannot read " + path});
  std::ostringstream text;
  text << in.rdbuf();
  return parse_call_flow(text.str());
}

}  // namespace callstream::ingress
