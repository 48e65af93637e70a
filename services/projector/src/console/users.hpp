#pragma once
// `callstream-projector users add|passwd|disable|list`: the console's accounts.
#include <iosfwd>
#include <string>
#include <vector>

#include "callstream/pg/connection.hpp"

namespace callstream::projector::console {

// Runs one subcommand; the password is read from the terminal (not echoed) or from standard
// input when that is not a terminal, never from the command line. Returns the exit status.
int users_command(pg::Connection& db, const std::vector<std::string>& args, std::istream& in,
                  std::ostream& out, std::ostream& err);

}  // namespace callstream::projector::console
