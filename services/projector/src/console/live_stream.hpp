#pragma once
// The console's live stream: Server-Sent Events of what the projector committed. The apply
// transaction announces each batch's change on the `callstream_changes` channel (NOTIFY, so it
// is delivered only once committed, in commit order); every serving instance LISTENs and passes
// the changes to its open streams. Each change gets an id "<instance>-<n>": a client that
// reconnects with Last-Event-ID gets what it missed from the last 1,024 changes, or an
// `event: reset` (refetch everything) when that cannot be told (another instance, too old, a
// lost LISTEN connection). A comment line every 15 s keeps proxies from closing the stream.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "callstream/core/metrics.hpp"
#include "callstream/http/message.hpp"
#include "callstream/pg/connection.hpp"

namespace callstream::projector::console {

inline constexpr const char* kChangesChannel = "callstream_changes";

// The NOTIFY payload for one batch: "<kind> <key> <key>...", or "<kind> *" when the keys would
// not fit (NOTIFY payloads stop at 8,000 bytes).
std::string change_payload(std::string_view kind, const std::vector<std::string>& keys);

class LiveHub {
 public:
  LiveHub(pg::ConnectionSettings settings, core::Registry& metrics,
          std::chrono::milliseconds heartbeat = std::chrono::seconds(15));
  ~LiveHub();
  LiveHub(const LiveHub&) = delete;
  LiveHub& operator=(const LiveHub&) = delete;

  // The body of one client's stream. `with_keys`: whether changes name the calls and tasks
  // (supervisors), or only what kind of thing changed (agents refetch their own view).
  http::ChunkSource subscribe(std::string_view last_event_id, bool with_keys);
  // Ends every stream (they finish cleanly) and stops listening.
  void stop();
  size_t streams() const;
  // LISTENing now: what the console's readiness reports when it serves alone.
  bool connected() const { return connected_; }

 private:
  struct Change {
    uint64_t seq;
    std::string payload;  // as notified
  };
  struct Subscriber;
  void listen_loop();
  void publish(std::string payload);
  void reset_all();
  void heartbeat();
  void pull(const std::shared_ptr<Subscriber>& s, http::NextChunk next);
  std::string pending_text(Subscriber& s) const;  // under mutex_
  void wake(bool heartbeat_only);

  pg::ConnectionSettings settings_;
  std::chrono::milliseconds heartbeat_;
  std::string instance_;
  core::Counter& changes_;
  core::Gauge& open_streams_;
  mutable std::mutex mutex_;
  std::condition_variable stopped_cv_;
  bool stopping_ = false;
  std::atomic<bool> connected_{false};
  uint64_t seq_ = 0;
  std::deque<Change> ring_;
  std::vector<std::weak_ptr<Subscriber>> subscribers_;
  std::thread thread_;
};

}  // namespace callstream::projector::console
