// The account aggregate: Given past events, When a command, Then events or
// a business error.

#include <boost/test/unit_test.hpp>

#include "mink/serialization/state_codec.hpp"

#include "aggregate_fixture.hpp"
#include "bank/account.hpp"
#include "bank/errors.hpp"
#include "bank/events.hpp"
#include "mink/testing/boost_test.hpp"
#include "mink/testing/given_when_then.hpp"

using namespace bank;

namespace {

using fixture = bank_test::aggregate_fixture<account>;

} // namespace

BOOST_FIXTURE_TEST_SUITE(account_aggregate, fixture)

BOOST_AUTO_TEST_CASE(opening_a_new_account) {
  MINK_CHECK_THAT(gwt().when(open_account{"Ada"}).then_events(
    {account_opened{"Ada"}}));
  MINK_CHECK_THAT(gwt().when(open_account{""}).then_error(
    make_error(bank_errc::invalid_owner)));
  MINK_CHECK_THAT(gwt()
                    .given({account_opened{"Ada"}})
                    .when(open_account{"Ada"})
                    .then_no_events());
  MINK_CHECK_THAT(gwt()
                    .given({account_opened{"Ada"}})
                    .when(open_account{"Bob"})
                    .then_error(make_error(bank_errc::account_already_open)));
}

BOOST_AUTO_TEST_CASE(deposits_and_withdrawals_never_overdraw) {
  MINK_CHECK_THAT(gwt()
                    .given({account_opened{"Ada"}})
                    .when(deposit{100})
                    .then_events({money_deposited{100}}));
  MINK_CHECK_THAT(gwt()
                    .given({account_opened{"Ada"}, money_deposited{100}})
                    .when(withdraw{100})
                    .then_events({money_withdrawn{100}}));
  MINK_CHECK_THAT(gwt()
                    .given({account_opened{"Ada"}, money_deposited{100}})
                    .when(withdraw{101})
                    .then_error(make_error(bank_errc::insufficient_funds)));
  MINK_CHECK_THAT(gwt()
                    .given({account_opened{"Ada"}})
                    .when(deposit{0})
                    .then_error(make_error(bank_errc::invalid_amount)));
  MINK_CHECK_THAT(gwt()
                    .given({account_opened{"Ada"}})
                    .when(withdraw{-5})
                    .then_error(make_error(bank_errc::invalid_amount)));
  MINK_CHECK_THAT(gwt().when(deposit{10}).then_error(
    make_error(bank_errc::account_not_open)));
  MINK_CHECK_THAT(gwt()
                    .given({account_opened{"Ada"}, money_deposited{max_amount},
                            money_deposited{max_amount}})
                    .when(deposit{max_amount})
                    .then_events({money_deposited{max_amount}}));
}

BOOST_AUTO_TEST_CASE(closing_pays_out_the_balance) {
  MINK_CHECK_THAT(gwt()
                    .given({account_opened{"Ada"}, money_deposited{70}})
                    .when(close_account{})
                    .then_events({money_withdrawn{70}, account_closed{}}));
  MINK_CHECK_THAT(gwt()
                    .given({account_opened{"Ada"}})
                    .when(close_account{})
                    .then_events({account_closed{}}));
  MINK_CHECK_THAT(gwt()
                    .given({account_opened{"Ada"}, account_closed{}})
                    .when(deposit{5})
                    .then_error(make_error(bank_errc::account_closed)));
}

BOOST_AUTO_TEST_CASE(transfer_steps_on_an_account) {
  MINK_CHECK_THAT(gwt()
                    .given({account_opened{"Ada"}, money_deposited{50}})
                    .when(debit_for_transfer{"t1", 50})
                    .then_events({funds_debited{"t1", 50}}));
  MINK_CHECK_THAT(gwt()
                    .given({account_opened{"Ada"}, money_deposited{50}})
                    .when(debit_for_transfer{"t1", 51})
                    .then_error(make_error(bank_errc::insufficient_funds)));
  MINK_CHECK_THAT(gwt()
                    .given({account_opened{"Bob"}})
                    .when(credit_for_transfer{"t1", 50})
                    .then_events({funds_credited{"t1", 50}}));
  // A closed or unknown target refuses the credit: the saga compensates.
  MINK_CHECK_THAT(gwt()
                    .given({account_opened{"Bob"}, account_closed{}})
                    .when(credit_for_transfer{"t1", 50})
                    .then_error(make_error(bank_errc::account_closed)));
  MINK_CHECK_THAT(gwt().when(credit_for_transfer{"t1", 50}).then_error(
    make_error(bank_errc::account_not_open)));
  // A refund reaches a source that closed meanwhile: no money is lost.
  MINK_CHECK_THAT(gwt()
                    .given({account_opened{"Ada"}, money_deposited{50},
                            funds_debited{"t1", 50}, account_closed{}})
                    .when(refund_transfer{"t1", 50})
                    .then_events({funds_refunded{"t1", 50}}));
}

BOOST_AUTO_TEST_CASE(balance_follows_the_events) {
  account a;
  a.apply({account_opened{"Ada"}, money_deposited{100}, funds_debited{"t", 30},
           funds_refunded{"t", 30}, funds_credited{"u", 5},
           money_withdrawn{20}});
  BOOST_CHECK_EQUAL(a.state().balance, 85);
  BOOST_CHECK(a.state().status == account_status::open);
  BOOST_CHECK_EQUAL(a.version(), 6);
}

BOOST_AUTO_TEST_CASE(snapshot_state_round_trip) {
  using codec = mink::state_codec<account_decider>;
  static_assert(codec::available && !codec::hand_written);
  BOOST_TEST(codec::schema_version() == 2);
  account_state st{account_status::closed, "Ada", 42};
  rapidjson::Document doc;
  codec::encode(st, doc);
  BOOST_TEST(std::string{doc["status"].GetString()} == "closed");
  auto back = codec::decode(doc);
  BOOST_REQUIRE(back);
  BOOST_CHECK(back->status == account_status::closed);
  BOOST_CHECK_EQUAL(back->owner, "Ada");
  BOOST_CHECK_EQUAL(back->balance, 42);
  for (auto text : {R"({"status":7,"owner":"x","balance":1})",
                    R"({"status":"frozen","owner":"x","balance":1})",
                    R"({"status":"open","owner":"x"})"}) {
    rapidjson::Document bad;
    bad.Parse(text);
    auto x = codec::decode(bad);
    BOOST_CHECK_MESSAGE(!x, text);
  }
}

BOOST_AUTO_TEST_SUITE_END()
