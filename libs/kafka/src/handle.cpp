#include "handle.hpp"

#include "callstream/core/log.hpp"

namespace callstream::kafka::detail {

ConfPtr make_conf() { return ConfPtr(rd_kafka_conf_new(), rd_kafka_conf_destroy); }

void set(rd_kafka_conf_t* conf, const std::string& name, const std::string& value) {
  char err[512];
  if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK)
    throw KafkaError("kafka property " + name + "=" + value + ": " + err, false);
}

void set_all(rd_kafka_conf_t* conf, const Properties& props) {
  for (const auto& [k, v] : props) set(conf, k, v);
}

KafkaPtr make_client(rd_kafka_type_t type, ConfPtr conf) {
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf.get(), err, sizeof err);
  if (!rk) throw KafkaError(std::string("cannot create kafka client: ") + err, false);
  conf.release();  // owned by rk now
  return KafkaPtr(rk, rd_kafka_destroy);
}

void route_logs(rd_kafka_conf_t* conf) {
  rd_kafka_conf_set_log_cb(
      conf, [](const rd_kafka_t* rk, int level, const char* fac, const char* buf) {
        namespace log = core::log;
        log::Level l = level <= 3   ? log::Level::error
                       : level <= 4 ? log::Level::warn
                       : level <= 6 ? log::Level::info
                                    : log::Level::debug;
        log::write(l, "librdkafka",
                   {{"client", rd_kafka_name(rk)}, {"facility", fac}, {"detail", buf}});
      });
}

PartitionListPtr make_list(int size) {
  return PartitionListPtr(rd_kafka_topic_partition_list_new(size),
                          rd_kafka_topic_partition_list_destroy);
}

}  // namespace callstream::kafka::detail
