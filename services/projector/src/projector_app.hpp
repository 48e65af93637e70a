#pragma once
#include <string>

#include "projector_config.hpp"

namespace callstream::projector {

// Runs a command of callstream-projector ("run" or "migrate"); returns the exit status.
int run_command(const std::string& command, ProjectorConfig config);

}  // namespace callstream::projector
