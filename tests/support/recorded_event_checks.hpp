#pragma once

// Comparing recorded events field by field (export/import round trips).

#include <vector>

#include <boost/test/unit_test.hpp>

#include "mink/event.hpp"

namespace mink::test_support {

/// Checks that `got` holds the events of `want`, every field equal.
inline void check_same_events(const std::vector<recorded_event>& got,
                              const std::vector<recorded_event>& want) {
  BOOST_REQUIRE_EQUAL(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    BOOST_TEST_CONTEXT("event " << i) {
      BOOST_TEST(got[i].event_id == want[i].event_id);
      BOOST_TEST(got[i].stream_id == want[i].stream_id);
      BOOST_TEST(got[i].stream_version == want[i].stream_version);
      BOOST_TEST(got[i].global_position == want[i].global_position);
      BOOST_TEST(got[i].type == want[i].type);
      BOOST_TEST(got[i].schema_version == want[i].schema_version);
      BOOST_TEST(got[i].data == want[i].data);
      BOOST_TEST((got[i].meta == want[i].meta));
      BOOST_TEST(got[i].timestamp_us == want[i].timestamp_us);
    }
  }
}

} // namespace mink::test_support
