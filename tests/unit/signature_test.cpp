// X-Twilio-Signature: every vector of Twilio's SDK test suites (reference §1.6), recomputed here.
#include <catch2/catch.hpp>

#include "callstream/twilio/signature.hpp"

using callstream::twilio::Params;
using callstream::twilio::SignatureCheck;
using callstream::twilio::SignatureValidator;

namespace {
const Params kBase = {{"CallSid", "CA1234567890ABCDE"},
                      {"Caller", "+14158675309"},
                      {"Digits", "1234"},
                      {"From", "+14158675309"},
                      {"To", "+18005551212"}};
const SignatureValidator kValidator({"12345"});
}  // namespace

TEST_CASE("string to sign is the URL followed by sorted key+value pairs", "[signature]") {
  CHECK(SignatureValidator::string_to_sign("https://mycompany.com/myapp.php?foo=1&bar=2", kBase) ==
        "https://mycompany.com/"
        "myapp.php?foo=1&bar=2CallSidCA1234567890ABCDECaller+14158675309Digits1234"
        "From+14158675309To+18005551212");
}

TEST_CASE("SDK vectors: computed signatures match Twilio's", "[signature]") {
  struct V {
    const char* url;
    const char* sig;
  };
  const V vectors[] = {
      {"https://mycompany.com/myapp.php?foo=1&bar=2", "RSOYDt4T1cUTdK1PDd93/VVr8B8="},
      {"https://mycompany.com:443/myapp.php?foo=1&bar=2", "kvajT1Ptam85bY51eRf/AJRuM3w="},
      {"http://mycompany.com:80/myapp.php?foo=1&bar=2", "0ZXoZLH/DfblKGATFgpif+LLRf4="},
      {"http://mycompany.com:1234/myapp.php?foo=1&bar=2", "Zmvh+3yNM1Phv2jhDCwEM3q5ebU="},
      {"https://mycompany.com:1234/myapp.php?foo=1&bar=2", "CYn1h0gLBdNxDGkKJg6hYohgeD8="},
      {"https://user:pass@mycompany.com/myapp.php?foo=1&bar=2", "CukzLTc1tT5dXEDIHm/tKBanW10="},
      {"https://user@mycompany.com/myapp.php?foo=1&bar=2", "2YRLlVAflCqxaNicjMpJcSTgzSs="},
      {"https://user:pass@mycompany.com:443/myapp.php?foo=1&bar=2", "ZQFR1PTIZXF2MXB8ZnKCvnnA+rI="},
      {"https://mycompany.com/myapp.php?foo=1&bar=2&Body=It%27s+amazing",
       "TfZzewPq8wqrGlMfyAud8+/IvJ0="},
      // C# case preservation: host and scheme case are part of what is signed.
      {"https://MyCompany.com/myapp.php?foo=1&bar=2", "g9IN/x4Cft2g517EjYvEvM/W7LU="},
      {"https://MyCompany.com:1234/myapp.php?foo=1&bar=2", "PCqOZm8cnu/L6+u5i5fuEd+Iac4="},
      {"http://MyCompany.com/myapp.php?foo=1&bar=2", "XY7AlKOKL6im4yWyX84gldUrtis="},
      {"http://username:password@MyCompany.com/myapp.php?foo=1&bar=2",
       "PJ08CxXr7KLPjEQCTc8LkUSMwSM="},
      {"HTTP://username:password@MyCompany.com/myapp.php?foo=1&bar=2",
       "hy/l8pca+LFms4cvRdv8uiP6NGc="},
      {"http://Username:Password@MyCompany.com/myapp.php?foo=1&bar=2",
       "SkTSKyDJH9kUlhItI0slbgZ1UsI="},
  };
  for (const auto& v : vectors) {
    INFO(v.url);
    CHECK(SignatureValidator::compute("12345", v.url, kBase) == v.sig);
    CHECK(kValidator.validate(v.url, kBase, v.sig) == SignatureCheck::valid);
  }
}

TEST_CASE("docs vector (webhooks-security page)", "[signature]") {
  Params p = {{"CallSid", "CA1234567890ABCDE"},
              {"Caller", "+14158675310"},
              {"Digits", "1234"},
              {"From", "+14158675310"},
              {"To", "+18005551212"}};
  CHECK(SignatureValidator::compute("12345", "https://example.com/myapp.php?foo=1&bar=2", p) ==
        "L/OH5YylLD5NRKLltdqwSvS0BnU=");
}

TEST_CASE("port variants: Twilio signs with or without the port", "[signature]") {
  // python: validate(url without port, signature made with :443) is true, and the reverse.
  CHECK(kValidator.validate("https://mycompany.com/myapp.php?foo=1&bar=2", kBase,
                            "kvajT1Ptam85bY51eRf/AJRuM3w=") == SignatureCheck::valid);
  CHECK(kValidator.validate("http://mycompany.com/myapp.php?foo=1&bar=2", kBase,
                            "0ZXoZLH/DfblKGATFgpif+LLRf4=") == SignatureCheck::valid);
  CHECK(kValidator.validate("https://mycompany.com:1234/myapp.php?foo=1&bar=2", kBase,
                            "RSOYDt4T1cUTdK1PDd93/VVr8B8=") == SignatureCheck::valid);
  CHECK(kValidator.validate("https://user:pass@mycompany.com/myapp.php?foo=1&bar=2", kBase,
                            "ZQFR1PTIZXF2MXB8ZnKCvnnA+rI=") == SignatureCheck::valid);
}

TEST_CASE("a raw apostrophe in the query validates against the WHATWG-encoded signature",
          "[signature]") {
  CHECK(kValidator.validate("https://mycompany.com/myapp.php?foo=1&bar=2&Body=It's+amazing", kBase,
                            "TfZzewPq8wqrGlMfyAud8+/IvJ0=") == SignatureCheck::valid);
}

TEST_CASE("repeated keys: values sorted and de-duplicated", "[signature]") {
  Params p = {{"Sid", "CA123"},
              {"SidAccount", "AC123"},
              {"Digits", "5678"},
              {"Digits", "1234"},
              {"Digits", "1234"}};
  const char* url = "https://mycompany.com/myapp.php?foo=1&bar=2";
  CHECK(SignatureValidator::string_to_sign(url, p) ==
        std::string(url) + "Digits1234Digits5678SidCA123SidAccountAC123");
  CHECK(SignatureValidator::compute("12345", url, p) == "IK+Dwps556ElfBT0I3Rgjkr1wJU=");
  Params a = {{"MessagingBinding.Address", "+1325xxxxxxx"},
              {"MessagingBinding.Address", "+1415xxxxxxx"}};
  Params b = {{"MessagingBinding.Address", "+1415xxxxxxx"},
              {"MessagingBinding.Address", "+1325xxxxxxx"}};
  CHECK(SignatureValidator::compute("12345", url, a) == "83O6e2vORAoJHUNzJjDWN1jz+BA=");
  CHECK(SignatureValidator::compute("12345", url, b) == "83O6e2vORAoJHUNzJjDWN1jz+BA=");
}

TEST_CASE("JSON bodies are signed through bodySHA256", "[signature]") {
  const std::string body = R"({"property": "value", "boolean": true})";
  const std::string hash = "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620";
  CHECK(callstream::twilio::sha256_hex(body) == hash);
  CHECK(kValidator.validate_json("https://mycompany.com/myapp.php?foo=1&bar=2&bodySHA256=" + hash,
                                 body, "a9nBmqA0ju/hNViExpshrM61xv4=") == SignatureCheck::valid);
  CHECK(kValidator.validate_json("https://mycompany.com/myapp.php?bodySHA256=" + hash, body,
                                 "y77kIzt2vzLz71DgmJGsen2scGs=") == SignatureCheck::valid);
  // Body {} signed with :443, validated without the port.
  CHECK(kValidator.validate_json("https://mycompany.com/myapp.php?foo=1&bar=2&bodySHA256="
                                 "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
                                 "{}", "Ldidvp12m26NI7eqEvxnEpkd9Hc=") == SignatureCheck::valid);
}

TEST_CASE("negative cases are refused", "[signature]") {
  const char* url = "https://mycompany.com/myapp.php?foo=1&bar=2";
  SECTION("wrong signature") {
    CHECK(kValidator.validate(url, kBase, "RSOYDt4T1cUTdK1PDd93/VVr8B9=") ==
          SignatureCheck::invalid);
  }
  SECTION("missing signature") {
    CHECK(kValidator.validate(url, kBase, "") == SignatureCheck::missing);
  }
  SECTION("an unexpected extra query parameter") {
    CHECK(
        kValidator.validate("https://mycompany.com/myapp.php?foo=1&bar=2&somethingUnexpected=true",
                            kBase, "RSOYDt4T1cUTdK1PDd93/VVr8B8=") == SignatureCheck::invalid);
  }
  SECTION("a changed parameter value") {
    Params p = kBase;
    p[2].second = "9999";
    CHECK(kValidator.validate(url, p, "RSOYDt4T1cUTdK1PDd93/VVr8B8=") == SignatureCheck::invalid);
  }
  SECTION("another token") {
    SignatureValidator other({"54321"});
    CHECK(other.validate(url, kBase, "RSOYDt4T1cUTdK1PDd93/VVr8B8=") == SignatureCheck::invalid);
  }
  SECTION("JSON body without bodySHA256 in the URL") {
    CHECK(kValidator.validate_json(url, "{}", "a9nBmqA0ju/hNViExpshrM61xv4=") ==
          SignatureCheck::body_mismatch);
  }
  SECTION("JSON body that is not the one signed") {
    CHECK(
        kValidator.validate_json("https://mycompany.com/myapp.php?foo=1&bar=2&bodySHA256="
                                 "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620",
                                 R"({"property": "other"})",
                                 "a9nBmqA0ju/hNViExpshrM61xv4=") == SignatureCheck::body_mismatch);
  }
  SECTION("a lowercased host does not match a signature made on the mixed-case host") {
    CHECK(kValidator.validate("https://mycompany.com/myapp.php?foo=1&bar=2", kBase,
                              "g9IN/x4Cft2g517EjYvEvM/W7LU=") == SignatureCheck::invalid);
  }
}

TEST_CASE("primary and secondary auth tokens are both accepted during a rotation", "[signature]") {
  SignatureValidator rotating({"new-primary", "12345"});
  const char* url = "https://mycompany.com/myapp.php?foo=1&bar=2";
  CHECK(rotating.validate(url, kBase, "RSOYDt4T1cUTdK1PDd93/VVr8B8=") == SignatureCheck::valid);
  CHECK(rotating.validate(url, kBase, SignatureValidator::compute("new-primary", url, kBase)) ==
        SignatureCheck::valid);
  CHECK_THROWS(SignatureValidator({"", ""}));
}

TEST_CASE("URL variants: as given first, then port removed or added, each WHATWG-encoded",
          "[signature]") {
  auto v = SignatureValidator::url_variants("https://h.example/x?a=b c#rc=2");
  REQUIRE(v.size() == 4);
  CHECK(v[0] == "https://h.example/x?a=b c");
  CHECK(v[1] == "https://h.example/x?a=b%20c");
  CHECK(v[2] == "https://h.example:443/x?a=b c");
  auto ipv6 = SignatureValidator::url_variants("http://[::1]:8080/voice");
  CHECK(ipv6[1] == "http://[::1]/voice");
}

TEST_CASE("the precomputed HMAC key agrees with OpenSSL's HMAC for every token length",
          "[signature]") {
  // Keys longer than SHA-1's 64-byte block are hashed first (RFC 2104): both sides of that edge.
  callstream::twilio::Params p = {{"CallSid", "CA1"}, {"CallStatus", "completed"}};
  const std::string url = "https://calls.example.com/call_status";
  for (size_t length : {1, 32, 63, 64, 65, 100, 200}) {
    std::string token(length, 'k');
    token[0] = 'A';
    callstream::twilio::SignatureValidator v({token});
    auto signature = callstream::twilio::SignatureValidator::compute(token, url, p);
    CHECK(v.validate(url, p, signature) == callstream::twilio::SignatureCheck::valid);
    signature[3] = signature[3] == 'x' ? 'y' : 'x';
    CHECK(v.validate(url, p, signature) == callstream::twilio::SignatureCheck::invalid);
  }
}
