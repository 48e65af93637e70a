// The HTTP layer on its own (no Kafka): answers written whole whatever their size, slow readers,
// HEAD, deadlines.
#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include "callstream/core/metrics.hpp"
#include "callstream/http/server.hpp"
#include "http_client.hpp"

using namespace callstream;
using namespace std::chrono_literals;

namespace {

struct Running {
  core::Registry metrics;
  http::Server server;
  uint16_t port;
  std::thread thread;
  explicit Running(http::Handler handler, http::ServerSettings s = {})
      : server((s.address = "127.0.0.1", s.port = 0, s.threads = 2, s), std::move(handler),
               metrics),
        port(server.listen()),
        thread([this] { server.run(false); }) {}
  ~Running() {
    server.stop();
    thread.join();
  }
};

// 8 MB: more than a loopback socket's send buffer takes at once.
std::string big_body() {
  std::string body(8 << 20, '\0');
  for (size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>('a' + i * 7919 % 26);
  return body;
}

}  // namespace

TEST_CASE("an answer larger than the socket buffer reaches a slow reader whole", "[http]") {
  const std::string body = big_body();
  Running r([&body](http::Request&&, http::Respond respond) {
    respond(http::text_response(200, "text/plain", body));
  });
  // The client sends, then waits 300 ms before reading: the server's first write is partial.
  auto reply = test::raw_exchange(
      r.port, {"GET /big HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", ""}, 300, 10000);
  auto end = reply.find("\r\n\r\n");
  REQUIRE(end != std::string::npos);
  CHECK(reply.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(reply.find("Content-Length: " + std::to_string(body.size())) < end);
  CHECK(reply.substr(end + 4) == body);
}

TEST_CASE("keep-alive answers of every size in a row, and HEAD without a body", "[http]") {
  const std::string body = big_body();
  Running r([&body](http::Request&& req, http::Respond respond) {
    size_t n = req.target == "/big" ? body.size() : req.target.size();
    respond(http::text_response(200, "text/plain", body.substr(0, n)));
  });
  auto reply = test::raw_exchange(r.port,
                                  "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
                                  "GET /big HTTP/1.1\r\nHost: x\r\n\r\n"
                                  "HEAD /big HTTP/1.1\r\nHost: x\r\n\r\n"
                                  "GET /abc HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                                  10000);
  size_t pos = 0;
  for (std::string_view b : {std::string_view(body).substr(0, 2), std::string_view(body),
                             std::string_view(), std::string_view(body).substr(0, 4)}) {
    REQUIRE(reply.compare(pos, 12, "HTTP/1.1 200") == 0);
    size_t end = reply.find("\r\n\r\n", pos);
    REQUIRE(end != std::string::npos);
    end += 4;
    CHECK(reply.compare(end, b.size(), b) == 0);
    pos = end + b.size();
  }
  CHECK(pos == reply.size());
}
