// Downloads a recording's media with callstream's client, for tests/tools/test_media_fetch.py:
//   media_fetch URL ACCOUNT_SID AUTH_TOKEN PATH
// Prints "<size> <sha256 hex> <content type>", or "error <status> retryable|final" and exits 1.
#include <iostream>
#include <string>

#include "callstream/twilio/media.hpp"

int main(int argc, char** argv) {
  if (argc != 5) {
    std::cerr << "usage: media_fetch URL ACCOUNT_SID AUTH_TOKEN PATH\n";
    return 2;
  }
  callstream::twilio::RestSettings s;
  s.account_sid = s.username = argv[2];
  s.password = argv[3];
  auto got = callstream::twilio::download_media(s, argv[1], argv[4]);
  if (!got) {
    std::cout << "error " << got.error().http_status << " "
              << (got.error().retryable ? "retryable" : "final") << "\n";
    return 1;
  }
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char c : got->sha256) (hex += kDigits[c >> 4]) += kDigits[c & 15];
  std::cout << got->size << " " << hex << " " << got->content_type << "\n";
}
