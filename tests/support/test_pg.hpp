#pragma once
// The test PostgreSQL cluster started by the pg_cluster_start ctest fixture.
#include <string>

namespace callstream::test {

// A new, empty database (dropped first if it exists); returns its connection string.
// Requires CALLSTREAM_TEST_PG_DIR (set by ctest): run the tests through ctest.
std::string fresh_database(const std::string& name);

// Runs a query and returns the first column of the first row ("" when no rows).
std::string query_value(const std::string& dsn, const std::string& sql);

}  // namespace callstream::test
