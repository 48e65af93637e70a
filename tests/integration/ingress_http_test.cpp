// The ingress over real sockets, publishing to the mock Kafka cluster.
#include <catch2/catch.hpp>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>
#include <tuple>

#include "callstream/events/cloudevent.hpp"
#include "callstream/events/json.hpp"
#include "callstream/kafka/consumer.hpp"
#include "callstream/kafka/mock_cluster.hpp"
#include "callstream/twilio/signature.hpp"
#include "http_client.hpp"
#include "ingress_app.hpp"

using namespace callstream;
using namespace std::chrono_literals;

namespace {

const std::string kAccount = "AC" + std::string(32, 'a');
const std::string kToken = "test-token";
const std::string kBase = "https://calls.example.com";

twilio::Params status_params(int call, const std::string& status, int seq) {
  char sid[40];
  std::snprintf(sid, sizeof sid, "CA%032d", call);
  return {{"AccountSid", kAccount},
          {"CallSid", sid},
          {"CallStatus", status},
          {"SequenceNumber", std::to_string(seq)}};
}

struct Stack {
  kafka::MockCluster cluster{3};
  std::unique_ptr<ingress::IngressApp> app;
  std::thread thread;
  uint16_t port = 0;

  explicit Stack(std::chrono::milliseconds delivery_timeout = 3000ms, size_t body_limit = 65536) {
    events::Contract contract;
    for (const auto& t : contract.topics())
      cluster.create_topic(t.name, t.partitions, t.replication_factor);
    ingress::IngressConfig c;
    c.account_sid = kAccount;
    c.auth_token = kToken;
    c.base_url = kBase;
    c.kafka_brokers = cluster.bootstrap_servers();
    c.delivery_timeout = delivery_timeout;
    c.http.address = "127.0.0.1";
    c.http.port = 0;
    c.http.threads = 2;
    c.http.body_limit = body_limit;
    c.http.header_timeout = 1000ms;
    c.http.body_timeout = 1000ms;
    c.http.drain_timeout = 10000ms;
    c.metrics_address = "127.0.0.1";
    c.metrics_port = 0;
    app = std::make_unique<ingress::IngressApp>(c);
    port = app->listen();
    thread = std::thread([this] { app->run(false); });
    auto until = std::chrono::steady_clock::now() + 30s;
    while (!app->ready() && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(10ms);
    REQUIRE(app->ready());
  }
  ~Stack() { stop(); }
  void stop() {
    if (thread.joinable()) {
      app->stop();
      thread.join();
    }
  }

  test::HttpReply post(const twilio::Params& p, const std::string& target = "/call_status",
                       bool sign = true) {
    std::vector<std::pair<std::string, std::string>> headers = {
        {"Content-Type", "application/x-www-form-urlencoded"}};
    if (sign)
      headers.emplace_back("X-Twilio-Signature",
                           twilio::SignatureValidator::compute(kToken, kBase + target, p));
    return test::http_request(port, "POST", target, headers, twilio::encode_form(p));
  }

  // Every event id on the calls topic, counting repeats.
  std::multiset<std::string> topic_ids(size_t expect, std::chrono::seconds limit = 10s,
                                       const std::string& topic = "callstream.voice.calls.v1") {
    struct Beginning : kafka::RebalanceListener {
      void on_assigned(std::vector<kafka::TopicPartition>&) override {}
      void on_revoked(const std::vector<kafka::TopicPartition>&) override {}
    } listener;
    static int group = 0;
    kafka::Consumer c(
        {cluster.bootstrap_servers(), "reader-" + std::to_string(++group), "test", {topic}},
        listener);
    std::multiset<std::string> ids;
    auto until = std::chrono::steady_clock::now() + limit;
    // Read until the expected count, then a little longer to catch extras.
    auto quiet_until = std::chrono::steady_clock::time_point::max();
    while (std::chrono::steady_clock::now() < std::min(until, quiet_until)) {
      for (auto& m : c.poll_batch(500, 100ms))
        ids.insert(std::string(m.header("ce_id").value_or("")));
      if (ids.size() >= expect && quiet_until == std::chrono::steady_clock::time_point::max())
        quiet_until = std::chrono::steady_clock::now() + 1s;
    }
    return ids;
  }
};

}  // namespace

TEST_CASE("a signed status callback is answered 204 only once its event is in the topic",
          "[ingress][kafka]") {
  Stack s;
  auto reply = s.post(status_params(1, "ringing", 1));
  CHECK(reply.status == 204);
  auto ids = s.topic_ids(1);
  REQUIRE(ids.size() == 1);
  CHECK(*ids.begin() == events::event_id("/call_status", status_params(1, "ringing", 1)));
  CHECK(ids.begin()->size() == 64);
  auto metrics = test::http_request(s.app->platform_port(), "GET", "/metrics", {}, "");
  CHECK(metrics.body.find(
            "callstream_ingress_requests_total{route=\"/call_status\",status=\"204\"} 1") !=
        std::string::npos);
  CHECK(metrics.body.find("callstream_ingress_publish_seconds_count 1") != std::string::npos);
}

TEST_CASE("metrics are served on the platform listener only, health on both", "[ingress]") {
  Stack s;
  CHECK(test::http_request(s.port, "GET", "/metrics", {}, "").status == 404);
  auto metrics = test::http_request(s.app->platform_port(), "GET", "/metrics", {}, "");
  CHECK(metrics.status == 200);
  CHECK(metrics.body.find("callstream_http_connections") != std::string::npos);
  for (auto port : {s.port, s.app->platform_port()}) {
    CHECK(test::http_request(port, "GET", "/healthz", {}, "").status == 200);
    CHECK(test::http_request(port, "GET", "/readyz", {}, "").status == 200);
  }
  CHECK(test::http_request(s.app->platform_port(), "GET", "/call_status", {}, "").status == 404);
}

TEST_CASE("missing or wrong signatures are refused and publish nothing", "[ingress][kafka]") {
  Stack s;
  CHECK(s.post(status_params(1, "ringing", 1), "/call_status", false).status == 400);
  auto p = status_params(2, "ringing", 1);
  auto headers = std::vector<std::pair<std::string, std::string>>{
      {"Content-Type", "application/x-www-form-urlencoded"},
      {"X-Twilio-Signature",
       twilio::SignatureValidator::compute("other-token", kBase + "/call_status", p)}};
  CHECK(
      test::http_request(s.port, "POST", "/call_status", headers, twilio::encode_form(p)).status ==
      403);
  CHECK(s.post(status_params(3, "completed", 3)).status == 204);  // the one good request
  auto ids = s.topic_ids(1);
  CHECK(ids == std::multiset<std::string>{
                   events::event_id("/call_status", status_params(3, "completed", 3))});
  auto metrics = test::http_request(s.app->platform_port(), "GET", "/metrics", {}, "").body;
  CHECK(
      metrics.find("callstream_ingress_signature_failures_total{reason=\"signature_missing\"} 1") !=
      std::string::npos);
  CHECK(
      metrics.find("callstream_ingress_signature_failures_total{reason=\"signature_invalid\"} 1") !=
      std::string::npos);
}

TEST_CASE("bad requests get their precise status over the wire", "[ingress]") {
  Stack s(3000ms, 2048);
  CHECK(s.post(status_params(1, "ringing", 1), "/nowhere").status == 404);
  CHECK(test::http_request(s.port, "PUT", "/call_status", {}, "").status == 405);
  CHECK(test::http_request(s.port, "POST", "/call_status", {{"Content-Type", "application/json"}},
                           "{}")
            .status == 415);
  auto big = status_params(1, "ringing", 1);
  big.emplace_back("Padding", std::string(4096, 'x'));
  CHECK(s.post(big).status == 413);
  auto garbage = test::raw_exchange(s.port, "THIS IS NOT HTTP\r\n\r\n", 3000);
  CHECK(garbage.rfind("HTTP/1.1 400", 0) == 0);
  // A client that sends half a request line and stalls is cut off at the header deadline.
  auto started = std::chrono::steady_clock::now();
  auto slow = test::raw_exchange(s.port, "POST /call_status HTTP/1.1\r\nHost: x\r\n", 5000);
  CHECK(std::chrono::steady_clock::now() - started < 4s);
  CHECK(slow.empty());
  // One whose body stalls gets 408 at the body deadline.
  started = std::chrono::steady_clock::now();
  auto stalled = test::raw_exchange(
      s.port,
      "POST /call_status HTTP/1.1\r\nHost: x\r\nContent-Type: "
      "application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nCallSid=CA1",
      5000);
  CHECK(stalled.rfind("HTTP/1.1 408", 0) == 0);
  CHECK(std::chrono::steady_clock::now() - started < 4s);
  CHECK(test::http_request(s.port, "GET", "/healthz", {}, "").status == 200);
  CHECK(test::http_request(s.port, "GET", "/readyz", {}, "").status == 200);
}

TEST_CASE("requests split over packets, or several in one, are each read whole and answered",
          "[ingress][kafka]") {
  Stack s;
  auto raw = [](const twilio::Params& p, bool close) {
    std::string body = twilio::encode_form(p);
    return "POST /call_status HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
           "application/x-www-form-urlencoded\r\nX-Twilio-Signature: " +
           twilio::SignatureValidator::compute(kToken, kBase + "/call_status", p) +
           "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" +
           (close ? "Connection: close\r\n" : "") + "\r\n" + body;
  };
  auto count = [](const std::string& out, const std::string& what) {
    size_t n = 0;
    for (size_t at = out.find(what); at != std::string::npos; at = out.find(what, at + 1)) ++n;
    return n;
  };
  // The head in one packet, the body 200 ms later (below the 1 s body deadline).
  std::string one = raw(status_params(901, "ringing", 1), true);
  size_t head_end = one.find("\r\n\r\n") + 4;
  auto split =
      test::raw_exchange(s.port, {one.substr(0, head_end), one.substr(head_end)}, 200, 5000);
  CHECK(split.rfind("HTTP/1.1 204", 0) == 0);
  // A body cut in the middle of a percent escape.
  auto with_caller = status_params(902, "ringing", 1);
  with_caller.emplace_back("From", "+13055550123");
  std::string two = raw(with_caller, true);
  size_t escape = two.find('%', head_end);
  REQUIRE(escape != std::string::npos);
  auto cut =
      test::raw_exchange(s.port, {two.substr(0, escape + 1), two.substr(escape + 1)}, 100, 5000);
  CHECK(cut.rfind("HTTP/1.1 204", 0) == 0);
  // Three requests in one packet (pipelined): three answers, in order, then the close.
  auto pipelined = test::raw_exchange(s.port,
                                      raw(status_params(903, "ringing", 1), false) +
                                          raw(status_params(903, "in-progress", 2), false) +
                                          raw(status_params(903, "completed", 3), true),
                                      5000);
  CHECK(count(pipelined, "HTTP/1.1 204") == 3);
  auto ids = s.topic_ids(5);
  CHECK(ids.count(events::event_id("/call_status", with_caller)) == 1);
  for (const auto& [sid, status, seq] :
       std::vector<std::tuple<int, const char*, int>>{{901, "ringing", 1},
                                                      {903, "ringing", 1},
                                                      {903, "in-progress", 2},
                                                      {903, "completed", 3}})
    CHECK(ids.count(events::event_id("/call_status", status_params(sid, status, seq))) == 1);
}

TEST_CASE("with the brokers down status callbacks get 503, and every 2xx is in the topic once",
          "[ingress][kafka]") {
  Stack s(800ms);
  int call = 0;
  std::set<std::string> acknowledged;  // event ids answered 204
  std::set<std::string> refused;       // event ids answered 503 at least once
  auto send = [&](int n) {
    int ok = 0, unavailable = 0;
    for (int i = 0; i < n; ++i) {
      auto p = status_params(++call, "completed", 3);
      auto r = s.post(p);
      if (r.status == 204) {
        ++ok;
        acknowledged.insert(events::event_id("/call_status", p));
      } else if (r.status == 503) {
        ++unavailable;
        refused.insert(events::event_id("/call_status", p));
        CHECK(r.headers.find("Retry-After: 1") != std::string::npos);
      }
    }
    return std::make_pair(ok, unavailable);
  };
  CHECK(send(5).first == 5);
  for (int b = 1; b <= 3; ++b) s.cluster.set_broker_down(b);
  auto during = send(3);
  CHECK(during.second == 3);
  for (int b = 1; b <= 3; ++b) s.cluster.set_broker_up(b);
  // As Twilio would with a retry policy: repeat each callback until it is accepted. The client
  // reconnects to each partition leader with backoff, so early attempts may still get 503.
  for (int i = 0; i < 5; ++i) {
    auto p = status_params(++call, "completed", 3);
    std::string id = events::event_id("/call_status", p);
    bool accepted = false;
    for (int attempt = 0; attempt < 30 && !accepted; ++attempt) {
      accepted = s.post(p).status == 204;
      if (!accepted) refused.insert(id);
    }
    CHECK(accepted);
    if (accepted) acknowledged.insert(id);
  }
  auto ids = s.topic_ids(acknowledged.size());
  for (const auto& id : acknowledged) CHECK(ids.count(id) >= 1);  // every 2xx is in the topic
  for (const auto& id : ids) {
    // A repeat is only possible for a callback answered 503 and retried: same id, harmless.
    if (ids.count(id) > 1) CHECK(refused.count(id) == 1);
    // Nothing lands that Twilio was never told about or never sent.
    CHECK((acknowledged.count(id) == 1 || refused.count(id) == 1));
  }
}

TEST_CASE("with the brokers down /voice and /assignment still answer at once, the events follow",
          "[ingress][kafka]") {
  Stack s(5000ms);
  REQUIRE(s.post(status_params(1, "ringing", 1)).status == 204);  // connected
  for (int b = 1; b <= 3; ++b) s.cluster.set_broker_down(b);
  std::set<std::string> answered;
  for (int call = 10; call < 15; ++call) {
    auto p = status_params(call, "ringing", 0);
    p.emplace_back("From", "+13055550123");
    auto started = std::chrono::steady_clock::now();
    auto r = s.post(p, "/voice");
    auto took = std::chrono::steady_clock::now() - started;
    CHECK(r.status == 200);
    CHECK(r.headers.find("application/xml") != std::string::npos);
    CHECK(r.body.find("<Record ") != std::string::npos);  // no call flow file: voicemail
    CHECK(took < 500ms);                                  // never waits for Kafka
    answered.insert(events::event_id("/voice", p));
  }
  twilio::Params assignment = {{"AccountSid", kAccount},
                               {"WorkspaceSid", "WS" + std::string(32, '2')},
                               {"TaskSid", "WT" + std::string(32, '1')},
                               {"ReservationSid", "WR" + std::string(32, '5')},
                               {"TaskAttributes", R"({"call_sid":"CA1","from":"+13055550123"})"}};
  auto a = s.post(assignment, "/assignment");
  CHECK(a.status == 200);
  CHECK(a.body.find(R"("instruction":"dequeue")") != std::string::npos);
  // The brokers return within the delivery timeout: the events queued meanwhile land.
  std::this_thread::sleep_for(1s);
  for (int b = 1; b <= 3; ++b) s.cluster.set_broker_up(b);
  auto ids = s.topic_ids(answered.size() + 1, 15s);
  for (const auto& id : answered) CHECK(ids.count(id) == 1);
  auto tasks = s.topic_ids(1, 10s, "callstream.taskrouter.v1");
  CHECK(tasks.count(events::event_id("/assignment", assignment)) == 1);
}

TEST_CASE("a graceful stop under load loses no acknowledged event", "[ingress][kafka]") {
  Stack s;
  std::mutex mutex;
  std::set<std::string> acknowledged;  // event ids answered 204
  std::atomic<bool> go{true};
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t)
    clients.emplace_back([&, t] {
      for (int i = 0; go; ++i) {
        auto p = status_params(t * 100000 + i, "ringing", 1);
        try {
          if (s.post(p).status != 204) continue;
        } catch (const std::exception&) {
          break;  // the listener is closed
        }
        std::lock_guard lock(mutex);
        acknowledged.insert(events::event_id("/call_status", p));
      }
    });
  auto busy = [&] {
    std::lock_guard lock(mutex);
    return acknowledged.size() >= 200;
  };
  for (auto until = std::chrono::steady_clock::now() + 10s;
       !busy() && std::chrono::steady_clock::now() < until;)
    std::this_thread::sleep_for(10ms);
  s.stop();  // drains: in-flight requests finish, then the producer is flushed
  go = false;
  for (auto& c : clients) c.join();
  REQUIRE(acknowledged.size() >= 200);
  auto ids = s.topic_ids(acknowledged.size());
  for (const auto& id : acknowledged) CHECK(ids.count(id) == 1);  // each acknowledged one, once
}

TEST_CASE("a TaskRouter event is answered 204 with a JSON content type once on its topic",
          "[ingress][kafka]") {
  Stack s;
  twilio::Params p = {{"AccountSid", kAccount},
                      {"WorkspaceSid", "WS" + std::string(32, '1')},
                      {"EventType", "task.created"},
                      {"ResourceType", "task"},
                      {"ResourceSid", "WT" + std::string(32, '2')},
                      {"TaskSid", "WT" + std::string(32, '2')},
                      {"TimestampMs", "1770896905123"}};
  auto reply = s.post(p, "/taskrouter_event");
  CHECK(reply.status == 204);
  CHECK(reply.headers.find("Content-Type: application/json") != std::string::npos);
  auto ids = s.topic_ids(1, 10s, "callstream.taskrouter.v1");
  REQUIRE(ids.size() == 1);
  CHECK(*ids.begin() == events::event_id("/taskrouter_event", p));
}
