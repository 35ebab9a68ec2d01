// Conformance: appending to many streams in one call.

#include "fixture.hpp"

#include <algorithm>

using namespace mink;
using namespace mink::conformance;

namespace {

using ev = expected_version;

/// Collects the positions of all successful results, sorted.
std::vector<int64_t> committed_positions(const append_results& results) {
  std::vector<int64_t> result;
  for (const auto& x : results)
    if (x)
      result.insert(result.end(), x->positions.begin(), x->positions.end());
  std::sort(result.begin(), result.end());
  return result;
}

/// Checks each result of a batch: a success where `want` says
/// `errc::none`, that error otherwise.
void check_outcomes(const append_results& results,
                    const std::vector<errc>& want) {
  BOOST_REQUIRE_EQUAL(results.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    BOOST_TEST_CONTEXT("result " << i) {
      if (want[i] == errc::none)
        MINK_CHECK_OK(results[i]);
      else
        MINK_CHECK_ERRC(results[i], want[i]);
    }
  }
}

/// Checks that every successful result has ascending, consecutive positions.
void check_ascending(const append_results& results) {
  for (size_t i = 0; i < results.size(); ++i) {
    if (!results[i])
      continue;
    const auto& ps = results[i]->positions;
    for (size_t j = 1; j < ps.size(); ++j)
      BOOST_TEST(ps[j] > ps[j - 1], "stream " << i << ": positions "
                                              << ps[j - 1] << ", " << ps[j]
                                              << " are not ascending");
  }
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(batch_suite, store_fixture)

BOOST_AUTO_TEST_CASE(empty_batch_returns_no_results) {
  auto results = store->append(std::vector<stream_append>{});
  BOOST_TEST(results.empty());
  BOOST_TEST(last_position() == 0);
}

BOOST_AUTO_TEST_CASE(each_stream_gets_its_own_result) {
  append_n("cart-b", 2);
  std::vector<stream_append> batch;
  batch.push_back({"cart-a", ev::no_stream(), make_events(3)});
  batch.push_back({"cart-b", ev::exact(2), make_events(1)});
  batch.push_back({"cart-c", ev::any(), make_events(2)});
  auto results = store->append(batch);
  BOOST_REQUIRE_EQUAL(results.size(), 3u);
  for (const auto& x : results)
    MINK_REQUIRE_OK(x);
  BOOST_TEST(results[0]->version == 3);
  BOOST_TEST(results[0]->positions.size() == 3u);
  BOOST_TEST(results[1]->version == 3);
  BOOST_TEST(results[1]->positions.size() == 1u);
  BOOST_TEST(results[2]->version == 2);
  BOOST_TEST(results[2]->positions.size() == 2u);
  check_ascending(results);
  BOOST_TEST(committed_positions(results)
               == (std::vector<int64_t>{3, 4, 5, 6, 7, 8}),
             boost::test_tools::per_element());
  BOOST_TEST(last_position() == 8);
  // The returned positions are those of the stored events.
  for (size_t i = 0; i < batch.size(); ++i) {
    auto events = read_stream_all(batch[i].stream_id);
    auto tail = std::vector<recorded_event>(
      events.end() - static_cast<ptrdiff_t>(results[i]->positions.size()),
      events.end());
    BOOST_TEST(positions_of(tail) == results[i]->positions,
               boost::test_tools::per_element());
  }
  BOOST_TEST(info("cart-a").version == 3);
  BOOST_TEST(info("cart-b").version == 3);
  BOOST_TEST(info("cart-c").version == 2);
}

BOOST_AUTO_TEST_CASE(wrong_version_rejects_only_that_stream) {
  append_n("cart-b", 2);
  std::vector<stream_append> batch;
  batch.push_back({"cart-a", ev::no_stream(), make_events(2)});
  batch.push_back({"cart-b", ev::exact(1), make_events(3)});
  batch.push_back({"cart-c", ev::no_stream(), make_events(1)});
  batch.push_back({"cart-d", ev::stream_exists(), make_events(1)});
  batch.push_back({"cart-e", ev::exact(0), make_events(2)});
  auto results = store->append(batch);
  constexpr auto ok = errc::none;
  constexpr auto wrong = errc::wrong_expected_version;
  check_outcomes(results, {ok, wrong, ok, wrong, ok});
  check_ascending(results);
  // Rejected streams consume no positions: 2 + 1 + 2 events after 2.
  BOOST_TEST(committed_positions(results) == (std::vector<int64_t>{3, 4, 5, 6,
                                                                   7}),
             boost::test_tools::per_element());
  BOOST_TEST(last_position() == 7);
  BOOST_TEST(info("cart-b").version == 2);
  BOOST_TEST(!info("cart-d").exists);
  BOOST_TEST(positions_of(read_everything()) == iota_from_one(7),
             boost::test_tools::per_element());
  // The next append continues densely.
  auto next = append_n("cart-f", 1);
  BOOST_TEST(next.positions == std::vector<int64_t>{8},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(first_and_last_streams_may_fail_alone) {
  append_n("cart-a", 1);
  std::vector<stream_append> batch;
  batch.push_back({"cart-a", ev::no_stream(), make_events(1)});
  batch.push_back({"cart-b", ev::no_stream(), make_events(2)});
  batch.push_back({"cart-c", ev::exact(4), make_events(1)});
  auto results = store->append(batch);
  BOOST_REQUIRE_EQUAL(results.size(), 3u);
  MINK_CHECK_ERRC(results[0], errc::wrong_expected_version);
  MINK_REQUIRE_OK(results[1]);
  MINK_CHECK_ERRC(results[2], errc::wrong_expected_version);
  BOOST_TEST(results[1]->positions == (std::vector<int64_t>{2, 3}),
             boost::test_tools::per_element());
  BOOST_TEST(last_position() == 3);
}

BOOST_AUTO_TEST_CASE(all_streams_failing_writes_nothing) {
  append_n("cart-a", 1);
  std::vector<stream_append> batch;
  batch.push_back({"cart-a", ev::no_stream(), make_events(1)});
  batch.push_back({"cart-b", ev::stream_exists(), make_events(2)});
  auto results = store->append(batch);
  BOOST_REQUIRE_EQUAL(results.size(), 2u);
  MINK_CHECK_ERRC(results[0], errc::wrong_expected_version);
  MINK_CHECK_ERRC(results[1], errc::wrong_expected_version);
  BOOST_TEST(last_position() == 1);
  BOOST_TEST(append_n("cart-c", 1).positions == std::vector<int64_t>{2},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(invalid_stream_rejects_only_that_stream) {
  std::vector<stream_append> batch;
  batch.push_back({"cart-a", ev::any(), make_events(1)});
  batch.push_back({"", ev::any(), make_events(1)});
  batch.push_back({"cart-c", ev::any(), {make_event("t", "{bad json")}});
  batch.push_back({"cart-d", ev::exact(-2), make_events(1)});
  batch.push_back({"cart-e", ev::any(), make_events(2)});
  auto results = store->append(batch);
  BOOST_REQUIRE_EQUAL(results.size(), 5u);
  MINK_CHECK_OK(results[0]);
  MINK_CHECK_ERRC(results[1], errc::invalid_argument);
  MINK_CHECK_ERRC(results[2], errc::invalid_argument);
  MINK_CHECK_ERRC(results[3], errc::invalid_argument);
  MINK_CHECK_OK(results[4]);
  BOOST_TEST(committed_positions(results) == (std::vector<int64_t>{1, 2, 3}),
             boost::test_tools::per_element());
  BOOST_TEST(last_position() == 3);
  BOOST_TEST(!info("cart-c").exists);
  BOOST_TEST(!info("cart-d").exists);
}

BOOST_AUTO_TEST_CASE(same_stream_twice_sees_first_version) {
  std::vector<stream_append> batch;
  batch.push_back({"cart-a", ev::no_stream(), make_events(2, "t", 1)});
  batch.push_back({"cart-a", ev::exact(2), make_events(1, "t", 3)});
  batch.push_back({"cart-a", ev::stream_exists(), make_events(1, "t", 4)});
  auto results = store->append(batch);
  BOOST_REQUIRE_EQUAL(results.size(), 3u);
  MINK_REQUIRE_OK(results[0]);
  MINK_REQUIRE_OK(results[1]);
  MINK_REQUIRE_OK(results[2]);
  BOOST_TEST(results[0]->version == 2);
  BOOST_TEST(results[1]->version == 3);
  BOOST_TEST(results[2]->version == 4);
  BOOST_TEST(committed_positions(results) == iota_from_one(4),
             boost::test_tools::per_element());
  auto events = read_stream_all("cart-a");
  BOOST_TEST(versions_of(events) == iota_from_one(4),
             boost::test_tools::per_element());
  BOOST_REQUIRE_EQUAL(events.size(), 4u);
  for (size_t i = 0; i < events.size(); ++i)
    BOOST_TEST(events[i].data == R"({"n":)" + std::to_string(i + 1) + "}");
  // The stream's events are in version order in the global log, too.
  BOOST_TEST(positions_of(events) == iota_from_one(4),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(same_stream_twice_second_conflicts) {
  std::vector<stream_append> batch;
  batch.push_back({"cart-a", ev::no_stream(), make_events(1)});
  batch.push_back({"cart-a", ev::no_stream(), make_events(1)});
  batch.push_back({"cart-b", ev::any(), make_events(1)});
  batch.push_back({"cart-a", ev::exact(0), make_events(1)});
  batch.push_back({"cart-a", ev::exact(1), make_events(1)});
  auto results = store->append(batch);
  constexpr auto ok = errc::none;
  constexpr auto wrong = errc::wrong_expected_version;
  check_outcomes(results, {ok, wrong, ok, wrong, ok});
  MINK_REQUIRE_OK(results[4]);
  BOOST_TEST(results[4]->version == 2);
  BOOST_TEST(committed_positions(results) == iota_from_one(3),
             boost::test_tools::per_element());
  BOOST_TEST(info("cart-a").version == 2);
  BOOST_TEST(info("cart-b").version == 1);
  BOOST_TEST(last_position() == 3);
}

BOOST_AUTO_TEST_CASE(same_stream_twice_after_failure_sees_old_version) {
  append_n("cart-a", 1);
  std::vector<stream_append> batch;
  batch.push_back({"cart-a", ev::exact(5), make_events(2)});
  batch.push_back({"cart-a", ev::exact(1), make_events(1)});
  auto results = store->append(batch);
  BOOST_REQUIRE_EQUAL(results.size(), 2u);
  MINK_CHECK_ERRC(results[0], errc::wrong_expected_version);
  MINK_REQUIRE_OK(results[1]);
  BOOST_TEST(results[1]->version == 2);
  BOOST_TEST(results[1]->positions == std::vector<int64_t>{2},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(many_streams_in_one_call) {
  std::vector<stream_append> batch;
  for (int i = 0; i < 50; ++i)
    batch.push_back({"item-" + std::to_string(i), ev::no_stream(),
                     make_events(static_cast<size_t>(1 + i % 3))});
  auto results = store->append(batch);
  BOOST_REQUIRE_EQUAL(results.size(), batch.size());
  int64_t total = 0;
  for (size_t i = 0; i < results.size(); ++i) {
    MINK_REQUIRE_OK(results[i]);
    BOOST_TEST(results[i]->version
               == static_cast<int64_t>(batch[i].events.size()));
    total += static_cast<int64_t>(batch[i].events.size());
  }
  check_ascending(results);
  BOOST_TEST(committed_positions(results) == iota_from_one(total),
             boost::test_tools::per_element());
  BOOST_TEST(last_position() == total);
}

BOOST_AUTO_TEST_SUITE_END()
