#pragma once

// The PostgreSQL server of the tests: its connection string from
// MINK_TEST_PG (scripts/test.sh sets it) and statements on a connection of
// their own.

#include <cstdlib>
#include <string>

#include <boost/test/unit_test.hpp>
#include <libpq-fe.h>

#include "mink/adapters/postgres/postgres_config.hpp"

namespace mink::test_support {

/// The connection string in MINK_TEST_PG; "" when it is unset or empty.
inline std::string pg_test_conninfo() {
  auto env = std::getenv("MINK_TEST_PG");
  return env != nullptr ? env : "";
}

/// The connection string in MINK_TEST_PG; fails the test case when it is
/// unset or empty.
inline std::string require_pg_test_conninfo() {
  auto result = pg_test_conninfo();
  BOOST_REQUIRE_MESSAGE(!result.empty(),
                        "MINK_TEST_PG is not set: run scripts/test.sh");
  return result;
}

/// A store configuration on the test server (`require_pg_test_conninfo`)
/// in `schema`, with `pool_size` connections.
inline postgres_config pg_test_config(const std::string& schema,
                                      size_t pool_size = 2) {
  postgres_config cfg;
  cfg.conninfo = require_pg_test_conninfo();
  cfg.schema = schema;
  cfg.pool_size = pool_size;
  return cfg;
}

/// Runs `sql` on a connection of its own (notices are not printed); returns
/// the first column of the first row, "" when there is none. Does nothing
/// without MINK_TEST_PG and never throws (fixtures call it from their
/// destructors).
inline std::string pg_test_query(const std::string& sql) {
  auto conninfo = pg_test_conninfo();
  if (conninfo.empty())
    return {};
  auto conn = PQconnectdb(conninfo.c_str());
  PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);
  auto res = PQexec(conn, sql.c_str());
  std::string value;
  if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) > 0)
    value = PQgetvalue(res, 0, 0);
  PQclear(res);
  PQfinish(conn);
  return value;
}

/// A Boost.Test precondition: the test case runs only with MINK_TEST_PG
/// set (`*boost::unit_test::precondition(has_pg{})`).
struct has_pg {
  boost::test_tools::assertion_result
  operator()(boost::unit_test::test_unit_id) const {
    boost::test_tools::assertion_result ok{!pg_test_conninfo().empty()};
    ok.message() << "MINK_TEST_PG is not set";
    return ok;
  }
};

/// Drops `schema` with everything in it, leaving nothing behind in the
/// shared database. Never throws.
inline void pg_test_drop_schema(const std::string& schema) {
  pg_test_query("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
}

} // namespace mink::test_support
