// Whatever bytes arrive on a topic, the projector's decoder and the envelope parser return a
// value or a reason: never a crash. Decoded call events have a known status rank.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "call_projection.hpp"
#include "callstream/events/cloudevent.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view value(reinterpret_cast<const char*>(data), size);
  auto row = callstream::projector::decode_call_event(value, "t", 0, 0);
  if (row && (row->rank < 0 || row->call_sid.empty() || row->event_id.empty())) std::abort();
  if (!row && row.error().message.empty()) std::abort();
  auto event = callstream::events::parse_cloudevent(value);
  if (!event && event.error().message.empty()) std::abort();
  return 0;
}
