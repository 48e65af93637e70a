#include "test_pg.hpp"

#include <cstdlib>
#include <stdexcept>

#include "callstream/pg/connection.hpp"

namespace callstream::test {

static std::string cluster_dsn(const std::string& db) {
  const char* dir = std::getenv("CALLSTREAM_TEST_PG_DIR");
  if (!dir || !*dir)
    throw std::runtime_error(
        "CALLSTREAM_TEST_PG_DIR is not set: run the tests with ctest (it starts the cluster)");
  return std::string("host=") + dir + " port=5432 user=postgres dbname=" + db;
}

std::string fresh_database(const std::string& name) {
  pg::Connection admin(pg::ConnectionSettings{cluster_dsn("postgres")});
  admin.exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
  admin.exec("CREATE DATABASE " + name);
  return cluster_dsn(name);
}

std::string query_value(const std::string& dsn, const std::string& sql) {
  pg::Connection c(pg::ConnectionSettings{dsn});
  auto r = c.exec(sql);
  if (r.rows() == 0 || r.is_null(0, 0)) return "";
  return std::string(r.get(0, 0));
}

}  // namespace callstream::test
