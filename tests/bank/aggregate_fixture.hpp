#pragma once

// The fixture of the aggregate tests: the bank's events registered, and a
// Given/When/Then of one aggregate.

#include <boost/test/unit_test.hpp>

#include "bank/errors.hpp"
#include "bank/events.hpp"
#include "mink/errc.hpp"
#include "mink/serialization/event_registry.hpp"
#include "mink/testing/given_when_then.hpp"

namespace bank_test {

/// Registers the bank's events; `gwt()` starts a test of `Aggregate`.
template <class Aggregate>
struct aggregate_fixture {
  mink::event_registry registry;

  aggregate_fixture() {
    auto err = bank::register_events(registry);
    BOOST_REQUIRE_MESSAGE(!err, mink::to_text(err));
  }

  mink::testing::given_when_then<Aggregate> gwt() {
    return mink::testing::given_when_then<Aggregate>{registry, bank::describe};
  }
};

} // namespace bank_test
