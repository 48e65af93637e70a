#include "optouts.hpp"

#include <cctype>
#include <mutex>

#include "callstream/events/cloudevent.hpp"
#include "callstream/events/json.hpp"

namespace callstream::ingress {

SmsKeyword sms_keyword(std::string_view body, std::string* matched) {
  auto junk = [](char c) {
    return std::isspace(static_cast<unsigned char>(c)) ||
           std::ispunct(static_cast<unsigned char>(c));
  };
  while (!body.empty() && junk(body.front())) body.remove_prefix(1);
  while (!body.empty() && junk(body.back())) body.remove_suffix(1);
  if (body.size() > 16) return SmsKeyword::none;
  std::string word;
  for (char c : body) word += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  SmsKeyword found = SmsKeyword::none;
  for (const char* k : {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "PARAR", "SAIR"})
    if (word == k) found = SmsKeyword::opt_out;
  for (const char* k : {"START", "YES", "UNSTOP"})
    if (word == k) found = SmsKeyword::opt_in;
  if (found != SmsKeyword::none && matched) *matched = word;
  return found;
}

kafka::Message optout_message(const OptOutChange& change, const events::Contract& contract,
                              const std::string& event_id, const std::string& source_url,
                              core::SysMillis received_at) {
  events::JsonWriter data;
  data.begin_object()
      .field("number", change.number)
      .key("opted_out")
      .boolean(change.opted_out)
      .field("source", change.source);
  if (!change.keyword.empty()) data.field("keyword", change.keyword);
  if (!change.reason.empty()) data.field("reason", change.reason);
  if (!change.message_sid.empty()) data.field("message_sid", change.message_sid);
  data.end_object();

  events::CloudEvent e;
  e.id = event_id;
  e.source = source_url;
  e.type = std::string(change.opted_out ? kOptOutAdded : kOptOutRemoved);
  e.subject = change.number;
  e.receivedat = core::format_rfc3339(received_at);
  e.time = e.receivedat;
  e.dataschema = contract.dataschema_for_type(e.type).value_or("");
  e.data = data.str();
  return events::to_message(contract.topic(kOptOutsTopic), change.number, e);
}

bool OptOutList::contains(std::string_view number) const {
  std::shared_lock lock(mutex_);
  return numbers_.find(number) != numbers_.end();
}

void OptOutList::set(const std::string& number, bool opted_out) {
  std::unique_lock lock(mutex_);
  if (opted_out)
    numbers_.insert(number);
  else
    numbers_.erase(number);
}

size_t OptOutList::size() const {
  std::shared_lock lock(mutex_);
  return numbers_.size();
}

bool OptOutList::apply(std::string_view key, std::optional<std::string_view> ce_type,
                       bool tombstone) {
  if (key.empty()) return false;
  if (tombstone) {
    set(std::string(key), false);
    return true;
  }
  if (ce_type == kOptOutAdded) {
    set(std::string(key), true);
    return true;
  }
  if (ce_type == kOptOutRemoved) {
    set(std::string(key), false);
    return true;
  }
  return false;
}

}  // namespace callstream::ingress
