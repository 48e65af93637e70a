#pragma once
#include <string>
#include <vector>

#include "projector_config.hpp"

namespace callstream::projector {

// Runs a command of callstream-projector (run, migrate, dlq ...) with the arguments after it;
// returns the exit status.
int run_command(const std::string& command, ProjectorConfig config,
                const std::vector<std::string>& args = {});

}  // namespace callstream::projector
