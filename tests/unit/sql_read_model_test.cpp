// sql_read_model's declared tables: created by setup, emptied by clear,
// bad names refused; a read model without tables cannot be cleared.

#include <boost/test/unit_test.hpp>

#include <memory>
#include <string>
#include <vector>

#include "mink/errc.hpp"
#include "mink/projection/read_model.hpp"
#include "mink/testing/read_model_scenario.hpp"
#include "mink/serialization/declared_events.hpp"

using namespace mink;
using mink::testing::read_model_scenario;
using mink::testing::table_rows;

namespace sql_read_model_test {

struct deposited {
  int64_t amount = 0;
};
MINK_EVENT(deposited, "Deposited", amount)

/// Deposits per account, in one or two tables.
class deposits : public sql_read_model {
public:
  deposits(std::shared_ptr<const event_registry> reg, std::string table_name,
           bool with_log)
    : sql_read_model("deposits", std::move(reg), "account") {
    if (!table_name.empty())
      table(table_name, "id text PRIMARY KEY, total bigint NOT NULL");
    if (with_log)
      table("deposit_log", "position bigint PRIMARY KEY");
    on<deposited>([this, table_name, with_log](soci::session& sql,
                                                     const auto& ev) {
      std::string id{ev.id()};
      long long amount = ev.data.amount;
      long long position = ev.position();
      sql << "INSERT INTO " + table_name + " (id, total) VALUES (:i, :a) "
             "ON CONFLICT (id) DO UPDATE SET total = total + excluded.total",
        soci::use(id), soci::use(amount);
      if (with_log)
        sql << "INSERT INTO deposit_log (position) VALUES (:p)",
          soci::use(position);
    });
  }
};

std::shared_ptr<event_registry> registry() {
  auto reg = std::make_shared<event_registry>();
  BOOST_REQUIRE(!register_events<deposited>(*reg));
  return reg;
}

} // namespace sql_read_model_test

using namespace sql_read_model_test;

BOOST_AUTO_TEST_SUITE(sql_read_model_tables)

BOOST_AUTO_TEST_CASE(declared_tables_are_created_and_cleared) {
  auto reg = registry();
  auto model = std::make_shared<deposits>(reg, "totals", true);
  read_model_scenario sc{model, reg};
  BOOST_REQUIRE(!sc.given("account-a", deposited{5}));
  BOOST_REQUIRE(!sc.given("account-a", deposited{7}));
  BOOST_TEST(sc.rows("SELECT id, total FROM totals")
             == (table_rows{{"a", "12"}}));
  BOOST_TEST(sc.rows("SELECT count(*) FROM deposit_log")
             == (table_rows{{"2"}}));
  BOOST_REQUIRE(!sc.run([&](soci::session& sql) { return model->clear(sql); }));
  BOOST_TEST(sc.rows("SELECT count(*) FROM totals") == (table_rows{{"0"}}));
  BOOST_TEST(sc.rows("SELECT count(*) FROM deposit_log")
             == (table_rows{{"0"}}));
}

BOOST_AUTO_TEST_CASE(a_table_name_that_is_no_identifier_is_refused) {
  auto reg = registry();
  for (const auto& bad : std::vector<std::string>{"totals; DROP TABLE x", "1totals",
                                                   "a.b.c", ".t", "t.",
                                                   std::string(64, 't')}) {
    read_model_scenario sc{std::make_shared<deposits>(reg, bad, false), reg};
    auto err = sc.given("account-a", deposited{5});
    BOOST_TEST_CONTEXT(bad) {
      BOOST_CHECK((code_of(err) == errc::invalid_argument));
      BOOST_CHECK(to_text(err).find("is not an identifier") != std::string::npos);
    }
  }
  // A schema-qualified name is an identifier (SQLite: the main schema).
  read_model_scenario sc{std::make_shared<deposits>(reg, "main.totals", false),
                         reg};
  BOOST_REQUIRE(!sc.given("account-a", deposited{5}));
  BOOST_TEST(sc.rows("SELECT total FROM totals") == (table_rows{{"5"}}));
}

BOOST_AUTO_TEST_CASE(a_read_model_without_tables_cannot_be_cleared) {
  auto reg = registry();
  auto model = std::make_shared<deposits>(reg, "", false);
  read_model_scenario sc{model, reg};
  auto err = sc.run([&](soci::session& sql) { return model->clear(sql); });
  BOOST_CHECK((code_of(err) == errc::invalid_argument));
  BOOST_CHECK(to_text(err).find("declares no table") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
