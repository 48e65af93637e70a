#pragma once
// The opt-out list: numbers that asked not to be called. Its system of record is the compacted
// topic callstream.optouts.v1 (key: the E.164 number; the latest event of a number is its state),
// fed by SMS keywords (/sms) and the operator API (/optouts). The ingress rebuilds the list from
// the topic at start, follows it live, and refuses /make_call to a listed number.
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>

#include "callstream/core/time.hpp"
#include "callstream/events/contract.hpp"
#include "callstream/kafka/settings.hpp"

namespace callstream::ingress {

// What an inbound SMS asks, by Twilio's standard keywords and their Portuguese counterparts:
// STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, PARAR, SAIR opt out; START, YES, UNSTOP opt back
// in. The whole message must be the keyword (any case, surrounding spaces and punctuation aside).
enum class SmsKeyword { none, opt_out, opt_in };
// `word`, when given, receives the keyword as matched (upper case).
SmsKeyword sms_keyword(std::string_view body, std::string* word = nullptr);

inline constexpr std::string_view kOptOutAdded = "io.callstream.optout.added";
inline constexpr std::string_view kOptOutRemoved = "io.callstream.optout.removed";

struct OptOutChange {
  std::string number;  // E.164
  bool opted_out = true;
  std::string source;  // sms, api
  std::string keyword;
  std::string reason;
  std::string message_sid;
};

inline constexpr std::string_view kOptOutsTopic = "callstream.optouts.v1";

// The message recording `change` on the contract's opt-out topic (key: the number).
kafka::Message optout_message(const OptOutChange& change, const events::Contract& contract,
                              const std::string& event_id, const std::string& source_url,
                              core::SysMillis received_at);

class OptOutList {
 public:
  bool contains(std::string_view number) const;
  void set(const std::string& number, bool opted_out);
  size_t size() const;
  // Applies a message of the opt-out topic (by its ce_type header; a tombstone removes).
  // False when it is not an opt-out event (it is then ignored).
  bool apply(std::string_view key, std::optional<std::string_view> ce_type, bool tombstone);

 private:
  mutable std::shared_mutex mutex_;
  std::set<std::string, std::less<>> numbers_;
};

}  // namespace callstream::ingress
