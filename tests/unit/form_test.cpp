#include <catch2/catch.hpp>
#include "result_helpers.hpp"

#include "callstream/events/json.hpp"
#include "callstream/twilio/form.hpp"

using callstream::twilio::decode_form;

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
  std::string e;
  e = callstream::test::error_of(decode_form("CallSid=CA1&Caller=%zz"));
  CHECK_FALSE(e.empty());
  CHECK(e.find("Caller=%zz") != std::string::npos);
  e = callstream::test::error_of(decode_form("a=%4"));
  CHECK_FALSE(e.empty());
  e = callstream::test::error_of(decode_form("a=b c"));
  CHECK_FALSE(e.empty());  // a raw space cannot be in form data
  e = callstream::test::error_of(decode_form(std::string_view("CallSid=CA1\0&Injected=1", 24)));
  CHECK_FALSE(e.empty());
  CHECK(e.find("NUL") != std::string::npos);
}

TEST_CASE("decoded text must be UTF-8 without NUL", "[form]") {
  std::string e;
  CHECK(decode_form("Caller=Jos%C3%A9&Body=%F0%9F%98%80&Key%C3%A9=v"));
  for (const char* bad : {"Body=%FF", "Body=%C0%AF", "Body=%ED%A0%80", "Body=%F4%90%80%80",
                          "Body=%E2%82", "Body=%E2%82x", "Body=a%00b", "%FF=1", "%00=1"}) {
    INFO(bad);
    e = callstream::test::error_of(decode_form(bad));
    CHECK_FALSE(e.empty());
    CHECK(e.find("not UTF-8 or holds NUL") != std::string::npos);
  }
}

TEST_CASE("what the form decoder takes for text is what the JSON parser takes", "[form]") {
  // The ingress refuses at the door what the projector's JSON parser would refuse later.
  auto hex = [](unsigned char c) {
    const char* digits = "0123456789ABCDEF";
    return std::string{'%', digits[c >> 4], digits[c & 15]};
  };
  auto agree = [&](const std::string& bytes) {
    std::string form = "k=";
    for (unsigned char c : bytes) form += hex(c);
    bool form_ok = decode_form(form).has_value();
    bool json_ok = callstream::events::JsonDocument::parse("\"" + bytes + "\"").has_value();
    if (form_ok != json_ok) FAIL("disagree on " << form);
  };
  std::vector<unsigned char> tails;
  for (int c = 0x80; c <= 0xBF; ++c) tails.push_back(static_cast<unsigned char>(c));
  tails.push_back('A');
  for (int a = 0x20; a < 0x100; ++a)
    for (int b = 0x20; b < 0x100; ++b)
      if (a != '"' && a != '\\' && b != '"' && b != '\\')
        agree({static_cast<char>(a), static_cast<char>(b)});
  for (int a = 0xC0; a < 0x100; ++a)
    for (unsigned char b : tails)
      for (unsigned char c : tails)
        agree({static_cast<char>(a), static_cast<char>(b), static_cast<char>(c)});
  for (int a = 0xF0; a < 0x100; ++a)
    for (unsigned char b : tails)
      for (int c : {0x80, 0xBF, 0x41})
        for (int d : {0x80, 0xBF, 0x41})
          agree({static_cast<char>(a), static_cast<char>(b), static_cast<char>(c),
                 static_cast<char>(d)});
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
