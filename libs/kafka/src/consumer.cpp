#include "callstream/kafka/consumer.hpp"

#include <algorithm>

#include "callstream/core/log.hpp"
#include "handle.hpp"

namespace callstream::kafka {

// ---- ConsumedMessage ----

ConsumedMessage::ConsumedMessage(rd_kafka_message_s* m) : m_(m) {}
ConsumedMessage::ConsumedMessage(ConsumedMessage&& o) noexcept : m_(o.m_) { o.m_ = nullptr; }
ConsumedMessage& ConsumedMessage::operator=(ConsumedMessage&& o) noexcept {
  if (this != &o) {
    if (m_) rd_kafka_message_destroy(m_);
    m_ = o.m_;
    o.m_ = nullptr;
  }
  return *this;
}
ConsumedMessage::~ConsumedMessage() {
  if (m_) rd_kafka_message_destroy(m_);
}
std::string_view ConsumedMessage::topic() const { return rd_kafka_topic_name(m_->rkt); }
int32_t ConsumedMessage::partition() const { return m_->partition; }
int64_t ConsumedMessage::offset() const { return m_->offset; }
std::string_view ConsumedMessage::key() const {
  return m_->key ? std::string_view(static_cast<const char*>(m_->key), m_->key_len)
                 : std::string_view();
}
std::string_view ConsumedMessage::value() const {
  return m_->payload ? std::string_view(static_cast<const char*>(m_->payload), m_->len)
                     : std::string_view();
}
std::optional<std::string_view> ConsumedMessage::header(const char* name) const {
  rd_kafka_headers_t* hdrs = nullptr;
  if (rd_kafka_message_headers(m_, &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR) return std::nullopt;
  const void* value = nullptr;
  size_t size = 0;
  if (rd_kafka_header_get_last(hdrs, name, &value, &size) != RD_KAFKA_RESP_ERR_NO_ERROR)
    return std::nullopt;
  return std::string_view(static_cast<const char*>(value), size);
}
int64_t ConsumedMessage::timestamp_ms() const { return rd_kafka_message_timestamp(m_, nullptr); }

// ---- Consumer ----

struct Consumer::Handle {
  detail::KafkaPtr rk{nullptr, rd_kafka_destroy};
  RebalanceListener* listener = nullptr;
  bool closed = false;
};

namespace {

std::vector<TopicPartition> to_vector(const rd_kafka_topic_partition_list_t* list) {
  std::vector<TopicPartition> out;
  for (int i = 0; i < list->cnt; ++i)
    out.push_back({list->elems[i].topic, list->elems[i].partition, list->elems[i].offset});
  return out;
}

bool cooperative(rd_kafka_t* rk) {
  const char* protocol = rd_kafka_rebalance_protocol(rk);
  return protocol && std::string_view(protocol) == "COOPERATIVE";
}

void take(rd_kafka_t* rk, const std::vector<TopicPartition>& partitions) {
  auto list = detail::make_list(static_cast<int>(partitions.size()));
  for (const auto& tp : partitions)
    rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition)->offset =
        tp.offset;
  if (!cooperative(rk)) {
    rd_kafka_assign(rk, list.get());
  } else if (rd_kafka_error_t* e = rd_kafka_incremental_assign(rk, list.get())) {
    core::log::error("kafka incremental assign failed", {{"error", rd_kafka_error_string(e)}});
    rd_kafka_error_destroy(e);
  }
}

// Gives back what a rebalance revokes: with the cooperative protocol only those partitions (the
// others keep flowing), with the eager one the whole assignment.
void give_back(rd_kafka_t* rk, rd_kafka_topic_partition_list_t* parts) {
  if (!cooperative(rk)) {
    rd_kafka_assign(rk, nullptr);
  } else if (rd_kafka_error_t* e = rd_kafka_incremental_unassign(rk, parts)) {
    core::log::error("kafka incremental unassign failed", {{"error", rd_kafka_error_string(e)}});
    rd_kafka_error_destroy(e);
  }
}

void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts,
                  void* opaque) {
  auto* listener = static_cast<RebalanceListener*>(opaque);
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    auto assigned = to_vector(parts);
    listener->on_assigned(assigned);
    take(rk, assigned);
  } else {
    listener->on_revoked(to_vector(parts));
    give_back(rk, parts);
  }
}

void set_group_membership(rd_kafka_conf_t* conf, const ConsumerSettings& settings) {
  auto session = settings.session_timeout.count();
  detail::set(conf, "session.timeout.ms", std::to_string(session));
  detail::set(conf, "heartbeat.interval.ms", std::to_string(std::max<long long>(100, session / 6)));
  // A join or a leave moves only the partitions that change owner; the rest keep flowing.
  detail::set(conf, "partition.assignment.strategy", "cooperative-sticky");
  if (!settings.group_instance_id.empty())
    detail::set(conf, "group.instance.id", settings.group_instance_id);
}

}  // namespace

Consumer::Consumer(ConsumerSettings settings, RebalanceListener& listener)
    : handle_(std::make_unique<Handle>()) {
  handle_->listener = &listener;
  auto conf = detail::make_conf();
  detail::set(conf.get(), "bootstrap.servers", settings.brokers);
  detail::set(conf.get(), "group.id", settings.group_id);
  detail::set(conf.get(), "client.id", settings.client_id);
  // Offsets live in PostgreSQL; Kafka's committed offsets only feed lag dashboards.
  detail::set(conf.get(), "enable.auto.commit", "true");
  detail::set(conf.get(), "enable.auto.offset.store", "false");
  detail::set(conf.get(), "auto.offset.reset", "earliest");
  detail::set(conf.get(), "enable.partition.eof", "false");
  set_group_membership(conf.get(), settings);
  detail::set_all(conf.get(), settings.extra);
  detail::route_logs(conf.get());
  rd_kafka_conf_set_rebalance_cb(conf.get(), on_rebalance);
  rd_kafka_conf_set_opaque(conf.get(), &listener);
  handle_->rk = detail::make_client(RD_KAFKA_CONSUMER, std::move(conf));
  rd_kafka_poll_set_consumer(handle_->rk.get());
  auto topics = detail::make_list(static_cast<int>(settings.topics.size()));
  for (const auto& t : settings.topics)
    rd_kafka_topic_partition_list_add(topics.get(), t.c_str(), RD_KAFKA_PARTITION_UA);
  if (auto err = rd_kafka_subscribe(handle_->rk.get(), topics.get()))
    throw KafkaError(std::string("subscribe: ") + rd_kafka_err2str(err), false);
}

Consumer::~Consumer() {
  close(std::chrono::seconds(10));
  if (!rd_kafka_consumer_closed(handle_->rk.get()))
    // A close that timed out (brokers unreachable): destroying normally would close again and
    // block.
    rd_kafka_destroy_flags(handle_->rk.release(), RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
}

std::vector<ConsumedMessage> Consumer::poll_batch(size_t max, std::chrono::milliseconds timeout,
                                                  std::chrono::milliseconds linger) {
  using Clock = std::chrono::steady_clock;
  std::vector<ConsumedMessage> out;
  int wait = static_cast<int>(timeout.count());
  Clock::time_point until{};  // with a linger: when the batch stops collecting
  while (out.size() < max) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(handle_->rk.get(), wait);
    if (!m) {
      if (out.empty() || linger.count() == 0) break;
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
      if (left.count() <= 0) break;
      wait = static_cast<int>(left.count());
      continue;
    }
    if (out.empty() && linger.count() > 0) until = Clock::now() + linger;
    wait = 0;  // what is queued already, then (with a linger) what comes until `until`
    if (m->err) {
      core::log::warn("kafka consumer error", {{"error", rd_kafka_err2name(m->err)},
                                               {"detail", rd_kafka_message_errstr(m)}});
      rd_kafka_message_destroy(m);
      continue;
    }
    out.emplace_back(m);
  }
  return out;
}

void Consumer::seek(const std::string& topic, int32_t partition, int64_t offset,
                    std::chrono::milliseconds timeout) {
  auto list = detail::make_list(1);
  rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), partition)->offset = offset;
  if (rd_kafka_error_t* e = rd_kafka_seek_partitions(handle_->rk.get(), list.get(),
                                                     static_cast<int>(timeout.count()))) {
    std::string why = rd_kafka_error_string(e);
    rd_kafka_error_destroy(e);
    throw KafkaError("seek " + topic + "/" + std::to_string(partition) + ": " + why, true);
  }
}

void Consumer::store_offset(const std::string& topic, int32_t partition, int64_t next_offset) {
  auto list = detail::make_list(1);
  rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), partition)->offset = next_offset;
  rd_kafka_offsets_store(handle_->rk.get(), list.get());  // fails harmlessly if no longer assigned
}

int64_t Consumer::high_watermark(const std::string& topic, int32_t partition) const {
  int64_t low = -1, high = -1;
  if (rd_kafka_get_watermark_offsets(handle_->rk.get(), topic.c_str(), partition, &low, &high))
    return -1;
  return high;
}

std::vector<TopicPartition> Consumer::assignment() const {
  rd_kafka_topic_partition_list_t* list = nullptr;
  if (rd_kafka_assignment(handle_->rk.get(), &list)) return {};
  detail::PartitionListPtr owned(list, rd_kafka_topic_partition_list_destroy);
  return to_vector(list);
}

void Consumer::close(std::chrono::milliseconds timeout) {
  if (handle_->closed) return;
  handle_->closed = true;
  // rd_kafka_consumer_close has no deadline of its own: close through a queue we poll with one.
  rd_kafka_queue_t* q = rd_kafka_queue_new(handle_->rk.get());
  if (rd_kafka_error_t* e = rd_kafka_consumer_close_queue(handle_->rk.get(), q)) {
    rd_kafka_error_destroy(e);
  } else {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!rd_kafka_consumer_closed(handle_->rk.get()) &&
           std::chrono::steady_clock::now() < deadline) {
      if (rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 100)) {
        if (rd_kafka_event_type(ev) == RD_KAFKA_EVENT_REBALANCE) {
          // Revocation during close: tell the listener, then release the assignment.
          auto* parts = rd_kafka_event_topic_partition_list(ev);
          handle_->listener->on_revoked(to_vector(parts));
          give_back(handle_->rk.get(), parts);
        }
        rd_kafka_event_destroy(ev);
      }
    }
    if (!rd_kafka_consumer_closed(handle_->rk.get()))
      core::log::warn("kafka consumer close timed out",
                      {{"timeout_ms", std::to_string(timeout.count())}});
  }
  rd_kafka_queue_destroy(q);
}

}  // namespace callstream::kafka
