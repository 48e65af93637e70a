// callstream-projector: Kafka topics in, PostgreSQL read models out, exactly once.
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "callstream/core/log.hpp"
#include "projector_app.hpp"

int main(int argc, char** argv) {
  using namespace callstream;
  std::string command = argc > 1 ? argv[1] : "run";
  if (command == "--help" || command == "-h" || command == "help") {
    std::cout << projector::ProjectorConfig::help();
    return 0;
  }
  core::log::set_service("callstream-projector");
  try {
    std::vector<std::string> args(argv + std::min(argc, 2), argv + argc);
    return projector::run_command(command, projector::ProjectorConfig::from_env(command), args);
  } catch (const std::exception& e) {
    core::log::error("cannot start", {{"error", e.what()}});
    return 1;
  }
}
