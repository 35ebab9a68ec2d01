// The transfer aggregate: initiating, repeats, and taken ids; the steps
// after it are the saga's (saga_test.cpp).

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

BOOST_AUTO_TEST_CASE(a_transfer_the_saga_moved_on_is_still_the_same) {
  // The saga appends the later steps; initiating again is still a repeat
  // or a taken id, whatever the steps were.
  std::vector<transfer_event> done{init, transfer_debited{},
                                   transfer_credited{}, transfer_completed{}};
  std::vector<transfer_event> refunded{init, transfer_debited{},
                                       transfer_credit_failed{"closed"},
                                       transfer_compensated{}};
  for (const auto& given : {done, refunded}) {
    MINK_CHECK_THAT(gwt()
                      .given(given)
                      .when(initiate_transfer{"a", "b", 10})
                      .then_no_events());
    MINK_CHECK_THAT(gwt()
                      .given(given)
                      .when(initiate_transfer{"a", "b", 11})
                      .then_error(make_error(bank_errc::transfer_exists)));
  }
}

BOOST_AUTO_TEST_CASE(each_event_moves_the_status_it_names) {
  using ts = transfer_status;
  BOOST_TEST((status_after(init) == ts::initiated));
  BOOST_TEST((status_after(transfer_debited{}) == ts::debited));
  BOOST_TEST((status_after(transfer_credited{}) == ts::credited));
  BOOST_TEST((status_after(transfer_completed{}) == ts::completed));
  BOOST_TEST((status_after(transfer_rejected{"x"}) == ts::rejected));
  BOOST_TEST((status_after(transfer_credit_failed{"x"}) == ts::credit_failed));
  BOOST_TEST((status_after(transfer_compensated{}) == ts::compensated));
}

BOOST_AUTO_TEST_SUITE_END()
