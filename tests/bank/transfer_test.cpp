// The transfer aggregate: steps in order, repeats decide nothing, steps out
// of order are refused.

#include <boost/test/unit_test.hpp>

#include "aggregate_fixture.hpp"
#include "bank/errors.hpp"
#include "bank/events.hpp"
#include "bank/transfer.hpp"
#include "mink/testing/boost_test.hpp"
#include "mink/testing/given_when_then.hpp"

using namespace bank;

namespace {

struct fixture : bank_test::aggregate_fixture<transfer> {
  transfer_initiated init{"a", "b", 10};
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(transfer_aggregate, fixture)

BOOST_AUTO_TEST_CASE(initiating) {
  MINK_CHECK_THAT(gwt().when(initiate_transfer{"a", "b", 10}).then_events(
    {transfer_initiated{"a", "b", 10}}));
  MINK_CHECK_THAT(gwt().when(initiate_transfer{"a", "a", 10}).then_error(
    make_error(bank_errc::same_account)));
  MINK_CHECK_THAT(gwt().when(initiate_transfer{"a", "b", 0}).then_error(
    make_error(bank_errc::invalid_amount)));
  MINK_CHECK_THAT(
    gwt().given({init}).when(initiate_transfer{"a", "b", 10}).then_no_events());
  MINK_CHECK_THAT(gwt()
                    .given({init})
                    .when(initiate_transfer{"a", "c", 10})
                    .then_error(make_error(bank_errc::transfer_exists)));
}

BOOST_AUTO_TEST_CASE(the_happy_path) {
  MINK_CHECK_THAT(
    gwt().given({init}).when(record_debit{}).then_events({transfer_debited{}}));
  MINK_CHECK_THAT(gwt()
                    .given({init, transfer_debited{}})
                    .when(record_credit{})
                    .then_events({transfer_credited{}}));
  MINK_CHECK_THAT(gwt()
                    .given({init, transfer_debited{}, transfer_credited{}})
                    .when(complete_transfer{})
                    .then_events({transfer_completed{}}));
}

BOOST_AUTO_TEST_CASE(rejection_and_compensation) {
  MINK_CHECK_THAT(gwt()
                    .given({init})
                    .when(reject_transfer{"no funds"})
                    .then_events({transfer_rejected{"no funds"}}));
  MINK_CHECK_THAT(gwt()
                    .given({init, transfer_debited{}})
                    .when(record_credit_failure{"closed"})
                    .then_events({transfer_credit_failed{"closed"}}));
  MINK_CHECK_THAT(
    gwt()
      .given({init, transfer_debited{}, transfer_credit_failed{"closed"}})
      .when(record_compensation{})
      .then_events({transfer_compensated{}}));
}

BOOST_AUTO_TEST_CASE(repeated_steps_decide_nothing) {
  MINK_CHECK_THAT(gwt()
                    .given({init, transfer_debited{}})
                    .when(record_debit{})
                    .then_no_events());
  MINK_CHECK_THAT(gwt()
                    .given({init, transfer_debited{}, transfer_credited{},
                            transfer_completed{}})
                    .when(record_debit{})
                    .then_no_events());
  MINK_CHECK_THAT(gwt()
                    .given({init, transfer_debited{},
                            transfer_credit_failed{"x"},
                            transfer_compensated{}})
                    .when(record_credit_failure{"x"})
                    .then_no_events());
}

BOOST_AUTO_TEST_CASE(steps_out_of_order_are_refused) {
  MINK_CHECK_THAT(gwt().given({init}).when(record_credit{}).then_error(
    make_error(bank_errc::invalid_transfer_state)));
  MINK_CHECK_THAT(gwt().when(record_debit{}).then_error(
    make_error(bank_errc::invalid_transfer_state)));
  MINK_CHECK_THAT(gwt()
                    .given({init, transfer_rejected{"x"}})
                    .when(record_debit{})
                    .then_error(make_error(bank_errc::invalid_transfer_state)));
  MINK_CHECK_THAT(gwt()
                    .given({init, transfer_debited{}, transfer_credited{}})
                    .when(record_compensation{})
                    .then_error(make_error(bank_errc::invalid_transfer_state)));
  MINK_CHECK_THAT(gwt()
                    .given({init, transfer_debited{},
                            transfer_credit_failed{"x"}})
                    .when(record_credit{})
                    .then_error(make_error(bank_errc::invalid_transfer_state)));
}

BOOST_AUTO_TEST_SUITE_END()
