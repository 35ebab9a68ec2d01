// mink::sql::row_batch and select_in on every SQL store (SQLite,
// PostgreSQL): many rows in a few statements, upserts, values bound as
// parameters. Skipped for adapters without SQL.

#include "checkpoint_fixture.hpp"

#include <map>
#include <string>

#include <soci/soci.h>

#include "mink/adapters/sql/sql_checkpoint_store.hpp"
#include "mink/adapters/sql/row_batch.hpp"

using namespace mink;
using namespace mink::conformance;

namespace {

struct row_batch_fixture : checkpoint_fixture {
  row_batch_fixture() {
    sql = dynamic_cast<sql_checkpoint_store*>(cps.get());
    if (sql == nullptr)
      return;
    table = storage->table_name("batch_rows");
    MINK_REQUIRE_NO_ERROR(sql->run([&](soci::session& s) -> caf::error {
      s << "CREATE TABLE " + table
             + " (k TEXT PRIMARY KEY, v BIGINT NOT NULL, note TEXT NOT NULL)";
      return {};
    }));
  }

  /// Every row, by key, through select_in.
  std::map<std::string, std::pair<long long, std::string>>
  rows(const std::vector<std::string>& keys) {
    std::map<std::string, std::pair<long long, std::string>> out;
    MINK_REQUIRE_NO_ERROR(sql->run([&](soci::session& s) -> caf::error {
      sql::select_in(s, "SELECT k, v, note FROM " + table + " WHERE k", keys,
                     [&](const soci::row& r) {
                       out[r.get<std::string>(0)] = {sql::get_int(r, 1),
                                                     r.get<std::string>(2)};
                     });
      return {};
    }));
    return out;
  }

  sql_checkpoint_store* sql = nullptr;
  std::string table;
};

#define SKIP_UNLESS_SQL()                                                      \
  if (sql == nullptr) {                                                        \
    BOOST_TEST_MESSAGE(storage->name() << ": not a SQL store");                \
    return;                                                                    \
  }

} // namespace

BOOST_FIXTURE_TEST_SUITE(row_batch_suite, row_batch_fixture)

BOOST_AUTO_TEST_CASE(many_rows_over_several_statements) {
  SKIP_UNLESS_SQL();
  // 3 columns: 666 rows per statement, so 2500 rows take 4.
  std::vector<std::string> keys;
  sql::row_batch batch{"INSERT INTO " + table + " (k, v, note)", 3};
  for (long long i = 0; i < 2500; ++i) {
    keys.push_back("k" + std::to_string(i));
    batch.add({keys.back(), i, std::string{"it's 'quoted' \"text\"; --"}});
  }
  MINK_REQUIRE_NO_ERROR(sql->run([&](soci::session& s) -> caf::error {
    batch.execute(s);
    return {};
  }));
  auto got = rows(keys);
  BOOST_REQUIRE_EQUAL(got.size(), 2500u);
  BOOST_TEST(got["k1234"].first == 1234);
  BOOST_TEST(got["k2499"].second == "it's 'quoted' \"text\"; --");
}

BOOST_AUTO_TEST_CASE(a_tail_makes_it_an_upsert) {
  SKIP_UNLESS_SQL();
  auto upsert = [&](long long v) {
    sql::row_batch batch{"INSERT INTO " + table + " (k, v, note)", 3,
                         "ON CONFLICT (k) DO UPDATE SET v = excluded.v"};
    batch.add({std::string{"a"}, v, std::string{"x"}});
    batch.add({std::string{"b"}, v + 1, std::string{"y"}});
    MINK_REQUIRE_NO_ERROR(sql->run([&](soci::session& s) -> caf::error {
      batch.execute(s);
      return {};
    }));
  };
  upsert(1);
  upsert(10);
  auto got = rows({"a", "b", "missing"});
  BOOST_REQUIRE_EQUAL(got.size(), 2u);
  BOOST_TEST(got["a"].first == 10);
  BOOST_TEST(got["b"].first == 11);
}

BOOST_AUTO_TEST_CASE(an_empty_batch_runs_nothing_and_a_short_row_is_refused) {
  SKIP_UNLESS_SQL();
  sql::row_batch batch{"INSERT INTO no_such_table (k)", 1};
  MINK_REQUIRE_NO_ERROR(sql->run([&](soci::session& s) -> caf::error {
    batch.execute(s); // no statement: the missing table is never named
    return {};
  }));
  BOOST_CHECK_THROW(batch.add({std::string{"a"}, 1LL}), std::invalid_argument);
  BOOST_TEST(rows({}).empty());
}

BOOST_AUTO_TEST_SUITE_END()
