// callstream-bench-webhook: the CPU cost of one status callback inside the ingress, without
// sockets or Kafka: form decoding, signature validation, and the whole routing decision (event
// built and serialized), in nanoseconds per request. The reference, measured in the same run, is
// the cryptography no implementation can skip: one HMAC-SHA1 over the signed string and one
// SHA-256 (the event id) over the parameters, with OpenSSL's one-shot calls.
//   callstream-bench-webhook [requests=200000]
// A benchmark prints figures; it does not pass or fail.
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "callstream/core/time.hpp"
#include "callstream/events/cloudevent.hpp"
#include "callstream/events/contract.hpp"
#include "callstream/twilio/signature.hpp"
#include "status_callback.hpp"
#include "webhook_router.hpp"

using namespace callstream;

namespace {

const std::string kToken = "bench-token";
const std::string kAccount = "AC00000000000000000000000000000001";
const std::string kBase = "http://127.0.0.1:8080";

// The loadgen's requests (the same parameters): distinct CallSids through the four statuses.
std::vector<http::Request> make_requests(int n) {
  std::vector<http::Request> out;
  for (int i = 0; i < n; ++i) {
    twilio::Params p = loadgen::status_callback(i, kAccount);
    http::Request r;
    r.method = "POST";
    r.target = "/call_status";
    r.body = twilio::encode_form(p);
    r.headers = {
        {"Host", "127.0.0.1"},
        {"Content-Type", "application/x-www-form-urlencoded"},
        {"User-Agent", "TwilioProxy/1.1"},
        {"X-Twilio-Signature", twilio::SignatureValidator::compute(kToken, kBase + r.target, p)},
        {"Content-Length", std::to_string(r.body.size())}};
    out.push_back(std::move(r));
  }
  return out;
}

template <typename F>
double ns_per_op(int n, F&& f) {
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) f(i);
  return std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start)
             .count() /
         n;
}

}  // namespace

// Longer than a function should be, on purpose: the figures are measured in the order they are
// printed, each one a few lines, so the whole benchmark reads top to bottom in one place.
int main(int argc, char** argv) {
  int n = argc > 1 ? std::atoi(argv[1]) : 200000;
  auto requests = make_requests(4000);
  auto req = [&](int i) -> const http::Request& { return requests[i % requests.size()]; };

  twilio::SignatureValidator validator({kToken});
  events::Contract contract;
  ingress::CallFlow flow{{}, kBase};
  ingress::WebhookRouter router({kBase, kAccount}, validator, contract, flow);
  auto now = core::now_millis();

  size_t sink = 0;
  // Warm up, and check the requests are accepted (a benchmark of refusals would be wrong).
  for (int i = 0; i < 1000; ++i) {
    auto d = router.route(req(i), now);
    if (d.response() || d.publish().size() != 1) {
      std::fprintf(stderr, "request %d refused: %s\n", i, std::string(d.reject_reason()).c_str());
      return 1;
    }
  }

  std::vector<std::string> signed_strings;
  for (const auto& r : requests)
    signed_strings.push_back(
        kBase + r.target +
        twilio::SignatureValidator::string_to_sign("", *twilio::decode_form(r.body)));
  double reference = ns_per_op(n, [&](int i) {
    const std::string& s = signed_strings[i % signed_strings.size()];
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha1(), kToken.data(), static_cast<int>(kToken.size()),
         reinterpret_cast<const unsigned char*>(s.data()), s.size(), mac, &len);
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(s.data()), s.size(), digest);
    sink += mac[0] + digest[0];
  });
  double decode = ns_per_op(n, [&](int i) { sink += twilio::decode_form(req(i).body)->size(); });
  std::vector<twilio::Params> decoded;
  for (const auto& r : requests) decoded.push_back(*twilio::decode_form(r.body));
  double validate = ns_per_op(n, [&](int i) {
    const auto& r = req(i);
    sink += static_cast<size_t>(validator.validate(kBase + r.target, decoded[i % decoded.size()],
                                                   r.header("X-Twilio-Signature")));
  });
  double id = ns_per_op(n, [&](int i) {
    sink += events::event_id("/call_status", decoded[i % decoded.size()]).size();
  });
  events::CloudEvent sample;
  sample.id = events::event_id("/call_status", decoded[0]);
  sample.source = kBase + "/call_status";
  sample.type = "com.twilio.voice.status-callback.call.completed";
  sample.subject = *twilio::find_param(decoded[0], "CallSid");
  sample.time = sample.receivedat = core::format_rfc3339(now);
  sample.twilioaccount = kAccount;
  double json = ns_per_op(n, [&](int i) {
    sink +=
        events::serialize_webhook(sample, "/call_status", "POST", "", decoded[i % decoded.size()])
            .size();
  });
  double route = ns_per_op(n, [&](int i) { sink += router.route(req(i), now).publish().size(); });

  std::printf("webhook path, %d requests (ns per request)\n", n);
  std::printf("  reference: one-shot HMAC-SHA1 + SHA-256  %8.0f\n", reference);
  std::printf("  decode_form                              %8.0f\n", decode);
  std::printf("  signature validate                       %8.0f\n", validate);
  std::printf("  event id                                 %8.0f\n", id);
  std::printf("  event JSON (envelope + params)           %8.0f\n", json);
  std::printf("  route (decode, validate, event, JSON)    %8.0f   = %.1f x reference\n", route,
              route / reference);
  return sink == 42 ? 1 : 0;
}
