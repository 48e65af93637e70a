#pragma once
// The call flow of the call center as configuration (CALL_FLOW_FILE, JSON): what a caller hears
// and where the call goes. Validated at start: every problem is reported at once, with its path
// in the file. docs/configuration.md has the full format and an example.
#include <array>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "callstream/core/result.hpp"
#include "callstream/core/time_zone.hpp"

namespace callstream::ingress {

enum class FlowMode {
  flex,       // <Enqueue workflowSid>: TaskRouter picks the agent (Twilio Flex)
  dial,       // <Dial> each target in order
  voicemail,  // straight to voicemail (also the flow when no CALL_FLOW_FILE is given)
};

enum class RecordingMode { dual, mono, off };

// Answering-machine detection on outbound calls (Twilio's MachineDetection).
enum class MachineDetection { off, enable, detect_message_end };
// What an outbound call answered by a machine gets.
enum class OnMachine { message, hangup };

struct OpenRange {
  int from_minute = 0;  // inclusive, minutes after local midnight
  int to_minute = 0;    // exclusive; 1440 = midnight at the end of the day
};

struct BusinessHours {
  core::TimeZone time_zone;
  std::array<std::vector<OpenRange>, 7> weekly;  // index: 0 = Sunday
  std::set<std::string> closed_dates;            // "2026-12-25", local dates
  std::string after_hours_message;
};

struct CallFlowConfig {
  FlowMode mode = FlowMode::voicemail;
  std::string language = "en-US";  // <Say language>
  std::string voice;               // <Say voice>, e.g. Polly.Joanna; empty = Twilio's default
  std::string greeting;            // said first on every answered inbound call (may be empty)

  // Flex mode.
  std::string workflow_sid;        // WW...
  int max_queue_wait_seconds = 0;  // then the caller leaves the queue for failover (0 = no limit)
  std::string hold_message;        // said while waiting
  std::string hold_music_url;      // played while waiting (empty: silence between messages)

  // Dial mode: agents' clients ("client:alice"), numbers (E.164) or SIP URIs, rung in order.
  std::vector<std::string> targets;
  int ring_seconds = 20;

  // Rung in order after the queue or the dial targets (no-answer, busy, failed, queue timeout).
  std::vector<std::string> failover;
  int failover_ring_seconds = 20;

  // Said to the answering agent before the legs are bridged; {caller}, {caller_city},
  // {caller_state} are filled in. Empty = no whisper.
  std::string whisper;

  RecordingMode recording = RecordingMode::dual;

  bool voicemail_enabled = true;
  std::string voicemail_prompt = "Please leave a message after the tone.";
  int voicemail_max_seconds = 120;
  std::string goodbye = "Thank you. Goodbye.";

  std::optional<BusinessHours> business_hours;  // none = always open

  // TaskRouter assignment (Flex mode): the dequeue instruction.
  std::string post_work_activity_sid;  // WA...; empty = TaskRouter's default
  int agent_ring_seconds = 30;
  std::string agent_caller_id = "caller";  // "caller", "called" or an E.164 number

  // Outbound calls (POST /make_call): the callee answers, then the agent's client is rung (with
  // the whisper) and the two are bridged. A machine gets the message, or is hung up on.
  MachineDetection machine_detection = MachineDetection::off;
  OnMachine on_machine = OnMachine::message;
  std::string machine_message;     // left after the beep (DetectMessageEnd waits for it)
  int outbound_ring_seconds = 30;  // Twilio rings the callee this long
  int outbound_agent_ring_seconds = 20;
  std::string no_agent_message = "Sorry, no agent is available right now. We will call you back.";
};

// Twilio's MachineDetection value ("Enable", "DetectMessageEnd"), or "off".
const char* to_string(MachineDetection m);

// Parses and validates; or every problem, each with its place in the file ("flex.workflow_sid:
// must be WW + 32 hex digits").
core::Result<CallFlowConfig, core::Problems> parse_call_flow(std::string_view json);
// Reads the file and parses it; an unreadable file is a problem too.
core::Result<CallFlowConfig, core::Problems> load_call_flow(const std::string& path);

}  // namespace callstream::ingress
