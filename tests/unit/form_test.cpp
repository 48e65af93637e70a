#include <catch2/catch.hpp>

#include "callstream/twilio/form.hpp"

using callstream::twilio::decode_form;
using callstream::twilio::FormError;

TEST_CASE("form bodies decode '+' and percent escapes, keeping order and repeats", "[form]") {
  auto p = decode_form("From=%2B14158675309&Body=It%27s+amazing&Digits=1&Digits=2&Empty=&Flag");
  REQUIRE(p);
  REQUIRE(p->size() == 6);
  CHECK((*p)[0] == std::pair<std::string, std::string>{"From", "+14158675309"});
  CHECK((*p)[1].second == "It's amazing");
  CHECK((*p)[2].second == "1");
  CHECK((*p)[3].second == "2");
  CHECK((*p)[4] == std::pair<std::string, std::string>{"Empty", ""});
  CHECK((*p)[5] == std::pair<std::string, std::string>{"Flag", ""});
}

TEST_CASE("UTF-8 and encoded JSON survive decoding", "[form]") {
  auto p = decode_form("CallerName=Jos%C3%A9&TaskAttributes=%7B%22a%22%3A1%7D");
  REQUIRE(p);
  CHECK((*p)[0].second == "Jos\xC3\xA9");
  CHECK((*p)[1].second == "{\"a\":1}");
}

TEST_CASE("empty body is zero parameters", "[form]") {
  auto p = decode_form("");
  REQUIRE(p);
  CHECK(p->empty());
}

TEST_CASE("bad percent-encoding is an error that says where", "[form]") {
  FormError e;
  CHECK_FALSE(decode_form("CallSid=CA1&Caller=%zz", &e));
  CHECK(e.message.find("Caller=%zz") != std::string::npos);
  CHECK_FALSE(decode_form("a=%4", &e));
  CHECK_FALSE(decode_form("a=b c", &e));  // a raw space cannot be in form data
  CHECK_FALSE(decode_form(std::string_view("CallSid=CA1\0&Injected=1", 24), &e));
  CHECK(e.message.find("NUL") != std::string::npos);
}

TEST_CASE("encode_form is the inverse of decode_form", "[form]") {
  callstream::twilio::Params p = {{"From", "+14158675309"},
                                  {"Body", "It's 100% \"fine\" & more"},
                                  {"Name", "Jos\xC3\xA9"},
                                  {"Empty", ""}};
  std::string body = callstream::twilio::encode_form(p);
  CHECK(body.find("From=%2B14158675309&") == 0);
  auto back = decode_form(body);
  REQUIRE(back);
  CHECK(*back == p);
}
