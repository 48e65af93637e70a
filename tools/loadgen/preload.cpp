// callstream-preload: writes N call status events straight into Kafka, built by the ingress's
// own WebhookRouter (so they are byte for byte what the ingress would publish), for projector
// benchmarks. Flows of 4 callbacks per call (initiated, ringing, answered, completed).
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>

#include "callstream/core/time.hpp"
#include "callstream/events/contract.hpp"
#include "callstream/kafka/producer.hpp"
#include "callstream/twilio/signature.hpp"
#include "webhook_router.hpp"

namespace {
using namespace callstream;

const std::string kAccount = "AC00000000000000000000000000000001";
const std::string kToken = "preload";
const std::string kBase = "https://calls.example.com";

// The i-th status callback of the preload: call i/4, its (i%4)-th status, signed.
http::Request status_callback(long i) {
  static const char* statuses[] = {"initiated", "ringing", "in-progress", "completed"};
  long call = i / 4;
  int seq = static_cast<int>(i % 4);
  char sid[40];
  std::snprintf(sid, sizeof sid, "CA%032lx", call + 1);
  twilio::Params p = {{"AccountSid", kAccount},
                      {"CallSid", sid},
                      {"CallStatus", statuses[seq]},
                      {"Direction", "inbound"},
                      {"From", "+1305555" + std::to_string(1000 + call % 9000)},
                      {"To", "+18005551212"},
                      {"SequenceNumber", std::to_string(seq)},
                      {"CallbackSource", "call-progress-events"},
                      {"ApiVersion", "2010-04-01"}};
  if (seq == 3) p.emplace_back("CallDuration", std::to_string(20 + call % 600));
  http::Request r;
  r.method = "POST";
  r.target = "/call_status";
  r.body = twilio::encode_form(p);
  r.headers = {
      {"Content-Type", "application/x-www-form-urlencoded"},
      {"X-Twilio-Signature", twilio::SignatureValidator::compute(kToken, kBase + r.target, p)}};
  return r;
}

kafka::ProducerSettings producer_settings(const std::string& brokers) {
  kafka::ProducerSettings ps{brokers};
  ps.linger = std::chrono::milliseconds(20);
  ps.delivery_timeout = std::chrono::seconds(60);
  ps.extra["queue.buffering.max.messages"] = "1000000";
  return ps;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3 || std::string(argv[1]) == "--help") {
    std::cout
        << "Usage: callstream-preload BROKERS EVENTS [TOPIC_PREFIX]\n"
           "Publishes EVENTS call status events (4 per call) to the calls topic and waits until\n"
           "Kafka has them all.\n";
    return argc < 3 ? 2 : 0;
  }
  long events = std::stol(argv[2]);
  twilio::SignatureValidator validator({kToken});
  events::Contract contract(argc > 3 ? argv[3] : "");
  ingress::CallFlow flow({}, kBase);
  ingress::WebhookRouter router({kBase, kAccount, ""}, validator, contract, flow);
  kafka::Producer producer(producer_settings(argv[1]));

  auto start = core::parse_rfc3339("2026-02-01T08:00:00Z").value();
  std::atomic<long> failed{0};
  auto began = std::chrono::steady_clock::now();
  for (long i = 0; i < events; ++i) {
    auto d = router.route(status_callback(i), start + std::chrono::seconds(i / 4 * 3 + i % 4 * 5));
    if (d.publish().size() != 1) {
      std::cerr << "router refused a generated webhook: " << d.reject_reason() << "\n";
      return 1;
    }
    producer.publish(d.publish()[0], [&failed](const kafka::DeliveryReport& rep) {
      if (rep.status != kafka::Delivery::persisted) ++failed;
    });
  }
  bool flushed = producer.flush(std::chrono::seconds(120));
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  std::printf("preloaded %ld events (%ld calls) in %.1f s, %ld failed\n", events, events / 4, secs,
              failed.load());
  return flushed && failed == 0 ? 0 : 1;
}
