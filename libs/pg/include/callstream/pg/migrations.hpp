#pragma once
// Numbered SQL migrations (NNN_name.sql), applied in order, each in its own transaction, under a
// PostgreSQL advisory lock so that concurrent starts do not race. Applied versions are recorded
// in schema_migrations; a file changed after being applied is refused (its checksum differs).
#include <string>
#include <string_view>
#include <vector>

#include "callstream/pg/connection.hpp"

namespace callstream::pg {

struct Migration {
  int version = 0;
  std::string name;  // file name, e.g. "001_calls.sql"
  std::string sql;
};

// From (file name, contents) pairs; names must start with a number. Sorted by version.
std::vector<Migration> migrations_from(
    const std::vector<std::pair<std::string, std::string>>& files);

// Applies the pending migrations; returns how many ran.
int migrate(Connection& c, const std::vector<Migration>& migrations);

}  // namespace callstream::pg
