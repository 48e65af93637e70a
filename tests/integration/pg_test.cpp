// libs/pg against a real PostgreSQL.
#include <catch2/catch.hpp>

#include "callstream/pg/connection.hpp"
#include "callstream/pg/migrations.hpp"
#include "test_pg.hpp"

using namespace callstream;

TEST_CASE("migrations apply once, in order, and refuse an edited file", "[pg]") {
  std::string dsn = test::fresh_database("pg_migrations");
  pg::Connection c(pg::ConnectionSettings{dsn});
  auto files = pg::migrations_from({{"002_more.sql", "ALTER TABLE t ADD COLUMN b int"},
                                    {"001_first.sql", "CREATE TABLE t (a int)"}});
  REQUIRE(files[0].version == 1);
  CHECK(pg::migrate(c, files) == 2);
  CHECK(pg::migrate(c, files) == 0);
  CHECK(test::query_value(dsn, "SELECT count(*) FROM schema_migrations") == "2");
  files[1].sql += " -- edited";
  CHECK_THROWS_WITH(pg::migrate(c, files), Catch::Contains("002_more.sql was changed"));
  CHECK_THROWS(pg::migrations_from({{"nonumber.sql", ""}}));
  CHECK_THROWS(pg::migrations_from({{"001_a.sql", ""}, {"001_b.sql", ""}}));
}

TEST_CASE("a failing migration leaves nothing behind", "[pg]") {
  std::string dsn = test::fresh_database("pg_migration_fail");
  pg::Connection c(pg::ConnectionSettings{dsn});
  auto files = pg::migrations_from(
      {{"001_ok.sql", "CREATE TABLE ok (a int)"},
       {"002_bad.sql", "CREATE TABLE half (a int); SELECT nonsense FROM nowhere"}});
  CHECK_THROWS_AS(pg::migrate(c, files), pg::PgError);
  CHECK(test::query_value(dsn, "SELECT count(*) FROM schema_migrations") == "1");
  CHECK(test::query_value(dsn, "SELECT to_regclass('half')::text") == "");
}

TEST_CASE("transactions roll back unless committed", "[pg]") {
  std::string dsn = test::fresh_database("pg_tx");
  pg::Connection c(pg::ConnectionSettings{dsn});
  c.exec("CREATE TABLE t (a int)");
  {
    pg::Transaction tx(c);
    c.exec("ins", "INSERT INTO t VALUES ($1)", {"1"});
  }
  CHECK(test::query_value(dsn, "SELECT count(*) FROM t") == "0");
  {
    pg::Transaction tx(c);
    c.exec("ins", "INSERT INTO t VALUES ($1)", {"2"});
    tx.commit();
  }
  CHECK(test::query_value(dsn, "SELECT sum(a) FROM t") == "2");
}

TEST_CASE("array literals carry any text through unnest", "[pg]") {
  std::string dsn = test::fresh_database("pg_arrays");
  pg::Connection c(pg::ConnectionSettings{dsn});
  const std::vector<std::string> values = {
      "plain", "with \"quotes\"", "back\\slash", "{braces},commas", "Jos\xC3\xA9", "", "NULL"};
  pg::ArrayLiteral a;
  for (const auto& v : values) a.add(v);
  a.add_null();
  std::string literal = a.str();
  auto r =
      c.exec("unnest", "SELECT x FROM unnest($1::text[]) WITH ORDINALITY AS t(x, n) ORDER BY n",
             {literal});
  REQUIRE(r.rows() == static_cast<int>(values.size() + 1));
  for (size_t i = 0; i < values.size(); ++i) CHECK(r.get(static_cast<int>(i), 0) == values[i]);
  CHECK(r.is_null(static_cast<int>(values.size()), 0));
}

TEST_CASE("errors carry the SQLSTATE and the statement's name", "[pg]") {
  std::string dsn = test::fresh_database("pg_errors");
  pg::Connection c(pg::ConnectionSettings{dsn});
  try {
    c.exec("kBroken", "SELECT * FROM missing_table", {});
    FAIL("expected PgError");
  } catch (const pg::PgError& e) {
    CHECK(e.sqlstate() == "42P01");
    CHECK_FALSE(e.connection_lost());
    CHECK(std::string(e.what()).find("kBroken") == 0);
  }
  CHECK_THROWS_WITH(
      pg::Connection(pg::ConnectionSettings{"host=/nonexistent dbname=x", "t", 1000, 1}),
      Catch::Contains("DATABASE_URL"));
}

TEST_CASE("a prepared statement is parsed once per connection and survives a rolled-back batch",
          "[pg]") {
  std::string dsn = test::fresh_database("pg_prepared");
  pg::Connection c(pg::ConnectionSettings{dsn});
  c.exec("CREATE TABLE t (a int)");
  const char* insert = "INSERT INTO t SELECT unnest($1::int[])";
  auto prepared = [&] {
    return c.exec("n", "SELECT count(*) FROM pg_prepared_statements WHERE name = 'ins'", {})
        .get_int(0, 0);
  };
  {
    pg::Transaction tx(c);
    c.exec_prepared("ins", insert, {"{1,2}"});
  }  // rolled back: the rows go, the statement stays
  CHECK(prepared() == 1);
  c.exec_prepared("ins", insert, {"{3}"});
  CHECK(test::query_value(dsn, "SELECT sum(a) FROM t") == "3");
  CHECK(prepared() == 1);
  // One name is one statement: another text under it is a bug, not a second statement.
  CHECK_THROWS_AS(c.exec_prepared("ins", "INSERT INTO t VALUES ($1)", {"4"}), std::logic_error);
  // A new session has none: the statement is prepared again there.
  c.reconnect();
  CHECK(prepared() == 0);
  c.exec_prepared("ins", insert, {"{5}"});
  CHECK(test::query_value(dsn, "SELECT sum(a) FROM t") == "8");
  // Errors name the statement, as exec's do.
  CHECK_THROWS_WITH(c.exec_prepared("bad", "SELECT nonsense FROM nowhere", {}),
                    Catch::Contains("bad"));
}
