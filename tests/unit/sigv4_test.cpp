// SigV4 against AWS's published test suite (docs.aws.amazon.com, "Signature Version 4 test
// suite": service "service", us-east-1, 2015-08-30T12:36:00Z) and the presigned URL example of
// S3's documentation ("Authenticating Requests: Using Query Parameters").
#include <catch2/catch.hpp>

#include "callstream/s3/sigv4.hpp"

using namespace callstream;

namespace {

const s3::Credentials kSuite{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
const s3::Scope kSuiteScope{"us-east-1", "service"};
constexpr int64_t kSuiteTime = 1440938160;  // 20150830T123600Z
const std::string kEmpty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

s3::SignedRequest suite_request(std::string method = "GET") {
  s3::SignedRequest r;
  r.method = std::move(method);
  r.host = "example.amazonaws.com";
  r.headers = {{"X-Amz-Date", "20150830T123600Z"}};
  r.payload_sha256 = kEmpty;
  return r;
}

std::string suite_authz(const std::string& signed_headers, const std::string& signature) {
  return "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
         "SignedHeaders=" +
         signed_headers + ", Signature=" + signature;
}

}  // namespace

TEST_CASE("SigV4 test suite: query strings", "[sigv4]") {
  CHECK(s3::amz_date(kSuiteTime) == "20150830T123600Z");
  auto order = suite_request();
  order.query = {{"Param2", "value2"}, {"Param1", "value1"}};
  CHECK(s3::authorization(kSuite, kSuiteScope, order, kSuiteTime) ==
        suite_authz("host;x-amz-date",
                    "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"));
  const std::string unreserved =
      "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  auto plain = suite_request();
  plain.query = {{unreserved, unreserved}};
  CHECK(s3::authorization(kSuite, kSuiteScope, plain, kSuiteTime) ==
        suite_authz("host;x-amz-date",
                    "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"));
  auto utf8 = suite_request();
  utf8.query = {{"\xE1\x88\xB4", "bar"}};
  CHECK(s3::authorization(kSuite, kSuiteScope, utf8, kSuiteTime) ==
        suite_authz("host;x-amz-date",
                    "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"));
}

TEST_CASE("SigV4 test suite: headers and a signed body", "[sigv4]") {
  auto trim = suite_request();
  trim.headers = {{"My-Header1", " value1"},
                  {"My-Header2", " \"a   b   c\""},
                  {"X-Amz-Date", "20150830T123600Z"}};
  CHECK(s3::authorization(kSuite, kSuiteScope, trim, kSuiteTime) ==
        suite_authz("host;my-header1;my-header2;x-amz-date",
                    "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"));
  auto form = suite_request("POST");
  form.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  form.payload_sha256 = "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e";
  CHECK(s3::authorization(kSuite, kSuiteScope, form, kSuiteTime) ==
        suite_authz("content-type;host;x-amz-date",
                    "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"));
}

TEST_CASE("a presigned S3 GET as S3's documentation signs it", "[sigv4]") {
  s3::Credentials example{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""};
  s3::SignedRequest get;
  get.host = "examplebucket.s3.amazonaws.com";
  get.path = "/test.txt";
  std::string url = s3::presigned_url(example, {"us-east-1", "s3"}, "https", get,
                                      1369353600 /* 20130524T000000Z */, 86400);
  CHECK(url ==
        "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256"
        "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
        "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
        "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
}

TEST_CASE("object keys are encoded once, slashes kept", "[sigv4]") {
  CHECK(s3::uri_encode("recordings/2026/12/03/CA1/RE 1+2.wav", true) ==
        "recordings/2026/12/03/CA1/RE%201%2B2.wav");
  CHECK(s3::uri_encode("a/b") == "a%2Fb");
}
