#include "callstream/kafka/producer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <system_error>
#include <thread>

#include "callstream/core/log.hpp"
#include "handle.hpp"

namespace callstream::kafka {

struct Producer::Handle {
  detail::KafkaPtr rk{nullptr, rd_kafka_destroy};
};

namespace {

struct Waiter {
  DeliveryCallback done;
};

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void*) {
  std::unique_ptr<Waiter> waiter(static_cast<Waiter*>(m->_private));
  if (!waiter) return;
  DeliveryReport r;
  r.partition = m->partition;
  r.offset = m->offset;
  if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    r.status = Delivery::persisted;
  } else {
    r.error = rd_kafka_err2str(m->err);
    r.status = rd_kafka_message_status(m) == RD_KAFKA_MSG_STATUS_POSSIBLY_PERSISTED
                   ? Delivery::possibly_persisted
                   : Delivery::not_persisted;
  }
  waiter->done(r);
}

void on_error(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
  auto* settings = static_cast<ProducerSettings*>(opaque);
  if (err == RD_KAFKA_RESP_ERR__FATAL) {
    char buf[512];
    rd_kafka_fatal_error(rk, buf, sizeof buf);
    std::string why = std::string("fatal producer error: ") + buf;
    if (settings->on_fatal) {
      settings->on_fatal(why);
    } else {
      core::log::error(why, {{"action", "exiting: the idempotent producer cannot go on"}});
      std::_Exit(70);
    }
    return;
  }
  core::log::warn(
      "kafka producer error",
      {{"error", rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err))}, {"reason", reason}});
}

}  // namespace

const char* to_string(Delivery d) {
  switch (d) {
    case Delivery::persisted:
      return "persisted";
    case Delivery::possibly_persisted:
      return "possibly_persisted";
    case Delivery::not_persisted:
      return "not_persisted";
  }
  return "not_persisted";
}

Producer::Producer(ProducerSettings settings)
    : handle_(std::make_unique<Handle>()), settings_(std::move(settings)) {
  auto conf = detail::make_conf();
  detail::set(conf.get(), "bootstrap.servers", settings_.brokers);
  detail::set(conf.get(), "client.id", settings_.client_id);
  detail::set(conf.get(), "enable.idempotence", "true");  // implies acks=all; never overridden
  detail::set(conf.get(), "message.timeout.ms", std::to_string(settings_.delivery_timeout.count()));
  // linger.ms takes fractions: "0.500" (written without the locale's decimal separator).
  auto linger_us = settings_.linger.count();
  std::string fraction = std::to_string(1000 + linger_us % 1000).substr(1);
  detail::set(conf.get(), "linger.ms", std::to_string(linger_us / 1000) + "." + fraction);
  detail::set(conf.get(), "compression.type", "lz4");
  detail::set_all(conf.get(), settings_.extra);
  detail::route_logs(conf.get());
  rd_kafka_conf_set_dr_msg_cb(conf.get(), on_delivery);
  rd_kafka_conf_set_error_cb(conf.get(), on_error);
  rd_kafka_conf_set_opaque(conf.get(), &settings_);
  handle_->rk = detail::make_client(RD_KAFKA_PRODUCER, std::move(conf));
  poller_ = std::thread([this] {
    while (running_.load(std::memory_order_acquire)) rd_kafka_poll(handle_->rk.get(), 50);
  });
}

Producer::~Producer() {
  if (!flush(settings_.delivery_timeout + std::chrono::seconds(1)))
    core::log::warn("kafka producer closed with undelivered messages",
                    {{"queued", std::to_string(queue_depth())}});
  running_ = false;
  if (poller_.joinable()) poller_.join();
  // Reports still owed are delivered (as failures) by rd_kafka_destroy through poll: purge first.
  rd_kafka_purge(handle_->rk.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  rd_kafka_flush(handle_->rk.get(), 1000);
  handle_->rk.reset();
  for (int fd : wake_fds_)
    if (fd >= 0) ::close(fd);
}

int Producer::take_over_polling() {
  if (wake_fds_[0] >= 0) return wake_fds_[0];
  running_ = false;
  if (poller_.joinable()) poller_.join();
  if (::pipe2(wake_fds_, O_NONBLOCK | O_CLOEXEC) != 0)
    throw std::system_error(errno, std::generic_category(), "pipe2");
  rd_kafka_queue_t* main_queue = rd_kafka_queue_get_main(handle_->rk.get());
  // librdkafka writes the byte when the queue goes from empty to non-empty.
  rd_kafka_queue_io_event_enable(main_queue, wake_fds_[1], "r", 1);
  rd_kafka_queue_destroy(main_queue);
  // Reports that arrived while the poll thread stopped: make the first wait return at once.
  [[maybe_unused]] auto n = ::write(wake_fds_[1], "r", 1);
  return wake_fds_[0];
}

void Producer::serve_reports() {
  char buf[256];
  // librdkafka writes one byte per wake-up: a short read has emptied the pipe.
  if (wake_fds_[0] >= 0)
    while (::read(wake_fds_[0], buf, sizeof buf) == static_cast<ssize_t>(sizeof buf)) {
    }
  // Drained after the read: a report arriving from here on writes the pipe again.
  while (rd_kafka_poll(handle_->rk.get(), 0) > 0) {
  }
}

void Producer::publish(const Message& message, DeliveryCallback done) {
  auto waiter = std::make_unique<Waiter>(Waiter{std::move(done)});
  rd_kafka_headers_t* headers = rd_kafka_headers_new(message.headers.size());
  for (const auto& h : message.headers)
    rd_kafka_header_add(headers, h.name.data(), static_cast<ssize_t>(h.name.size()), h.value.data(),
                        static_cast<ssize_t>(h.value.size()));
  // The poll thread drains the queue; a full queue gets a short, bounded wait.
  rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
  for (int attempt = 0; attempt < 20; ++attempt) {
    err = rd_kafka_producev(
        handle_->rk.get(), RD_KAFKA_V_TOPIC(message.topic.c_str()),
        RD_KAFKA_V_KEY(message.key.data(), message.key.size()),
        RD_KAFKA_V_VALUE(const_cast<char*>(message.value.data()), message.value.size()),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(headers),
        RD_KAFKA_V_OPAQUE(waiter.get()), RD_KAFKA_V_END);
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    waiter.release();  // completed by on_delivery
    return;
  }
  rd_kafka_headers_destroy(headers);  // not taken over on failure
  DeliveryReport r;
  r.status = Delivery::not_persisted;
  r.error = std::string(rd_kafka_err2name(err)) + ": " + rd_kafka_err2str(err);
  if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL)
    r.error += " (raise queue.buffering.max.messages or add brokers)";
  waiter->done(r);
}

bool Producer::connect(std::chrono::milliseconds timeout) {
  const rd_kafka_metadata_t* md = nullptr;
  auto err =
      rd_kafka_metadata(handle_->rk.get(), 0, nullptr, &md, static_cast<int>(timeout.count()));
  if (md) rd_kafka_metadata_destroy(md);
  return err == RD_KAFKA_RESP_ERR_NO_ERROR;
}

bool Producer::flush(std::chrono::milliseconds timeout) {
  return rd_kafka_flush(handle_->rk.get(), static_cast<int>(timeout.count())) ==
         RD_KAFKA_RESP_ERR_NO_ERROR;
}

int64_t Producer::queue_depth() const { return rd_kafka_outq_len(handle_->rk.get()); }

}  // namespace callstream::kafka
