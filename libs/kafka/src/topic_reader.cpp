#include "callstream/kafka/topic_reader.hpp"

#include <algorithm>
#include <map>

#include "callstream/core/log.hpp"
#include "handle.hpp"

namespace callstream::kafka {

struct TopicReader::Handle {
  detail::KafkaPtr rk{nullptr, rd_kafka_destroy};
  std::string topic;
  std::map<int32_t, int64_t> next;  // partition -> next offset to read
};

TopicReader::TopicReader(const std::string& brokers, const std::string& topic,
                         const std::string& client_id, std::chrono::milliseconds timeout)
    : handle_(std::make_unique<Handle>()) {
  handle_->topic = topic;
  auto conf = detail::make_conf();
  detail::set(conf.get(), "bootstrap.servers", brokers);
  detail::set(conf.get(), "client.id", client_id);
  // No group: nothing is committed, every start reads the whole topic.
  detail::set(conf.get(), "group.id", client_id + "-reader");
  detail::set(conf.get(), "enable.auto.commit", "false");
  // The end of a partition is reported, so catch_up() ends even where compaction left gaps.
  detail::set(conf.get(), "enable.partition.eof", "true");
  detail::route_logs(conf.get());
  handle_->rk = detail::make_client(RD_KAFKA_CONSUMER, std::move(conf));
  rd_kafka_poll_set_consumer(handle_->rk.get());

  std::unique_ptr<rd_kafka_topic_t, void (*)(rd_kafka_topic_t*)> rkt(
      rd_kafka_topic_new(handle_->rk.get(), topic.c_str(), nullptr), rd_kafka_topic_destroy);
  const rd_kafka_metadata_t* md = nullptr;
  auto err =
      rd_kafka_metadata(handle_->rk.get(), 0, rkt.get(), &md, static_cast<int>(timeout.count()));
  if (err) throw KafkaError("metadata of " + topic + ": " + rd_kafka_err2str(err), true);
  std::unique_ptr<const rd_kafka_metadata_t, void (*)(const rd_kafka_metadata_t*)> owned(
      md, rd_kafka_metadata_destroy);
  if (md->topic_cnt != 1 || md->topics[0].err || md->topics[0].partition_cnt == 0)
    throw KafkaError("topic " + topic + " does not exist or has no partitions", true);
  auto list = detail::make_list(md->topics[0].partition_cnt);
  for (int i = 0; i < md->topics[0].partition_cnt; ++i) {
    int32_t p = md->topics[0].partitions[i].id;
    rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), p)->offset =
        RD_KAFKA_OFFSET_BEGINNING;
    handle_->next[p] = 0;
  }
  if (auto e = rd_kafka_assign(handle_->rk.get(), list.get()))
    throw KafkaError("assign " + topic + ": " + rd_kafka_err2str(e), false);
}

TopicReader::~TopicReader() {
  // Not a group member: nothing to leave; skip the consumer close that would wait on brokers.
  rd_kafka_destroy_flags(handle_->rk.release(), RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
}

size_t TopicReader::poll(const OnMessage& on_message, std::chrono::milliseconds timeout) {
  size_t n = 0;
  int wait = static_cast<int>(timeout.count());
  for (;;) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(handle_->rk.get(), wait);
    if (!m) return n;
    wait = 0;
    ConsumedMessage message(m);
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      handle_->next[m->partition] = std::max(handle_->next[m->partition], m->offset);
      continue;
    }
    if (m->err) {
      core::log::warn("kafka reader error",
                      {{"topic", handle_->topic}, {"error", rd_kafka_err2name(m->err)}});
      continue;
    }
    handle_->next[m->partition] = m->offset + 1;
    on_message(message);
    ++n;
  }
}

bool TopicReader::catch_up(const OnMessage& on_message, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::map<int32_t, int64_t> ends;
  for (const auto& [p, next] : handle_->next) {
    int64_t low = 0, high = 0;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (rd_kafka_query_watermark_offsets(handle_->rk.get(), handle_->topic.c_str(), p, &low, &high,
                                         static_cast<int>(std::max<int64_t>(left.count(), 1))))
      return false;
    ends[p] = high;
  }
  for (;;) {
    bool done = true;
    for (const auto& [p, end] : ends)
      if (handle_->next[p] < end) done = false;
    if (done) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    poll(on_message, std::chrono::milliseconds(100));
  }
}

std::vector<int64_t> end_offsets(const std::string& brokers, const std::string& topic,
                                 std::chrono::milliseconds timeout) {
  TopicReader reader(brokers, topic, "callstream-end-offsets", timeout);
  std::vector<int64_t> out;
  for (const auto& [p, next] : reader.handle_->next) {
    int64_t low = 0, high = 0;
    if (auto err = rd_kafka_query_watermark_offsets(reader.handle_->rk.get(), topic.c_str(), p,
                                                    &low, &high, static_cast<int>(timeout.count())))
      throw KafkaError(
          "watermarks of " + topic + "/" + std::to_string(p) + ": " + rd_kafka_err2str(err), true);
    if (static_cast<size_t>(p) >= out.size()) out.resize(static_cast<size_t>(p) + 1, 0);
    out[static_cast<size_t>(p)] = high;
  }
  return out;
}

}  // namespace callstream::kafka
