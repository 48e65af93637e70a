// The Voice SDK access token, against the reference vector of Twilio's Python SDK layout.
#include <catch2/catch.hpp>

#include "callstream/twilio/access_token.hpp"

using namespace callstream;

TEST_CASE("the access token matches the Python SDK's layout byte for byte", "[token]") {
  twilio::AccessTokenSettings s{"AC123", "SK123", "secret", std::chrono::seconds(3600)};
  std::string token = twilio::access_token(s, "alice", {true, "AP123"}, 1700000000);
  CHECK(token ==
        "eyJhbGciOiJIUzI1NiIsImN0eSI6InR3aWxpby1mcGE7dj0xIiwidHlwIjoiSldUIn0."
        "eyJqdGkiOiJTSzEyMy0xNzAwMDAwMDAwIiwiZ3JhbnRzIjp7InZvaWNlIjp7ImluY29taW5nIjp7ImFsbG93Ijp0"
        "cnVlfSwib3V0Z29pbmciOnsiYXBwbGljYXRpb25fc2lkIjoiQVAxMjMifX0sImlkZW50aXR5IjoiYWxpY2UifSwi"
        "aXNzIjoiU0sxMjMiLCJleHAiOjE3MDAwMDM2MDAsIm5iZiI6MTcwMDAwMDAwMCwic3ViIjoiQUMxMjMifQ."
        "B3PeP-qTZe7rtFuMvzq8hCy8AkJ-LKKGLSxzkVys680");
}

TEST_CASE("an access token without outgoing grant, and the limits", "[token]") {
  twilio::AccessTokenSettings s{"AC123", "SK123", "secret", std::chrono::seconds(60)};
  std::string token = twilio::access_token(s, "bob", {true, ""}, 1700000000);
  std::string payload = token.substr(token.find('.') + 1);
  payload = payload.substr(0, payload.find('.'));
  CHECK(payload == twilio::base64url(
                       R"({"jti":"SK123-1700000000","grants":{"voice":{"incoming":{"allow":true}},)"
                       R"("identity":"bob"},"iss":"SK123","exp":1700000060,"nbf":1700000000,)"
                       R"("sub":"AC123"})"));
  s.ttl = std::chrono::hours(25);
  CHECK_THROWS_AS(twilio::access_token(s, "bob", {}, 1700000000), std::invalid_argument);
  s.ttl = std::chrono::hours(24);
  CHECK_NOTHROW(twilio::access_token(s, "bob", {}, 1700000000));
  CHECK_THROWS_AS(twilio::access_token(s, "", {}, 1700000000), std::invalid_argument);
}

TEST_CASE("base64url has no padding and uses - and _", "[token]") {
  CHECK(twilio::base64url("") == "");
  CHECK(twilio::base64url("f") == "Zg");
  CHECK(twilio::base64url("fo") == "Zm8");
  CHECK(twilio::base64url("foo") == "Zm9v");
  CHECK(twilio::base64url("\xfb\xff") == "-_8");
}
