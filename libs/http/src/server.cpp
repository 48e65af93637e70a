#include "callstream/http/server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <map>
#include <mutex>
#include <set>
#include <system_error>
#include <thread>
#include <tuple>
#include <vector>

#include "callstream/core/log.hpp"

namespace callstream::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
// Every I/O object and coroutine names the io_context's executor type: the type-erased
// any_io_executor, copied into each handler, cost ~3 % of a webhook's CPU.
using Executor = asio::io_context::executor_type;
template <typename T>
using Awaitable = asio::awaitable<T, Executor>;
constexpr asio::use_awaitable_t<Executor> use_awaitable;
constexpr auto use_tuple = asio::as_tuple(use_awaitable);
using Socket = asio::basic_stream_socket<tcp, Executor>;
using Timer = asio::basic_waitable_timer<std::chrono::steady_clock,
                                         asio::wait_traits<std::chrono::steady_clock>, Executor>;
using Descriptor = asio::posix::basic_stream_descriptor<Executor>;

namespace {

using Clock = std::chrono::steady_clock;

// Where a connection is in its request: waiting for (or reading) a head, reading a body, or owed
// an answer. Only a connection owed an answer is never shed.
enum class Phase { idle, reading_body, answering };

int64_t now_ticks() { return Clock::now().time_since_epoch().count(); }

// What the drain, the deadline sweep and the shedding need to know about one connection. Its
// plain fields are touched only on the connection's own context (`context` says which); the
// atomic ones are read from the accepting thread too.
struct Connection {
  Connection(Socket& s, size_t c, std::string address)
      : socket(&s), executor(s.get_executor()), context(c), peer(std::move(address)) {}
  Socket* socket;
  Executor executor;
  size_t context;
  std::string peer;  // the client's address
  std::atomic<Phase> phase{Phase::idle};
  std::atomic<int64_t> phase_since{now_ticks()};  // when the phase began: oldest is shed first
  std::atomic<bool> shed{false};                  // chosen to close, to make room
  bool closed = false;                            // the coroutine has ended; socket is gone
  void enter(Phase p) {
    phase = p;
    phase_since = now_ticks();
  }
  // The current phase (head, body, answer) must end by `deadline`; past it, the sweep cancels
  // the pending operation and sets `timed_out`. Setting a deadline is a store, not a timer
  // operation: a timer per read and write cost ~10 % of a webhook's CPU.
  Clock::time_point deadline = Clock::time_point::max();
  bool timed_out = false;
  void expires_after(std::chrono::milliseconds d) {
    deadline = Clock::now() + d;
    timed_out = false;
  }
  void expires_never() {
    deadline = Clock::time_point::max();
    timed_out = false;
  }
  bool timeout(const beast::error_code& ec) const {
    return timed_out && ec == asio::error::operation_aborted;
  }
};

}  // namespace

struct Server::Impl {
  ServerSettings settings;
  Handler handler;
  // The acceptor, signals, descriptor watches and the drain live on `ioc`, which also serves
  // connections. Every further thread runs an io_context of its own, and each connection is
  // placed on one context: its handlers never run concurrently, so no strand is needed, and a
  // context run by one thread takes the scheduler's single-thread paths.
  asio::io_context ioc{1};
  std::vector<std::unique_ptr<asio::io_context>> workers;
  size_t next_context = 0;
  asio::basic_socket_acceptor<tcp, Executor> acceptor{ioc};
  asio::basic_signal_set<Executor> signals{ioc};
  std::atomic<bool> draining{false};

  std::mutex connections_mutex;  // guards the three below
  std::set<std::shared_ptr<Connection>> connections;
  size_t admitted = 0;  // connections accepted and not yet closed
  std::map<std::string, size_t> per_address;

  struct Watch {
    Descriptor descriptor;
    std::function<void()> on_readable;
  };
  std::vector<std::unique_ptr<Watch>> watches;

  core::Gauge& open_connections;
  core::Gauge& in_flight;
  core::Counter& shed_connections;
  core::Registry& metrics;

  Impl(ServerSettings s, Handler h, core::Registry& m)
      : settings(std::move(s)),
        handler(std::move(h)),
        open_connections(m.gauge("callstream_http_connections", "Open HTTP connections")),
        in_flight(m.gauge("callstream_http_requests_in_flight", "Requests being handled")),
        shed_connections(m.counter("callstream_http_connections_shed_total",
                                   "Idle or unfinished connections closed to make room")),
        metrics(m) {}

  void count_rejected(const char* reason) {
    metrics
        .counter("callstream_http_rejected_total",
                 "Requests or connections refused by the HTTP layer", {{"reason", reason}})
        .inc();
  }

  asio::io_context& context_at(size_t n) { return n == 0 ? ioc : *workers[n - 1]; }

  // Deadlines are checked by one sweep per context, every tenth of the shortest timeout (10 ms to
  // 500 ms): a timeout fires that much late at most.
  std::chrono::milliseconds sweep_interval() const {
    auto shortest = std::min(settings.header_timeout, settings.body_timeout);
    return std::clamp(shortest / 10, std::chrono::milliseconds(10), std::chrono::milliseconds(500));
  }

  struct Sweep {
    explicit Sweep(asio::io_context& context) : tick(context) {}
    Timer tick;
    bool stopped = false;  // on the sweep's own context
  };
  std::vector<std::unique_ptr<Sweep>> sweeps;  // one per context, made by run()

  Awaitable<void> sweep_deadlines(size_t context) {
    Sweep& sweep = *sweeps[context];
    std::vector<std::shared_ptr<Connection>> expired;
    while (!sweep.stopped) {
      sweep.tick.expires_after(sweep_interval());
      auto [ec] = co_await sweep.tick.async_wait(use_tuple);
      if (ec || sweep.stopped) co_return;
      auto now = Clock::now();
      {
        std::lock_guard lock(connections_mutex);
        for (const auto& c : connections)
          if (c->context == context && !c->closed && c->deadline <= now) expired.push_back(c);
      }
      for (auto& c : expired) {
        c->timed_out = true;
        c->deadline = Clock::time_point::max();
        beast::error_code ignored;
        c->socket->cancel(ignored);
      }
      expired.clear();
    }
  }

  size_t shed_batch() const { return std::max<size_t>(1, settings.max_connections / 64); }

  // Closes up to `n` connections that owe nothing (idle keep-alive, or a request still coming
  // in), the longest in that state first: at the cap, a new client is served rather than
  // refused, and a flood of idle connections cannot lock everyone out.
  void shed_idle(size_t n) {
    std::vector<std::shared_ptr<Connection>> candidates;
    {
      std::lock_guard lock(connections_mutex);
      for (const auto& c : connections)
        if (c->phase != Phase::answering && !c->shed) candidates.push_back(c);
    }
    n = std::min(n, candidates.size());
    std::partial_sort(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(n),
                      candidates.end(),
                      [](const auto& a, const auto& b) { return a->phase_since < b->phase_since; });
    for (size_t i = 0; i < n; ++i) {
      auto& c = candidates[i];
      c->shed = true;
      asio::post(c->executor, [c] {
        beast::error_code ignored;
        if (!c->closed) c->socket->cancel(ignored);
      });
    }
    shed_connections.inc(static_cast<double>(n));
  }

  // Whether a new connection from `address` is served: under its address's cap, and under the
  // connection cap once shedding has made room. Counts it in when it is.
  bool admit(const std::string& address) {
    std::unique_lock lock(connections_mutex);
    size_t cap = settings.max_connections_per_address;
    auto held = per_address.find(address);
    if (cap > 0 && held != per_address.end() && held->second >= cap) {
      lock.unlock();
      count_rejected("address_limit");
      return false;
    }
    if (admitted >= settings.max_connections) {
      lock.unlock();
      shed_idle(shed_batch());
      lock.lock();
      if (admitted >= settings.max_connections + shed_batch()) {
        lock.unlock();
        count_rejected("connection_limit");
        return false;
      }
    }
    ++admitted;
    ++per_address[address];
    open_connections.add(1);
    return true;
  }

  void release(const std::string& address) {
    std::lock_guard lock(connections_mutex);
    --admitted;
    open_connections.add(-1);
    if (auto it = per_address.find(address); it != per_address.end() && --it->second == 0)
      per_address.erase(it);
  }

  // Out of file descriptors: make room, and wait a little rather than spin on accept.
  Awaitable<void> wait_for_descriptors() {
    count_rejected("descriptor_limit");
    core::log::warn("out of file descriptors: shedding idle connections");
    shed_idle(shed_batch());
    Timer pause(ioc);
    pause.expires_after(std::chrono::milliseconds(50));
    co_await pause.async_wait(use_tuple);
  }

  static std::string address_of(const Socket& socket) {
    beast::error_code ec;
    auto endpoint = socket.remote_endpoint(ec);
    return ec ? std::string() : endpoint.address().to_string();
  }

  Awaitable<void> accept_loop() {
    for (;;) {
      size_t n = next_context++ % (workers.size() + 1);
      asio::io_context& context = context_at(n);
      auto [ec, socket] = co_await acceptor.async_accept(context, use_tuple);
      if (ec == asio::error::no_descriptors || ec.value() == ENFILE) {
        co_await wait_for_descriptors();
        continue;
      }
      if (ec) {
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
        core::log::warn("accept failed", {{"error", ec.message()}});
        continue;
      }
      std::string address = address_of(socket);
      if (!admit(address)) {
        beast::error_code ignored;
        socket.close(ignored);
        continue;
      }
      // Answers go out at once: Nagle's algorithm would hold a response back while the
      // previous one is unacknowledged (40 ms with a delayed ACK), as nginx's tcp_nodelay avoids.
      beast::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      auto ex = socket.get_executor();
      asio::co_spawn(ex, session(std::move(socket), n, std::move(address)), asio::detached);
    }
  }

  Awaitable<Response> call_handler(Request&& request) {
    co_return co_await asio::async_initiate<decltype(use_awaitable), void(Response)>(
        [this, &request](auto completion) {
          auto ex = asio::get_associated_executor(completion);
          // The work guard keeps run() going while a response is owed from another thread.
          auto shared = std::make_shared<decltype(completion)>(std::move(completion));
          auto work = std::make_shared<asio::executor_work_guard<decltype(ex)>>(ex);
          handler(std::move(request), [ex, shared, work](Response r) {
            asio::post(ex, [shared, work, r = std::move(r)]() mutable { (*shared)(std::move(r)); });
          });
        },
        use_awaitable);
  }

  static bool bodiless(int status) {
    return status == 204 || status == 304 || (status >= 100 && status < 200);
  }

  // The response head is written by hand into one string and sent with the body in one call:
  // Beast's field container and serializer cost more than the rest of a 204.
  std::string response_head(const Response& r, unsigned version, bool keep_alive,
                            bool with_length) const {
    std::string head;
    head.reserve(96 + settings.server_name.size() + r.content_type.size());
    head += version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
    head += std::to_string(r.status);
    head += ' ';
    head += bhttp::obsolete_reason(static_cast<bhttp::status>(r.status));
    head += "\r\nServer: ";
    head += settings.server_name;
    head += "\r\n";
    if (!r.content_type.empty()) {
      head += "Content-Type: ";
      head += r.content_type;
      head += "\r\n";
    }
    for (const auto& [k, v] : r.headers) {
      if (k.find_first_of("\r\n:") != std::string::npos ||
          v.find_first_of("\r\n") != std::string::npos) {
        core::log::error("response header dropped: it would split the response", {{"name", k}});
        continue;
      }
      head += k;
      head += ": ";
      head += v;
      head += "\r\n";
    }
    if (with_length) {
      head += "Content-Length: ";
      head += std::to_string(r.body.size());
      head += "\r\n";
    }
    if (version == 10 && keep_alive) head += "Connection: keep-alive\r\n";
    if (version != 10 && !keep_alive) head += "Connection: close\r\n";
    head += "\r\n";
    return head;
  }

  Awaitable<bool> write(Connection& c, Response&& r, unsigned version, bool keep_alive,
                        bool head_request = false) {
    bool bodiless_status = bodiless(r.status);
    std::string head = response_head(r, version, keep_alive, !bodiless_status);
    std::array<asio::const_buffer, 2> buffers{asio::buffer(head), bodiless_status || head_request
                                                                      ? asio::const_buffer()
                                                                      : asio::buffer(r.body)};
    // The socket is non-blocking: an answer the socket buffer takes whole (nearly always) goes
    // out in this one call, without an asynchronous operation and its completion.
    beast::error_code ec;
    size_t sent = c.socket->write_some(buffers, ec);
    size_t total = buffers[0].size() + buffers[1].size();
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
      ec = {};
      sent = 0;
    }
    if (ec) co_return false;
    if (sent == total) co_return true;
    auto rest = beast::buffers_suffix<std::array<asio::const_buffer, 2>>(buffers);
    rest.consume(sent);
    c.expires_after(settings.body_timeout);
    std::tie(ec, std::ignore) = co_await asio::async_write(*c.socket, rest, use_tuple);
    co_return !ec;
  }

  // The next piece of a streamed body, from whichever thread the source answers on.
  Awaitable<std::optional<std::string>> next_chunk(ChunkSource& source) {
    co_return co_await asio::async_initiate<decltype(use_awaitable),
                                            void(std::optional<std::string>)>(
        [&source](auto completion) {
          auto ex = asio::get_associated_executor(completion);
          auto shared = std::make_shared<decltype(completion)>(std::move(completion));
          auto work = std::make_shared<asio::executor_work_guard<decltype(ex)>>(ex);
          source([ex, shared, work](std::optional<std::string> piece) {
            asio::post(ex, [shared, work, piece = std::move(piece)]() mutable {
              (*shared)(std::move(piece));
            });
          });
        },
        use_awaitable);
  }

  // A streamed body: chunked on HTTP/1.1 (until the close on HTTP/1.0), one piece per ask,
  // ended by the source, by a failed write (the client went away) or by the drain. The
  // connection closes after it.
  Awaitable<void> write_stream(Connection& c, Response&& r, unsigned version, bool head_request) {
    ChunkSource source = std::move(r.stream);
    bool chunked = version != 10;
    if (chunked) r.headers.emplace_back("Transfer-Encoding", "chunked");
    std::string head = response_head(r, version, false, false);
    c.expires_after(settings.body_timeout);
    auto [ec, n] = co_await asio::async_write(*c.socket, asio::buffer(head), use_tuple);
    if (ec || head_request) co_return;
    while (!draining) {
      c.expires_never();  // the source answers when it has something (a heartbeat at least)
      std::optional<std::string> piece = co_await next_chunk(source);
      if (!piece) break;
      if (*piece == kAbortStream) co_return;
      if (piece->empty()) continue;
      std::string frame = *std::move(piece);
      if (chunked) {
        char size[20];
        int len = std::snprintf(size, sizeof size, "%zx\r\n", frame.size());
        frame.insert(0, size, static_cast<size_t>(len));
        frame += "\r\n";
      }
      c.expires_after(settings.body_timeout);
      std::tie(ec, std::ignore) =
          co_await asio::async_write(*c.socket, asio::buffer(frame), use_tuple);
      if (ec) co_return;
    }
    if (!chunked) co_return;
    c.expires_after(settings.body_timeout);
    std::tie(ec, std::ignore) =
        co_await asio::async_write(*c.socket, asio::buffer("0\r\n\r\n", 5), use_tuple);
  }

  // Parses what the last read brought beyond the head: a request read in one recv (the usual
  // webhook) is then complete without another read operation. need_more is not an error.
  static void parse_buffered(bhttp::request_parser<bhttp::string_body>& parser,
                             beast::flat_buffer& buffer, beast::error_code& ec) {
    parser.eager(true);
    while (!parser.is_done() && buffer.size() > 0) {
      size_t used = parser.put(buffer.data(), ec);
      buffer.consume(used);
      if (ec == bhttp::error::need_more) ec = {};
      if (ec || used == 0) return;
    }
  }

  // A head that could not be read: answers what the client can be told, counts it, and the
  // connection closes. A client that went away (or the drain's cancel) is not an error.
  Awaitable<void> refuse_head(Connection& c, const beast::error_code& ec, bool bytes_received) {
    if (ec == bhttp::error::body_limit) {  // Content-Length over the limit
      count_rejected("body_too_large");
      co_await write(
          c,
          error_response(413, "body_too_large",
                         "request body exceeds " + std::to_string(settings.body_limit) + " bytes"),
          11, false);
    } else if (ec == bhttp::error::header_limit) {
      count_rejected("header_too_large");
      co_await write(c, error_response(431, "header_too_large", "request headers too large"), 11,
                     false);
    } else if (c.timeout(ec)) {
      if (bytes_received) count_rejected("header_timeout");
    } else if (c.shed) {
    } else if (ec != bhttp::error::end_of_stream && ec != asio::error::operation_aborted &&
               ec != asio::error::connection_reset && ec != asio::error::eof) {
      count_rejected("malformed_http");
      co_await write(c, error_response(400, "malformed_http", ec.message()), 11, false);
    }
  }

  // A body that could not be read, after a head that was.
  Awaitable<void> refuse_body(Connection& c, const beast::error_code& ec) {
    if (c.shed) {
      co_await write(c, error_response(503, "overloaded", "too many connections; try again"), 11,
                     false);
    } else if (ec == bhttp::error::body_limit) {
      count_rejected("body_too_large");
      co_await write(c, error_response(413, "body_too_large", "request body too large"), 11, false);
    } else if (c.timeout(ec)) {
      count_rejected("body_timeout");
      co_await write(c, error_response(408, "body_timeout", "request body not received in time"),
                     11, false);
    } else if (ec != asio::error::eof && ec != asio::error::connection_reset) {
      count_rejected("malformed_http");
      co_await write(c, error_response(400, "malformed_http", ec.message()), 11, false);
    }
  }

  static Request to_request(bhttp::request<bhttp::string_body>& msg, const std::string& peer) {
    Request req;
    req.peer = peer;
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    req.headers.reserve(16);
    for (const auto& f : msg)
      req.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    req.body = std::move(msg.body());
    return req;
  }

  std::shared_ptr<Connection> open_connection(Socket& socket, size_t context, std::string address) {
    auto connection = std::make_shared<Connection>(socket, context, std::move(address));
    beast::error_code nb;
    socket.non_blocking(true, nb);
    {
      std::lock_guard lock(connections_mutex);
      connections.insert(connection);
    }
    return connection;
  }

  void close_connection(const std::shared_ptr<Connection>& connection) {
    connection->expires_never();
    beast::error_code ignored;
    connection->socket->shutdown(Socket::shutdown_send, ignored);
    connection->socket->close(ignored);
    connection->closed = true;
    release(connection->peer);
    std::lock_guard lock(connections_mutex);
    connections.erase(connection);
  }

  // One connection's requests, one after another: read the head, read the rest of the body,
  // hand it to the handler, write the answer. The reads stay in this one coroutine (a coroutine
  // per step would cost a frame per request); the refusals are their own.
  Awaitable<void> session(Socket socket, size_t context, std::string address) {
    auto self = open_connection(socket, context, std::move(address));
    Connection& c = *self;
    beast::flat_buffer buffer;
    // Beast reads as much as the buffer's free capacity, 512 bytes at least: a signed webhook
    // (600 bytes and more) would take two reads. 4 KB holds the usual request in one.
    buffer.reserve(4096);
    try {
      while (!draining && !c.shed) {
        c.enter(Phase::idle);
        bhttp::request_parser<bhttp::string_body> parser;
        parser.header_limit(static_cast<std::uint32_t>(settings.header_limit));
        parser.body_limit(settings.body_limit);
        c.expires_after(settings.header_timeout);
        auto [ec, n] = co_await bhttp::async_read_header(socket, buffer, parser, use_tuple);
        if (ec) {
          co_await refuse_head(c, ec, buffer.size() > 0);
          break;
        }
        c.enter(Phase::reading_body);
        c.expires_after(settings.body_timeout);
        parse_buffered(parser, buffer, ec);
        if (!ec && !parser.is_done())
          std::tie(ec, std::ignore) = co_await bhttp::async_read(socket, buffer, parser, use_tuple);
        if (ec) {
          co_await refuse_body(c, ec);
          break;
        }
        c.enter(Phase::answering);
        c.expires_never();  // the handler answers within its own deadline (Kafka's)
        auto msg = parser.release();
        bool keep_alive = msg.keep_alive();
        in_flight.add(1);
        Response res = co_await call_handler(to_request(msg, c.peer));
        in_flight.add(-1);
        if (res.stream) {
          co_await write_stream(c, std::move(res), msg.version(),
                                msg.method() == bhttp::verb::head);
          break;
        }
        keep_alive = keep_alive && !draining;
        bool written = co_await write(c, std::move(res), msg.version(), keep_alive,
                                      msg.method() == bhttp::verb::head);
        if (!written || !keep_alive) break;
        // Let the other answers that are ready go out before this connection reads and handles
        // its next request: answers sent back to back wake a client once, not once each.
        co_await asio::post(socket.get_executor(), use_awaitable);
      }
    } catch (const std::exception& e) {
      core::log::error("connection failed", {{"error", e.what()}});
    }
    close_connection(self);
  }

  Awaitable<void> watch_loop(Watch& w) {
    for (;;) {
      auto [ec] = co_await w.descriptor.async_wait(Descriptor::wait_read, use_tuple);
      if (ec) co_return;  // cancelled: the drain has ended
      w.on_readable();
    }
  }

  // No response is owed any more: what kept the contexts running ends, so run() returns.
  void end_watches() {
    for (auto& w : watches) {
      beast::error_code ignored;
      w->descriptor.cancel(ignored);
    }
    for (size_t n = 0; n < sweeps.size(); ++n)
      asio::post(context_at(n), [&sweep = *sweeps[n]] {
        sweep.stopped = true;
        sweep.tick.cancel();
      });
  }

  // Ends the drain when the last connection is gone, or stops everything at the deadline.
  Awaitable<void> watch_drain() {
    auto deadline = std::chrono::steady_clock::now() + settings.drain_timeout;
    Timer tick(ioc);
    for (;;) {
      {
        std::lock_guard lock(connections_mutex);
        if (connections.empty()) {
          end_watches();
          co_return;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
          core::log::warn("drain timed out; closing remaining connections",
                          {{"connections", std::to_string(connections.size())}});
          ioc.stop();
          co_return;
        }
      }
      tick.expires_after(std::chrono::milliseconds(20));
      co_await tick.async_wait(use_tuple);
    }
  }

  void begin_drain() {
    if (draining.exchange(true)) return;
    core::log::info("draining", {{"timeout_ms", std::to_string(settings.drain_timeout.count())}});
    beast::error_code ignored;
    acceptor.close(ignored);
    signals.cancel(ignored);
    std::vector<std::shared_ptr<Connection>> snapshot;
    {
      std::lock_guard lock(connections_mutex);
      snapshot.assign(connections.begin(), connections.end());
    }
    for (auto& c : snapshot)
      asio::post(c->executor, [c] {
        beast::error_code ignored;
        if (!c->closed && c->phase == Phase::idle) c->socket->cancel(ignored);
      });
    asio::co_spawn(ioc, watch_drain(), asio::detached);
  }
};

Server::Server(ServerSettings settings, Handler handler, core::Registry& metrics)
    : impl_(std::make_unique<Impl>(std::move(settings), std::move(handler), metrics)) {
  for (int t = 1; t < impl_->settings.threads; ++t)
    impl_->workers.push_back(std::make_unique<asio::io_context>(1));
}

Server::~Server() = default;

uint16_t Server::listen() {
  auto& i = *impl_;
  if (i.acceptor.is_open()) return i.acceptor.local_endpoint().port();
  tcp::endpoint ep(asio::ip::make_address(i.settings.address), i.settings.port);
  i.acceptor.open(ep.protocol());
  i.acceptor.set_option(asio::socket_base::reuse_address(true));
  i.acceptor.bind(ep);
  i.acceptor.listen(asio::socket_base::max_listen_connections);
  return i.acceptor.local_endpoint().port();
}

void Server::run(bool handle_signals) {
  auto& i = *impl_;
  if (!i.acceptor.is_open()) listen();
  if (handle_signals) {
    i.signals.add(SIGINT);
    i.signals.add(SIGTERM);
    i.signals.async_wait([this](beast::error_code ec, int sig) {
      if (ec) return;
      core::log::info("signal received", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
      impl_->begin_drain();
    });
  }
  asio::co_spawn(i.ioc, i.accept_loop(), asio::detached);
  for (size_t n = 0; n <= i.workers.size(); ++n) {
    i.sweeps.push_back(std::make_unique<Impl::Sweep>(i.context_at(n)));
    asio::co_spawn(i.context_at(n), i.sweep_deadlines(n), asio::detached);
  }
  for (auto& w : i.watches) asio::co_spawn(i.ioc, i.watch_loop(*w), asio::detached);
  std::vector<std::thread> threads;
  for (auto& w : i.workers)
    threads.emplace_back([&context = *w] {
      auto busy = asio::make_work_guard(context);  // idle until connections arrive
      context.run();
    });
  i.ioc.run();  // returns once the drain is over (or timed out)
  for (auto& w : i.workers) w->stop();
  for (auto& t : threads) t.join();
}

void Server::watch(int fd, std::function<void()> on_readable) {
  int own = ::dup(fd);
  if (own < 0) throw std::system_error(errno, std::generic_category(), "dup");
  impl_->watches.push_back(std::make_unique<Impl::Watch>(
      Impl::Watch{Descriptor(impl_->ioc, own), std::move(on_readable)}));
}

void Server::stop() {
  asio::post(impl_->ioc, [this] { impl_->begin_drain(); });
}

}  // namespace callstream::http
