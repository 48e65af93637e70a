#include "handle.hpp"

#include <mutex>

#include "callstream/core/log.hpp"

namespace callstream::kafka::detail {

namespace {

std::mutex common_mutex;
Properties common;  // set_common_properties()

// Passwords and keys stay out of error messages (and so out of the logs).
bool secret(const std::string& name) {
  return name.find("password") != std::string::npos || name.find("secret") != std::string::npos ||
         name.find("key") != std::string::npos;
}

}  // namespace

ConfPtr make_conf() {
  ConfPtr conf(rd_kafka_conf_new(), rd_kafka_conf_destroy);
  std::lock_guard lock(common_mutex);
  set_all(conf.get(), common);
  return conf;
}

void set(rd_kafka_conf_t* conf, const std::string& name, const std::string& value) {
  char err[512];
  if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK)
    throw KafkaError(
        "kafka property " + name + "=" + (secret(name) ? "<redacted>" : value) + ": " + err, false);
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

namespace callstream::kafka {

void set_common_properties(Properties properties) {
  std::lock_guard lock(detail::common_mutex);
  detail::common = std::move(properties);
}

}  // namespace callstream::kafka
