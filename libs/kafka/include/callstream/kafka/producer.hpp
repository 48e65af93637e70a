#pragma once
// An idempotent producer (acks=all) whose publish completes when the broker's delivery report
// arrives. The callback is the "delivery waiter": it travels as the message opaque and is
// completed by the report, exactly once, on the producer's poll thread.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <thread>

#include "callstream/kafka/settings.hpp"

namespace callstream::kafka {

enum class Delivery {
  persisted,           // the broker has it (acks=all)
  possibly_persisted,  // may or may not be there: treat as a failure, a retry is harmless
  not_persisted,
};

const char* to_string(Delivery d);

struct DeliveryReport {
  Delivery status = Delivery::not_persisted;
  std::string error;  // empty when persisted
  int32_t partition = -1;
  int64_t offset = -1;
};

using DeliveryCallback = std::function<void(const DeliveryReport&)>;

class Producer {
 public:
  explicit Producer(ProducerSettings settings);
  ~Producer();  // flushes for up to the delivery timeout, then closes
  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  // Enqueues the message. `done` is called exactly once: with the delivery report, or at once
  // (not_persisted) when the message cannot be enqueued (local queue full past a short wait,
  // unknown topic, message too large).
  void publish(const Message& message, DeliveryCallback done);

  // Waits until a broker answers (cluster metadata), so that the first publish does not pay for
  // connecting. False when none answered within `timeout`.
  bool connect(std::chrono::milliseconds timeout);

  // Waits until every enqueued message has its report; false on timeout.
  bool flush(std::chrono::milliseconds timeout);

  // Messages and requests waiting in the producer (rd_kafka_outq_len).
  int64_t queue_depth() const;

  // Hands delivery reports over to an event loop: stops the producer's poll thread and returns
  // a file descriptor that becomes readable when reports are waiting; the loop then calls
  // serve_reports() on its own thread. Saves a thread handoff per report. Call once; flush()
  // and the destructor still serve reports themselves.
  int take_over_polling();
  // Serves every waiting delivery report now (never blocks) and clears the descriptor.
  void serve_reports();

 private:
  struct Handle;
  std::unique_ptr<Handle> handle_;
  ProducerSettings settings_;
  std::atomic<bool> running_{true};
  std::thread poller_;
  int wake_fds_[2] = {-1,
                      -1};  // pipe written by librdkafka when reports arrive (take_over_polling)
};

}  // namespace callstream::kafka
