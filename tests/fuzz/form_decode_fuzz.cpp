// Form decoding never crashes, and whatever it accepts survives encode -> decode unchanged.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "callstream/twilio/form.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace callstream::twilio;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto params = decode_form(text);
  if (!params) return params.error().message.empty() ? (std::abort(), 0) : 0;  // a reason, always
  auto again = decode_form(encode_form(*params));
  if (!again || *again != *params) std::abort();
  return 0;
}
