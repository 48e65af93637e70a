// callstream-loadgen: sends Twilio-signed status callbacks over keep-alive connections and
// reports throughput and latency percentiles. Closed loop (as fast as answers come) by default,
// or open loop at a fixed rate with --rate. Connections are spread over a few epoll threads (as
// wrk does), so the client's own scheduling does not dominate what is measured. Loopback targets
// only; bounded in time.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "callstream/twilio/signature.hpp"
#include "status_callback.hpp"

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string host = "127.0.0.1";
  int port = 8080;
  std::string path = "/call_status";
  std::string base_url = "http://127.0.0.1:8080";
  std::string token = "local-dev-auth-token";
  std::string account = "AC00000000000000000000000000000001";
  int connections = 32;
  int threads = 1;
  double seconds = 10;
  double rate = 0;  // requests/s over all connections; 0 = closed loop
  int distinct = 20000;
  int first = 0;     // the index of the first event: runs one after another send new events
  bool mix = false;  // the webhooks of whole calls (/voice, statuses, TaskRouter, recordings)
  double report_every = 0;  // seconds per latency window line (0: none)
  bool unsigned_requests = false;
};

const char* kUsage =
    "Usage: callstream-loadgen [--host 127.0.0.1] [--port 8080] [--path /call_status]\n"
    "         [--base-url URL] [--token T] [--account AC..] [--connections 32] [--seconds 10]\n"
    "         [--rate R] [--threads 1] [--distinct 20000] [--first 0] [--mix]\n"
    "         [--report-every SECONDS] [--unsigned]\n"
    "Sends signed Twilio status callbacks (distinct CallSids, so distinct events) over keep-alive\n"
    "connections for --seconds, then prints requests/s, status counts and latency percentiles.\n"
    "--rate R paces the load at R requests/s in total (open loop); without it, each connection\n"
    "sends its next request as soon as the answer arrives. --threads spreads the connections\n"
    "over that many epoll threads. --base-url must equal the server's\n"
    "BASE_URL. The target must be a loopback address.\n";

std::string signed_request(const Options& o, const std::string& path,
                           const callstream::twilio::Params& p) {
  std::string body = callstream::twilio::encode_form(p);
  std::string req = "POST " + path + " HTTP/1.1\r\nHost: " + o.host +
                    "\r\nContent-Type: application/x-www-form-urlencoded\r\nUser-Agent: "
                    "TwilioProxy/1.1\r\n";
  if (!o.unsigned_requests)
    req += "X-Twilio-Signature: " +
           callstream::twilio::SignatureValidator::compute(o.token, o.base_url + path, p) + "\r\n";
  return req + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::vector<std::string> build_requests(const Options& o) {
  std::vector<std::string> out;
  out.reserve(o.distinct);
  for (int i = 0; i < o.distinct; ++i) {
    if (o.mix) {
      auto w = callstream::loadgen::mixed_webhook(o.first + i, o.account);
      out.push_back(signed_request(o, w.path, w.params));
    } else {
      out.push_back(
          signed_request(o, o.path, callstream::loadgen::status_callback(o.first + i, o.account)));
    }
  }
  return out;
}

int connect_to(const Options& o) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(o.port));
  ::inet_pton(AF_INET, o.host.c_str(), &addr.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// One complete HTTP response at the front of `buf`: its status, and it is removed. 0 when the
// response is not complete yet.
int take_response(std::string& buf) {
  auto end = buf.find("\r\n\r\n");
  if (end == std::string::npos) return 0;
  int status = std::atoi(buf.c_str() + 9);
  size_t length = 0;
  auto cl = buf.find("ontent-Length: ");
  if (cl != std::string::npos && cl < end)
    length = std::strtoul(buf.c_str() + cl + 15, nullptr, 10);
  if (buf.size() < end + 4 + length) return 0;
  buf.erase(0, end + 4 + length);
  return status;
}

struct Conn {
  int fd = -1;
  std::string buf;
  bool waiting = false;    // a request is out, its answer not yet in
  Clock::time_point sent;  // what its latency counts from
  Clock::time_point due;   // paced: when the next request is due
};

struct Results {
  std::vector<double> latencies_ms;
  std::vector<Clock::time_point> answered_at;  // beside each latency: for the windows
  std::map<int, uint64_t> statuses;
  bool broken = false;
};

// Drives one thread's share of the connections until stop_at from one epoll loop.
class Driver {
 public:
  Driver(const std::vector<std::string>& requests, std::atomic<uint64_t>& next_request,
         std::vector<Conn>& conns, Clock::time_point stop_at, Clock::duration interval,
         Results& out)
      : requests_(requests),
        next_request_(next_request),
        conns_(conns),
        stop_at_(stop_at),
        interval_(interval),
        out_(out),
        open_(conns.size()),
        events_(conns.size()) {
    ep_ = ::epoll_create1(EPOLL_CLOEXEC);
    for (size_t i = 0; i < conns_.size(); ++i) {
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.u64 = i;
      ::epoll_ctl(ep_, EPOLL_CTL_ADD, conns_[i].fd, &ev);
    }
  }
  ~Driver() {
    for (auto& c : conns_)
      if (c.fd >= 0) ::close(c.fd);
    ::close(ep_);
  }

  void run() {
    for (auto& c : conns_)
      if (!paced()) send_next(c, Clock::now());
    while (open_ > 0 && !out_.broken) {
      auto now = Clock::now();
      if (now >= stop_at_) break;
      auto wait = send_due(now);
      // Nanosecond timeouts (epoll_pwait2): a millisecond-rounded wait would send paced requests
      // late, and their latency counts from when they were due.
      auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(wait).count();
      timespec timeout{static_cast<time_t>(ns / 1000000000), static_cast<long>(ns % 1000000000)};
      int n =
          ::epoll_pwait2(ep_, events_.data(), static_cast<int>(events_.size()), &timeout, nullptr);
      now = Clock::now();
      for (int e = 0; e < n; ++e) read_answer(conns_[events_[e].data.u64], now);
    }
  }

 private:
  bool paced() const { return interval_.count() > 0; }

  void send_next(Conn& c, Clock::time_point now) {
    const std::string& req = requests_[next_request_++ % requests_.size()];
    // Open loop: latency counts from when the request was due, so queueing is not hidden.
    c.sent = paced() ? c.due : now;
    if (paced()) c.due += interval_;
    if (::send(c.fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) {
      out_.broken = true;
      return;
    }
    c.waiting = true;
  }

  // Paced: sends what is due; returns how long to sleep until the next is (or the end).
  Clock::duration send_due(Clock::time_point now) {
    auto wait = stop_at_ - now;
    if (!paced()) return wait;
    for (auto& c : conns_) {
      if (c.fd < 0 || c.waiting) continue;
      if (c.due <= now)
        send_next(c, now);
      else
        wait = std::min(wait, c.due - now);
    }
    return wait;
  }

  void read_answer(Conn& c, Clock::time_point now) {
    ssize_t got;
    while ((got = ::recv(c.fd, buffer_, sizeof buffer_, MSG_DONTWAIT)) > 0) {
      c.buf.append(buffer_, static_cast<size_t>(got));
      // A short read drained the socket: epoll (level-triggered) says when there is more, so
      // no further recv just to see EAGAIN.
      if (static_cast<size_t>(got) < sizeof buffer_) break;
    }
    if (got == 0 || (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
      ::close(c.fd);
      c.fd = -1;
      --open_;
      return;
    }
    int status = c.waiting ? take_response(c.buf) : 0;
    if (status == 0) return;
    c.waiting = false;
    out_.latencies_ms.push_back(std::chrono::duration<double, std::milli>(now - c.sent).count());
    out_.answered_at.push_back(now);
    ++out_.statuses[status];
    if (!paced() && now < stop_at_) send_next(c, now);
  }

  const std::vector<std::string>& requests_;
  std::atomic<uint64_t>& next_request_;
  std::vector<Conn>& conns_;
  Clock::time_point stop_at_;
  Clock::duration interval_;
  Results& out_;
  size_t open_;
  std::vector<epoll_event> events_;
  int ep_ = -1;
  char buffer_[16384];
};

// The command line; nothing when it asks for --help or is wrong (exit_code says which).
std::optional<Options> parse_options(int argc, char** argv, int& exit_code) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << a << " needs a value\n" << kUsage;
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--help" || a == "-h") {
      std::cout << kUsage;
      exit_code = 0;
      return std::nullopt;
    } else if (a == "--host")
      o.host = next();
    else if (a == "--port")
      o.port = std::stoi(next());
    else if (a == "--path")
      o.path = next();
    else if (a == "--base-url")
      o.base_url = next();
    else if (a == "--token")
      o.token = next();
    else if (a == "--account")
      o.account = next();
    else if (a == "--connections")
      o.connections = std::stoi(next());
    else if (a == "--seconds")
      o.seconds = std::stod(next());
    else if (a == "--rate")
      o.rate = std::stod(next());
    else if (a == "--threads")
      o.threads = std::max(1, std::stoi(next()));
    else if (a == "--distinct")
      o.distinct = std::stoi(next());
    else if (a == "--first")
      o.first = std::stoi(next());
    else if (a == "--mix")
      o.mix = true;
    else if (a == "--report-every")
      o.report_every = std::stod(next());
    else if (a == "--unsigned")
      o.unsigned_requests = true;
    else {
      std::cerr << "unknown argument " << a << "\n" << kUsage;
      exit_code = 2;
      return std::nullopt;
    }
  }
  return o;
}

double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0.0;
  return sorted[std::min(sorted.size() - 1, static_cast<size_t>(p * sorted.size()))];
}

// One line per --report-every window of the run, by when the answers came: a drift shows.
void report_windows(const Options& o, const std::vector<Results>& results, Clock::time_point start,
                    double elapsed) {
  if (o.report_every <= 0) return;
  auto windows = static_cast<size_t>(std::ceil(elapsed / o.report_every));
  std::vector<std::vector<double>> by_window(std::max<size_t>(windows, 1));
  for (const auto& r : results)
    for (size_t i = 0; i < r.latencies_ms.size(); ++i) {
      double at = std::chrono::duration<double>(r.answered_at[i] - start).count();
      by_window[std::min(by_window.size() - 1, static_cast<size_t>(at / o.report_every))].push_back(
          r.latencies_ms[i]);
    }
  for (size_t w = 0; w < by_window.size(); ++w) {
    auto& v = by_window[w];
    std::sort(v.begin(), v.end());
    std::printf("window %.0f-%.0f s: %zu answers  p50 %.2f  p99 %.2f  max %.2f ms\n",
                w * o.report_every, (w + 1) * o.report_every, v.size(), percentile(v, 0.5),
                percentile(v, 0.99), v.empty() ? 0.0 : v.back());
  }
}

void report(const Options& o, std::vector<Results>& results, double elapsed) {
  std::vector<double> latencies_ms;
  std::map<int, uint64_t> statuses;
  for (auto& r : results) {
    latencies_ms.insert(latencies_ms.end(), r.latencies_ms.begin(), r.latencies_ms.end());
    for (auto [s, n] : r.statuses) statuses[s] += n;
  }
  std::sort(latencies_ms.begin(), latencies_ms.end());
  auto pct = [&](double p) { return percentile(latencies_ms, p); };
  std::printf("requests %zu in %.2f s: %.0f req/s over %d connections%s\n", latencies_ms.size(),
              elapsed, latencies_ms.size() / elapsed, o.connections,
              o.rate > 0
                  ? (" (paced at " + std::to_string(static_cast<int>(o.rate)) + " req/s)").c_str()
                  : "");
  std::printf("latency ms: p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f\n", pct(0.50),
              pct(0.90), pct(0.99), pct(0.999), latencies_ms.empty() ? 0.0 : latencies_ms.back());
  std::printf("status:");
  for (auto [s, n] : statuses) std::printf(" %d x %llu", s, static_cast<unsigned long long>(n));
  std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) {
  int exit_code = 0;
  auto parsed = parse_options(argc, argv, exit_code);
  if (!parsed) return exit_code;
  Options o = *parsed;
  if (o.host.rfind("127.", 0) != 0) {
    std::cerr << "loadgen targets loopback addresses only\n";
    return 2;
  }
  o.seconds = std::min(o.seconds, 300.0);
  auto requests = build_requests(o);

  std::atomic<uint64_t> next_request{0};
  auto start = Clock::now();
  auto stop_at =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.seconds));
  // Paced: each connection sends every `interval`, the connections' phases spread evenly.
  auto interval = o.rate > 0 ? std::chrono::duration_cast<Clock::duration>(
                                   std::chrono::duration<double>(o.connections / o.rate))
                             : Clock::duration::zero();
  int threads = std::min(o.threads, o.connections);
  std::vector<std::vector<Conn>> shares(threads);
  for (int c = 0; c < o.connections; ++c) {
    Conn conn;
    conn.fd = connect_to(o);
    if (conn.fd < 0) {
      std::cerr << "cannot connect to " << o.host << ":" << o.port << "\n";
      return 1;
    }
    conn.due = start + interval * c / o.connections;
    shares[c % threads].push_back(std::move(conn));
  }
  std::vector<Results> results(threads);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t)
    workers.emplace_back(
        [&, t] { Driver(requests, next_request, shares[t], stop_at, interval, results[t]).run(); });
  for (auto& w : workers) w.join();
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  report(o, results, elapsed);
  report_windows(o, results, start, elapsed);
  for (const auto& r : results)
    if (!r.latencies_ms.empty()) return 0;
  return 1;
}
