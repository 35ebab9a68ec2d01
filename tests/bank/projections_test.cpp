// The bank's read models, given events: then these rows.

#include <boost/test/unit_test.hpp>

#include "bank/events.hpp"
#include "bank/projections.hpp"
#include "mink/testing/read_model_scenario.hpp"

using namespace bank;
using mink::testing::read_model_scenario;
using mink::testing::table_rows;

namespace {

struct fixture {
  std::shared_ptr<mink::event_registry> registry = [] {
    auto reg = std::make_shared<mink::event_registry>();
    BOOST_REQUIRE(!register_events(*reg));
    return reg;
  }();
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(bank_read_models, fixture)

BOOST_AUTO_TEST_CASE(accounts_keep_balance_status_and_history) {
  read_model_scenario sc{std::make_shared<accounts_projection>("", registry),
                         registry};
  BOOST_REQUIRE(!sc.given("account-a", account_opened{"Ada"}, {}, 10));
  BOOST_REQUIRE(!sc.given("account-a", money_deposited{500}, {}, 20));
  BOOST_REQUIRE(!sc.given("account-b", account_opened{"Bob"}, {}, 30));
  BOOST_REQUIRE(!sc.given("account-a", funds_debited{"t1", 200}, {}, 40));
  BOOST_REQUIRE(!sc.given("transfer-t1", transfer_debited{})); // not its
  BOOST_REQUIRE(!sc.given("account-b", account_closed{}, {}, 50));
  BOOST_TEST(sc.rows("SELECT id, owner, status, balance, version FROM "
                     "bank_accounts ORDER BY id")
             == (table_rows{{"a", "Ada", "open", "300", "3"},
                            {"b", "Bob", "closed", "0", "2"}}));
  BOOST_TEST(sc.rows("SELECT account, version, position, kind, amount, "
                     "transfer_id, balance, at_us FROM bank_history WHERE "
                     "account = 'a' ORDER BY version")
             == (table_rows{{"a", "1", "1", "opened", "0", "", "0", "10"},
                            {"a", "2", "2", "deposit", "500", "", "500", "20"},
                            {"a", "3", "4", "transfer_out", "200", "t1", "300",
                             "40"}}));
}

BOOST_AUTO_TEST_CASE(totals_add_up_in_one_row) {
  read_model_scenario sc{std::make_shared<totals_projection>("", registry),
                         registry};
  BOOST_REQUIRE(!sc.given("account-a", account_opened{"Ada"}));
  BOOST_REQUIRE(!sc.given("account-a", money_deposited{500}));
  BOOST_REQUIRE(!sc.given("account-a", funds_debited{"t1", 200}));
  BOOST_REQUIRE(!sc.given("account-a", money_withdrawn{100}));
  BOOST_REQUIRE(!sc.given("account-a", funds_refunded{"t1", 200}));
  BOOST_TEST(sc.rows("SELECT deposits, withdrawals, in_transit, accounts "
                     "FROM bank_totals")
             == (table_rows{{"500", "100", "0", "1"}}));
}

BOOST_AUTO_TEST_CASE(transfers_follow_their_status_and_reason) {
  read_model_scenario sc{std::make_shared<transfers_projection>("", registry),
                         registry};
  BOOST_REQUIRE(!sc.given("transfer-t1", transfer_initiated{"a", "b", 70}));
  BOOST_REQUIRE(!sc.given("transfer-t2", transfer_initiated{"a", "c", 5}));
  BOOST_REQUIRE(!sc.given("transfer-t1", transfer_debited{}));
  BOOST_REQUIRE(!sc.given("transfer-t1", transfer_credit_failed{"closed"}));
  BOOST_REQUIRE(!sc.given("transfer-t2", transfer_rejected{"no money"}));
  BOOST_TEST(sc.rows("SELECT id, from_account, to_account, amount, status, "
                     "reason, position FROM bank_transfers ORDER BY id")
             == (table_rows{{"t1", "a", "b", "70", "credit_failed", "closed",
                             "4"},
                            {"t2", "a", "c", "5", "rejected", "no money",
                             "5"}}));
}

BOOST_AUTO_TEST_SUITE_END()
