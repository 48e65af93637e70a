#pragma once
// The read models' schema and the settings its views read.
#include "callstream/pg/connection.hpp"
#include "projector_config.hpp"

namespace callstream::projector {

// Applies pending migrations (under an advisory lock); returns how many ran.
int run_migrations(pg::Connection& c);
// Writes the settings the analytics views read (time zone, service level threshold).
void write_settings(pg::Connection& c, const ProjectorConfig& config);

}  // namespace callstream::projector
