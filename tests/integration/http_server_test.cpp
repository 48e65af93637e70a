// The HTTP layer on its own (no Kafka): answers written whole whatever their size, slow readers,
// HEAD, deadlines, shedding at the connection cap, the cap per address.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string_view>
#include <thread>
#include <vector>

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

namespace {

// A client socket from `source` (any 127/8 address) to the server, with nothing sent yet.
struct Client {
  int fd = -1;
  Client(uint16_t port, const char* source = "127.0.0.1") {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in from{};
    from.sin_family = AF_INET;
    ::inet_pton(AF_INET, source, &from.sin_addr);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from) == 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    ::inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0);
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~Client() { ::close(fd); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
  void send(std::string_view bytes) const {
    REQUIRE(::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) == ssize_t(bytes.size()));
  }
  // What the server sends until it closes or 5 s pass; "" when it closed without a word.
  std::string receive() const {
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) {
      out.append(buf, static_cast<size_t>(n));
      if (out.find("\r\n\r\n") != std::string::npos) break;
    }
    return out;
  }
  // Whether the server closed this connection (within `wait`).
  bool closed_by_server(std::chrono::milliseconds wait) const {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(wait.count())) <= 0) return false;
    char c;
    return ::recv(fd, &c, 1, MSG_DONTWAIT) == 0;
  }
};

constexpr std::string_view kRequest = "GET /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";

}  // namespace

TEST_CASE("at the connection cap, connections owing nothing are shed oldest first", "[http]") {
  http::ServerSettings s;
  s.max_connections = 64;
  s.max_connections_per_address = 0;
  Running r(
      [](http::Request&& req, http::Respond respond) {
        if (req.target != "/slow") return respond(http::text_response(200, "text/plain", "ok"));
        std::thread([respond] {  // owed an answer for 300 ms
          std::this_thread::sleep_for(300ms);
          respond(http::text_response(200, "text/plain", "ok"));
        })
            .detach();
      },
      s);
  Client owed(r.port);
  owed.send("GET /slow HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  std::this_thread::sleep_for(50ms);
  std::vector<std::unique_ptr<Client>> idle;
  for (int i = 0; i < 64; ++i) {
    idle.push_back(std::make_unique<Client>(r.port));
    if (i % 2) idle.back()->send("GET /half HTTP/1.1\r\nHost:");  // a request never finished
    std::this_thread::sleep_for(1ms);
  }
  std::this_thread::sleep_for(100ms);
  Client fresh(r.port);
  fresh.send(kRequest);
  CHECK(fresh.receive().rfind("HTTP/1.1 200", 0) == 0);  // a new client is served
  CHECK(owed.receive().rfind("HTTP/1.1 200", 0) == 0);   // the oldest, but owed an answer
  CHECK(idle.front()->closed_by_server(1000ms));         // the oldest owing nothing: shed
  CHECK(idle[1]->closed_by_server(1000ms));
  CHECK_FALSE(idle.back()->closed_by_server(100ms));  // the newest stays
  CHECK(r.metrics.counter("callstream_http_connections_shed_total", "").value() >= 1);
}

TEST_CASE("one address past its cap is refused while another address is served", "[http]") {
  http::ServerSettings s;
  s.max_connections_per_address = 8;
  Running r([](http::Request&&,
               http::Respond respond) { respond(http::text_response(200, "text/plain", "ok")); },
            s);
  std::vector<std::unique_ptr<Client>> held;
  for (int i = 0; i < 8; ++i) held.push_back(std::make_unique<Client>(r.port, "127.0.0.2"));
  std::this_thread::sleep_for(100ms);
  Client ninth(r.port, "127.0.0.2");
  CHECK(ninth.closed_by_server(2000ms));
  Client other(r.port, "127.0.0.1");
  other.send(kRequest);
  CHECK(other.receive().rfind("HTTP/1.1 200", 0) == 0);
  CHECK(r.metrics.render().find("callstream_http_rejected_total{reason=\"address_limit\"} 1") !=
        std::string::npos);
  held.pop_back();  // one closes: the address may open one again
  std::this_thread::sleep_for(100ms);
  Client again(r.port, "127.0.0.2");
  again.send(kRequest);
  CHECK(again.receive().rfind("HTTP/1.1 200", 0) == 0);
}
