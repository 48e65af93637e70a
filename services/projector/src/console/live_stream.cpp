#include "live_stream.hpp"

#include <utility>

#include "callstream/core/log.hpp"
#include "callstream/events/json.hpp"
#include "passwords.hpp"

namespace callstream::projector::console {
namespace log = core::log;

namespace {

constexpr size_t kRingSize = 1024;
constexpr size_t kMaxPayload = 7900;
constexpr const char* kHello = "retry: 2000\n: connected\n\n";
constexpr const char* kReset = "event: reset\ndata: {}\n\n";
constexpr const char* kHeartbeat = ": heartbeat\n\n";

// "calls CA1 CA2" -> {"kind":"calls","keys":["CA1","CA2"]}; "calls *" -> "keys":null.
std::string change_json(std::string_view payload, bool with_keys) {
  size_t space = payload.find(' ');
  events::JsonWriter w(payload.size() + 48);
  w.begin_object().field("kind", payload.substr(0, space));
  if (with_keys) {
    std::string_view rest = space == std::string_view::npos ? "" : payload.substr(space + 1);
    w.key("keys");
    if (rest == "*") {
      w.null();
    } else {
      w.begin_array();
      while (!rest.empty()) {
        size_t end = rest.find(' ');
        w.string(rest.substr(0, end));
        rest = end == std::string_view::npos ? "" : rest.substr(end + 1);
      }
      w.end_array();
    }
  }
  return w.end_object().str();
}

}  // namespace

std::string change_payload(std::string_view kind, const std::vector<std::string>& keys) {
  std::string out(kind);
  for (const auto& k : keys) {
    if (out.size() + k.size() + 1 > kMaxPayload) return std::string(kind) + " *";
    out += ' ';
    out += k;
  }
  return out;
}

struct LiveHub::Subscriber {
  explicit Subscriber(core::Gauge& g) : gauge(g) { gauge.add(1); }
  ~Subscriber() { gauge.add(-1); }
  core::Gauge& gauge;
  uint64_t cursor = 0;
  bool with_keys = false;
  bool hello = true;
  bool reset = false;
  http::NextChunk parked;
};

LiveHub::LiveHub(pg::ConnectionSettings settings, core::Registry& metrics,
                 std::chrono::milliseconds heartbeat)
    : settings_(std::move(settings)),
      heartbeat_(heartbeat),
      instance_(random_token(6)),
      changes_(metrics.counter("callstream_console_changes_total",
                               "Committed changes passed to the console's live streams")),
      open_streams_(metrics.gauge("callstream_console_streams", "Open console live streams")) {
  thread_ = std::thread([this] { listen_loop(); });
}

LiveHub::~LiveHub() { stop(); }

http::ChunkSource LiveHub::subscribe(std::string_view last_event_id, bool with_keys) {
  auto s = std::make_shared<Subscriber>(open_streams_);
  s->with_keys = with_keys;
  {
    std::lock_guard lock(mutex_);
    s->cursor = seq_;
    std::string own = instance_ + "-";
    if (!last_event_id.empty()) {
      uint64_t n =
          last_event_id.starts_with(own)
              ? std::strtoull(std::string(last_event_id.substr(own.size())).c_str(), nullptr, 10)
              : 0;
      bool known = n > 0 && n <= seq_ && (ring_.empty() || n + 1 >= ring_.front().seq);
      if (known) s->cursor = n;
      s->reset = !known;
    }
    std::erase_if(subscribers_, [](const auto& w) { return w.expired(); });
    subscribers_.push_back(s);
  }
  return [this, s](http::NextChunk next) { pull(s, std::move(next)); };
}

size_t LiveHub::streams() const {
  std::lock_guard lock(mutex_);
  size_t n = 0;
  for (const auto& w : subscribers_) n += w.expired() ? 0 : 1;
  return n;
}

std::string LiveHub::pending_text(Subscriber& s) const {
  std::string text;
  if (s.hello) text += kHello;
  s.hello = false;
  if (!ring_.empty() && s.cursor + 1 < ring_.front().seq) s.reset = true;  // fell behind
  if (s.reset) {
    text += kReset;
    s.reset = false;
    s.cursor = seq_;
  }
  for (const auto& c : ring_) {
    if (c.seq <= s.cursor) continue;
    text += "id: " + instance_ + "-" + std::to_string(c.seq) +
            "\nevent: change\ndata: " + change_json(c.payload, s.with_keys) + "\n\n";
  }
  s.cursor = seq_;
  return text;
}

void LiveHub::pull(const std::shared_ptr<Subscriber>& s, http::NextChunk next) {
  std::unique_lock lock(mutex_);
  if (stopping_) {
    lock.unlock();
    return next(std::nullopt);
  }
  std::string text = pending_text(*s);
  if (text.empty()) {
    s->parked = std::move(next);
    return;
  }
  lock.unlock();
  next(std::move(text));
}

// Every parked stream with something to say gets it (with a heartbeat, all of them do).
void LiveHub::wake(bool heartbeat_only) {
  std::vector<std::pair<http::NextChunk, std::string>> out;
  {
    std::lock_guard lock(mutex_);
    for (const auto& w : subscribers_) {
      auto s = w.lock();
      if (!s || !s->parked) continue;
      std::string text = pending_text(*s);
      if (text.empty() && heartbeat_only) text = kHeartbeat;
      if (text.empty()) continue;
      out.emplace_back(std::exchange(s->parked, nullptr), std::move(text));
    }
  }
  for (auto& [next, text] : out) next(std::move(text));
}

void LiveHub::publish(std::string payload) {
  {
    std::lock_guard lock(mutex_);
    ring_.push_back({++seq_, std::move(payload)});
    if (ring_.size() > kRingSize) ring_.pop_front();
  }
  changes_.inc();
  wake(false);
}

void LiveHub::reset_all() {
  {
    std::lock_guard lock(mutex_);
    for (const auto& w : subscribers_)
      if (auto s = w.lock()) s->reset = true;
  }
  wake(false);
}

void LiveHub::heartbeat() { wake(true); }

// LISTEN, pass on what arrives, beat; on a lost connection, reconnect each second and tell the
// streams to refetch (what was notified meanwhile is gone).
void LiveHub::listen_loop() {
  bool lost = false;
  auto last_beat = std::chrono::steady_clock::now();
  auto beat_if_due = [&] {
    if (std::chrono::steady_clock::now() - last_beat < heartbeat_) return;
    heartbeat();
    last_beat = std::chrono::steady_clock::now();
  };
  for (;;) {
    try {
      pg::Connection db(settings_);
      db.listen(kChangesChannel);
      connected_ = true;
      if (std::exchange(lost, false)) reset_all();
      for (;;) {
        if (std::lock_guard lock(mutex_); stopping_) return;
        for (auto& payload : db.notifications(std::chrono::milliseconds(250)))
          publish(std::move(payload));
        beat_if_due();
      }
    } catch (const pg::PgError& e) {
      connected_ = false;
      if (!lost) log::warn("console live stream: LISTEN lost; reconnecting", {{"error", e.what()}});
      lost = true;
    }
    std::unique_lock lock(mutex_);
    if (stopped_cv_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_; })) return;
    lock.unlock();
    beat_if_due();
  }
}

void LiveHub::stop() {
  std::vector<http::NextChunk> ending;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    for (const auto& w : subscribers_)
      if (auto s = w.lock(); s && s->parked) ending.push_back(std::exchange(s->parked, nullptr));
  }
  stopped_cv_.notify_all();
  for (auto& next : ending) next(std::nullopt);
  if (thread_.joinable()) thread_.join();
}

}  // namespace callstream::projector::console
