// The signature check never crashes on any URL, body or header, and a signature computed for a
// request always validates it.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "callstream/twilio/signature.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace callstream::twilio;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  // Input layout: URL \n body \n signature (missing parts are empty).
  auto first = input.find('\n');
  std::string_view url = input.substr(0, first);
  std::string_view rest =
      first == std::string_view::npos ? std::string_view() : input.substr(first + 1);
  auto second = rest.find('\n');
  std::string_view body = rest.substr(0, second);
  std::string_view header =
      second == std::string_view::npos ? std::string_view() : rest.substr(second + 1);

  static const SignatureValidator validator({"fuzz-token", "second-token"});
  auto params = decode_form(body);
  Params none;
  const Params& p = params ? *params : none;
  validator.validate(url, p, header);
  validator.validate_json(url, body, header);
  SignatureValidator::url_variants(url);
  std::string good = SignatureValidator::compute("second-token", url, p);
  if (validator.validate(url, p, good) != SignatureCheck::valid) std::abort();
  return 0;
}
