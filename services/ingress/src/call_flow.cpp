#include "call_flow.hpp"

#include <algorithm>
#include <charconv>

#include "callstream/events/json.hpp"
#include "callstream/twilio/twiml.hpp"

namespace callstream::ingress {
namespace {

std::string param(const twilio::Params& p, std::string_view key) {
  const std::string* v = twilio::find_param(p, key);
  return v ? *v : std::string();
}

int int_param(const twilio::Params& p, std::string_view key, int fallback) {
  const std::string* v = twilio::find_param(p, key);
  int n = 0;
  if (!v || std::from_chars(v->data(), v->data() + v->size(), n).ptr != v->data() + v->size())
    return fallback;
  return n;
}

// Fills {caller}, {caller_city}, {caller_state}; other braces are kept as written.
std::string fill(std::string_view text, const twilio::Params& facts) {
  std::string out;
  for (size_t i = 0; i < text.size();) {
    if (text[i] == '{') {
      size_t end = text.find('}', i);
      if (end != std::string_view::npos) {
        std::string_view name = text.substr(i + 1, end - i - 1);
        if (name == "caller" || name == "caller_city" || name == "caller_state") {
          out += param(facts, name);
          i = end + 1;
          continue;
        }
      }
    }
    out += text[i++];
  }
  return out;
}

// <Client>, <Sip> or <Number> inside a <Dial>, by the target's form.
void dial_noun(twilio::TwimlWriter& w, const std::string& target,
               twilio::TwimlWriter::Attrs attrs) {
  if (target.rfind("client:", 0) == 0)
    w.element("Client", std::move(attrs), target.substr(7));
  else if (target.rfind("sip:", 0) == 0)
    w.element("Sip", std::move(attrs), target);
  else
    w.element("Number", std::move(attrs), target);
}

// A <Dial> nobody answered: the next step of the chain may.
bool unanswered(const twilio::Params& p) {
  std::string status = param(p, "DialCallStatus");
  return status == "busy" || status == "no-answer" || status == "failed";
}

const char* dial_record(RecordingMode m) {
  return m == RecordingMode::dual ? "record-from-answer-dual" : "record-from-answer";
}

}  // namespace

class CallFlow::Builder {
 public:
  explicit Builder(const CallFlowConfig& c) : config_(c) {}
  twilio::TwimlWriter& twiml() { return w_; }
  void say(std::string_view text) {
    if (text.empty()) return;
    twilio::TwimlWriter::Attrs attrs;
    if (!config_.language.empty()) attrs.emplace_back("language", config_.language);
    if (!config_.voice.empty()) attrs.emplace_back("voice", config_.voice);
    w_.element("Say", std::move(attrs), text);
  }
  FlowAnswer done(std::string outcome) {
    return FlowAnswer{w_.finish(), "application/xml", outcome};
  }

 private:
  const CallFlowConfig& config_;
  twilio::TwimlWriter w_;
};

CallFlow::CallFlow(CallFlowConfig config, std::string base_url)
    : config_(std::move(config)), base_url_(std::move(base_url)) {
  if (config_.mode == FlowMode::dial) chain_ = config_.targets;
  chain_.insert(chain_.end(), config_.failover.begin(), config_.failover.end());
}

std::string CallFlow::url(std::string_view path, const twilio::Params& query) const {
  std::string u = base_url_ + std::string(path);
  if (!query.empty()) u += "?" + twilio::encode_form(query);
  return u;
}

bool CallFlow::open_at(core::SysMillis t) const {
  if (!config_.business_hours) return true;
  const BusinessHours& h = *config_.business_hours;
  core::LocalTime local = h.time_zone.local(t);
  if (h.closed_dates.count(local.date())) return false;
  const auto& ranges = h.weekly[static_cast<size_t>(local.weekday)];
  return std::any_of(ranges.begin(), ranges.end(), [&](const OpenRange& r) {
    return local.minute_of_day >= r.from_minute && local.minute_of_day < r.to_minute;
  });
}

FlowAnswer CallFlow::voicemail(Builder& b) const {
  if (!config_.voicemail_enabled) {
    b.say(config_.goodbye);
    b.twiml().element("Hangup");
    return b.done("hangup");
  }
  b.say(config_.voicemail_prompt);
  b.twiml().element("Record", {{"action", url("/dial_status", {{"stage", "voicemail"}})},
                               {"finishOnKey", "#"},
                               {"maxLength", std::to_string(config_.voicemail_max_seconds)},
                               {"playBeep", "true"},
                               {"recordingStatusCallback", url("/recording_status")},
                               {"recordingStatusCallbackEvent", "in-progress completed absent"}});
  // Reached only when nothing was recorded (Twilio then skips the action).
  b.say(config_.goodbye);
  b.twiml().element("Hangup");
  return b.done("voicemail");
}

FlowAnswer CallFlow::chain_step(Builder& b, size_t step, const twilio::Params& caller) const {
  if (step >= chain_.size()) return voicemail(b);
  const std::string& target = chain_[step];
  bool failover = step >= chain_.size() - config_.failover.size();
  int ring = failover ? config_.failover_ring_seconds : config_.ring_seconds;

  twilio::TwimlWriter::Attrs dial = {
      {"action", url("/dial_status",
                     {{"stage", "chain"}, {"step", std::to_string(step)}, {"target", target}})},
      {"timeout", std::to_string(ring)}};
  if (config_.recording != RecordingMode::off) {
    dial.emplace_back("record", dial_record(config_.recording));
    dial.emplace_back("recordingStatusCallback", url("/recording_status"));
    dial.emplace_back("recordingStatusCallbackEvent", "in-progress completed absent");
  }
  b.twiml().open("Dial", std::move(dial));
  twilio::TwimlWriter::Attrs noun;
  if (!config_.whisper.empty()) noun.emplace_back("url", url("/whisper", caller));
  dial_noun(b.twiml(), target, std::move(noun));
  b.twiml().close();
  return b.done(failover ? "failover" : "dialing");
}

FlowAnswer CallFlow::voice(const twilio::Params& p, core::SysMillis now) const {
  Builder b(config_);
  if (!open_at(now)) {
    b.say(config_.business_hours->after_hours_message);
    FlowAnswer a = voicemail(b);
    a.outcome = "after_hours";
    return a;
  }
  b.say(config_.greeting);
  twilio::Params caller = {{"caller", param(p, "From")},
                           {"caller_city", param(p, "FromCity")},
                           {"caller_state", param(p, "FromState")}};
  switch (config_.mode) {
    case FlowMode::voicemail:
      return voicemail(b);
    case FlowMode::dial:
      return chain_step(b, 0, caller);
    case FlowMode::flex:
      break;
  }
  // Task attributes: what Flex shows the agent and what /assignment reads back.
  events::JsonWriter task;
  task.begin_object()
      .field("type", "inbound")
      .field("call_sid", param(p, "CallSid"))
      .field("from", param(p, "From"))
      .field("to", param(p, "To"))
      .field("name", param(p, "From"))
      .field("caller_city", param(p, "FromCity"))
      .field("caller_state", param(p, "FromState"))
      .field("caller_country", param(p, "FromCountry"))
      .field("direction", "inbound")
      .end_object();
  b.twiml().open("Enqueue", {{"action", url("/dial_status", {{"stage", "queue"}})},
                             {"waitUrl", url("/queue_wait")},
                             {"waitUrlMethod", "POST"},
                             {"workflowSid", config_.workflow_sid}});
  b.twiml().element("Task", {}, task.str());
  b.twiml().close();
  return b.done("enqueued");
}

FlowAnswer CallFlow::queue_wait(const twilio::Params& p) const {
  Builder b(config_);
  int waited = int_param(p, "QueueTime", 0);
  if (config_.max_queue_wait_seconds > 0 && waited >= config_.max_queue_wait_seconds) {
    b.twiml().element("Leave");
    return b.done("leave");
  }
  b.say(config_.hold_message);
  if (!config_.hold_music_url.empty()) {
    b.twiml().element("Play", {}, config_.hold_music_url);
  } else {
    // Twilio requests this URL again when the document ends: pause until the next check.
    int pause = 20;
    if (config_.max_queue_wait_seconds > 0)
      pause = std::clamp(config_.max_queue_wait_seconds - waited, 1, 20);
    b.twiml().element("Pause", {{"length", std::to_string(pause)}});
  }
  return b.done("holding");
}

FlowAnswer CallFlow::dial_status(const twilio::Params& p, const twilio::Params& query) const {
  std::string stage = param(query, "stage");
  Builder b(config_);
  twilio::Params caller = {{"caller", param(p, "From")},
                           {"caller_city", param(p, "FromCity")},
                           {"caller_state", param(p, "FromState")}};
  if (stage == "queue") {
    // QueueResult: bridged, bridging-in-process, queue-full, redirected, hangup, error,
    // system-error, leave. Only a caller still waiting for someone goes on to the failover.
    std::string result = param(p, "QueueResult");
    if (result == "leave" || result == "queue-full" || result == "error" ||
        result == "system-error") {
      size_t first_failover = chain_.size() - config_.failover.size();
      return chain_step(b, first_failover, caller);
    }
    b.twiml().element("Hangup");
    return b.done("hangup");
  }
  if (stage == "chain") {
    if (unanswered(p)) {
      int step = int_param(query, "step", -1);
      // A step outside the chain (the file changed mid-call) goes to voicemail.
      size_t next = step < 0 ? chain_.size() : static_cast<size_t>(step) + 1;
      return chain_step(b, next, caller);
    }
    b.twiml().element("Hangup");  // completed, answered, canceled: the call is over
    return b.done("hangup");
  }
  if (stage == "outbound") {
    if (unanswered(p)) {
      int step = int_param(query, "step", -1);
      return outbound_step(b,
                           step < 0 ? config_.failover.size() + 1 : static_cast<size_t>(step) + 1,
                           param(query, "agent"), param(p, "To"));
    }
    b.twiml().element("Hangup");
    return b.done("hangup");
  }
  if (stage == "client") {  // the softphone's call (/client_voice) is over: the agent hangs up
    b.twiml().element("Hangup");
    return b.done("hangup");
  }
  // stage=voicemail (the <Record action>), or anything unknown: end the call politely.
  b.say(config_.goodbye);
  b.twiml().element("Hangup");
  return b.done("hangup");
}

FlowAnswer CallFlow::whisper(const twilio::Params& query) const {
  Builder b(config_);
  b.say(fill(config_.whisper, query));
  return b.done("whisper");
}

FlowAnswer CallFlow::outbound(const twilio::Params& p, const twilio::Params& query) const {
  Builder b(config_);
  // AnsweredBy (synchronous AMD): human, unknown, machine_start, machine_end_beep,
  // machine_end_silence, machine_end_other, fax.
  std::string answered_by = param(p, "AnsweredBy");
  if (answered_by.rfind("machine", 0) == 0 || answered_by == "fax") {
    if (config_.on_machine == OnMachine::message && answered_by != "fax") {
      b.say(config_.machine_message);
      b.twiml().element("Hangup");
      return b.done("machine_message");
    }
    b.twiml().element("Hangup");
    return b.done("machine_hangup");
  }
  std::string agent = param(query, "agent");
  if (agent.empty()) {  // not a URL /make_call gave Twilio
    b.say(config_.no_agent_message);
    b.twiml().element("Hangup");
    return b.done("no_agent");
  }
  return outbound_step(b, 0, agent, param(p, "To"));
}

FlowAnswer CallFlow::outbound_step(Builder& b, size_t step, const std::string& agent,
                                   const std::string& callee) const {
  // Step 0 rings the agent's client; then the failover numbers in order; then the message.
  if (step > config_.failover.size()) {
    b.say(config_.no_agent_message);
    b.twiml().element("Hangup");
    return b.done("no_agent");
  }
  twilio::TwimlWriter::Attrs dial = {
      {"action", url("/dial_status",
                     {{"stage", "outbound"}, {"step", std::to_string(step)}, {"agent", agent}})},
      {"timeout", std::to_string(step == 0 ? config_.outbound_agent_ring_seconds
                                           : config_.failover_ring_seconds)}};
  // The agent sees the customer's number; the whisper names them before the bridge.
  if (!callee.empty()) dial.emplace_back("callerId", callee);
  b.twiml().open("Dial", std::move(dial));
  twilio::TwimlWriter::Attrs noun;
  if (!config_.whisper.empty()) noun.emplace_back("url", url("/whisper", {{"caller", callee}}));
  if (step == 0) {
    b.twiml().element("Client", std::move(noun), agent);
    b.twiml().close();
    return b.done("connecting_agent");
  }
  dial_noun(b.twiml(), config_.failover[step - 1], std::move(noun));
  b.twiml().close();
  return b.done("failover");
}

FlowAnswer CallFlow::assignment(const twilio::Params& p) const {
  std::string attributes = param(p, "TaskAttributes");
  auto doc = events::JsonDocument::parse(attributes);
  auto call_sid = doc ? doc->string_at({"call_sid"}) : std::nullopt;
  events::JsonWriter w;
  w.begin_object();
  if (!call_sid || call_sid->empty()) {
    // Not a voice task created by <Enqueue> (dequeue needs one): just accept it.
    w.field("instruction", "accept").end_object();
    return FlowAnswer{w.str(), "application/json", "accept"};
  }
  std::string from;
  if (config_.agent_caller_id == "caller")
    from = std::string(doc->string_at({"from"}).value_or(""));
  else if (config_.agent_caller_id == "called")
    from = std::string(doc->string_at({"to"}).value_or(""));
  else
    from = config_.agent_caller_id;
  w.field("instruction", "dequeue");
  if (!from.empty()) w.field("from", from);  // else TaskRouter uses the number the caller dialed
  w.field("record", config_.recording == RecordingMode::off ? "do-not-record"
                                                            : dial_record(config_.recording));
  w.key("timeout").integer(config_.agent_ring_seconds);
  w.field("status_callback_url", url("/call_status"));
  w.field("status_callback_events", "initiated,ringing,answered,completed");
  if (!config_.post_work_activity_sid.empty())
    w.field("post_work_activity_sid", config_.post_work_activity_sid);
  w.end_object();
  return FlowAnswer{w.str(), "application/json", "dequeue"};
}

}  // namespace callstream::ingress
