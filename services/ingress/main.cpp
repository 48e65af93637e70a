// callstream-ingress: Twilio webhooks in, CloudEvents to Kafka out.
#include <cstring>
#include <iostream>

#include "callstream/core/log.hpp"
#include "ingress_app.hpp"

int main(int argc, char** argv) {
  using namespace callstream;
  if (argc > 1 && (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0)) {
    std::cout << ingress::IngressConfig::help();
    return 0;
  }
  core::log::set_service("callstream-ingress");
  try {
    auto config = ingress::IngressConfig::from_env();
    core::log::set_level(config.log_level);
    ingress::IngressApp app(std::move(config));
    app.run();
    return 0;
  } catch (const std::exception& e) {
    core::log::error("cannot start", {{"error", e.what()}});
    return 1;
  }
}
