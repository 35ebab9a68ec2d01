#pragma once

// Boost.Test adaptor for mink's framework-neutral test checks. Include it in
// test programs only; libmink itself does not depend on Boost.Test.

#include <boost/test/unit_test.hpp>

#include "mink/testing/check_result.hpp"

/// Checks a `mink::testing::check_result` (e.g. the result of
/// `given_when_then::then_events`); on failure, reports its difference and
/// lets the test case go on.
#define MINK_CHECK_THAT(expr)                                                 \
  do {                                                                        \
    const ::mink::testing::check_result& mink_check_result_ = (expr);         \
    BOOST_CHECK_MESSAGE(mink_check_result_.ok,                                \
                        "\n" << mink_check_result_.difference);               \
  } while (false)

/// Like `MINK_CHECK_THAT`, but ends the test case on failure.
#define MINK_REQUIRE_THAT(expr)                                               \
  do {                                                                        \
    const ::mink::testing::check_result& mink_check_result_ = (expr);         \
    BOOST_REQUIRE_MESSAGE(mink_check_result_.ok,                              \
                          "\n" << mink_check_result_.difference);             \
  } while (false)
