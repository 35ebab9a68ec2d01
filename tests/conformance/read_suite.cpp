// Conformance: read_stream, stream_info and last_position.

#include "fixture.hpp"

using namespace mink;
using namespace mink::conformance;

namespace {

using std::vector;
using boost::test_tools::per_element;

/// Returns the `n` field of events made by `make_events`, as written.
vector<std::string> data_of(const vector<recorded_event>& xs) {
  vector<std::string> result;
  for (const auto& x : xs)
    result.push_back(x.data);
  return result;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(read_suite, store_fixture)

BOOST_AUTO_TEST_CASE(forward_reads_whole_stream_in_order) {
  append_n("order-1", 3);
  append_n("order-2", 2);
  append_ok("order-1", make_events(2, "test_event", 4));
  auto res = store->read_stream("order-1", 1, 100);
  MINK_REQUIRE_OK(res);
  BOOST_TEST(versions_of(*res) == iota_from_one(5), per_element());
  BOOST_TEST(positions_of(*res) == (vector<int64_t>{1, 2, 3, 6, 7}),
             per_element());
  for (size_t i = 0; i < res->size(); ++i) {
    BOOST_TEST((*res)[i].stream_id == "order-1");
    BOOST_TEST((*res)[i].data == R"({"n":)" + std::to_string(i + 1) + "}");
  }
}

BOOST_AUTO_TEST_CASE(forward_with_from_version_and_limit) {
  append_n("order-1", 10);
  auto res = store->read_stream("order-1", 3, 4);
  MINK_REQUIRE_OK(res);
  BOOST_TEST(versions_of(*res) == (vector<int64_t>{3, 4, 5, 6}),
             per_element());
  res = store->read_stream("order-1", 8, 100);
  MINK_REQUIRE_OK(res);
  BOOST_TEST(versions_of(*res) == (vector<int64_t>{8, 9, 10}), per_element());
  res = store->read_stream("order-1", 10, 1);
  MINK_REQUIRE_OK(res);
  BOOST_TEST(versions_of(*res) == vector<int64_t>{10}, per_element());
  res = store->read_stream("order-1", 1, 1);
  MINK_REQUIRE_OK(res);
  BOOST_TEST(versions_of(*res) == vector<int64_t>{1}, per_element());
}

BOOST_AUTO_TEST_CASE(limit_zero_returns_nothing) {
  append_n("order-1", 3);
  auto res = store->read_stream("order-1", 1, 0);
  MINK_REQUIRE_OK(res);
  BOOST_TEST(res->empty());
  res = store->read_stream("order-1", mink::end_of_stream, 0,
                           read_direction::backward);
  MINK_REQUIRE_OK(res);
  BOOST_TEST(res->empty());
}

BOOST_AUTO_TEST_CASE(limit_beyond_stream_returns_all) {
  append_n("order-1", 3);
  auto res = store->read_stream("order-1", 1, 1'000'000);
  MINK_REQUIRE_OK(res);
  BOOST_TEST(versions_of(*res) == iota_from_one(3), per_element());
  res = store->read_stream("order-1", 1,
                           std::numeric_limits<size_t>::max());
  MINK_REQUIRE_OK(res);
  BOOST_TEST(versions_of(*res) == iota_from_one(3), per_element());
}

BOOST_AUTO_TEST_CASE(from_beyond_end_returns_empty_for_existing_stream) {
  append_n("order-1", 3);
  auto res = store->read_stream("order-1", 4, 10);
  MINK_REQUIRE_OK(res);
  BOOST_TEST(res->empty());
  res = store->read_stream("order-1", 1000, 10);
  MINK_REQUIRE_OK(res);
  BOOST_TEST(res->empty());
  res = store->read_stream("order-1", mink::end_of_stream, 10);
  MINK_REQUIRE_OK(res);
  BOOST_TEST(res->empty());
}

BOOST_AUTO_TEST_CASE(backward_from_end_starts_at_last_event) {
  append_n("order-1", 5);
  auto res = store->read_stream("order-1", mink::end_of_stream, 100,
                                read_direction::backward);
  MINK_REQUIRE_OK(res);
  BOOST_TEST(versions_of(*res) == (vector<int64_t>{5, 4, 3, 2, 1}),
             per_element());
  BOOST_TEST(data_of(*res).front() == R"({"n":5})");
  res = store->read_stream("order-1", mink::end_of_stream, 1,
                           read_direction::backward);
  MINK_REQUIRE_OK(res);
  BOOST_TEST(versions_of(*res) == vector<int64_t>{5}, per_element());
  // Starting beyond the end also starts at the last event.
  res = store->read_stream("order-1", 9, 2, read_direction::backward);
  MINK_REQUIRE_OK(res);
  BOOST_TEST(versions_of(*res) == (vector<int64_t>{5, 4}), per_element());
}

BOOST_AUTO_TEST_CASE(backward_with_from_version_and_limit) {
  append_n("order-1", 6);
  auto res = store->read_stream("order-1", 4, 2, read_direction::backward);
  MINK_REQUIRE_OK(res);
  BOOST_TEST(versions_of(*res) == (vector<int64_t>{4, 3}), per_element());
  res = store->read_stream("order-1", 2, 10, read_direction::backward);
  MINK_REQUIRE_OK(res);
  BOOST_TEST(versions_of(*res) == (vector<int64_t>{2, 1}), per_element());
  res = store->read_stream("order-1", 1, 10, read_direction::backward);
  MINK_REQUIRE_OK(res);
  BOOST_TEST(versions_of(*res) == vector<int64_t>{1}, per_element());
}

BOOST_AUTO_TEST_CASE(missing_stream_is_not_found) {
  MINK_CHECK_ERRC(store->read_stream("order-1", 1, 10), errc::stream_not_found);
  append_n("order-2", 1);
  MINK_CHECK_ERRC(store->read_stream("order-1", 1, 10), errc::stream_not_found);
  MINK_CHECK_ERRC(store->read_stream("order-1", mink::end_of_stream, 10,
                                     read_direction::backward),
                  errc::stream_not_found);
  MINK_CHECK_ERRC(store->read_stream("order-1", 5, 10), errc::stream_not_found);
  MINK_CHECK_ERRC(store->read_stream("order-1", 1, 0), errc::stream_not_found);
}

BOOST_AUTO_TEST_CASE(from_version_below_one_is_invalid) {
  append_n("order-1", 2);
  MINK_CHECK_ERRC(store->read_stream("order-1", 0, 10), errc::invalid_argument);
  MINK_CHECK_ERRC(store->read_stream("order-1", -1, 10),
                  errc::invalid_argument);
  MINK_CHECK_ERRC(store->read_stream("order-1", 0, 10,
                                     read_direction::backward),
                  errc::invalid_argument);
  MINK_CHECK_ERRC(store->read_stream("order-9", 0, 10), errc::invalid_argument);
}

BOOST_AUTO_TEST_CASE(streams_with_common_prefix_stay_apart) {
  append_n("order-1", 2);
  append_n("order-10", 3);
  append_n("order-1x", 1);
  append_n("order", 1);
  BOOST_TEST(read_stream_all("order-1").size() == 2u);
  BOOST_TEST(read_stream_all("order-10").size() == 3u);
  BOOST_TEST(read_stream_all("order").size() == 1u);
  BOOST_TEST(info("order-1").version == 2);
  BOOST_TEST(info("order-10").version == 3);
  MINK_CHECK_ERRC(store->read_stream("order-", 1, 10), errc::stream_not_found);
  MINK_CHECK_ERRC(store->read_stream("order-1%", 1, 10),
                  errc::stream_not_found);
  MINK_CHECK_ERRC(store->read_stream("order-_", 1, 10),
                  errc::stream_not_found);
  BOOST_TEST(!info("order-").exists);
  BOOST_TEST(!info("order-1%").exists);
}

BOOST_AUTO_TEST_CASE(stream_info_reports_existence_and_version) {
  auto si = info("order-1");
  BOOST_TEST(!si.exists);
  BOOST_TEST(si.version == 0);
  append_n("order-1", 3);
  si = info("order-1");
  BOOST_TEST(si.exists);
  BOOST_TEST(si.version == 3);
  append_n("order-2", 2);
  append_n("order-1", 1);
  BOOST_TEST(info("order-1").version == 4);
  BOOST_TEST(info("order-2").version == 2);
  BOOST_TEST(!info("order-3").exists);
}

BOOST_AUTO_TEST_CASE(last_position_counts_all_events) {
  BOOST_TEST(last_position() == 0);
  append_n("order-1", 3);
  BOOST_TEST(last_position() == 3);
  append_n("order-2", 2);
  BOOST_TEST(last_position() == 5);
}

BOOST_AUTO_TEST_CASE(read_all_in_global_order) {
  append_n("order-1", 2);
  append_n("user-1", 1);
  append_n("order-1", 1);
  auto res = store->read_all(1, 100);
  MINK_REQUIRE_OK(res);
  BOOST_TEST(positions_of(*res) == iota_from_one(4), per_element());
  BOOST_REQUIRE_EQUAL(res->size(), 4u);
  BOOST_TEST((*res)[0].stream_id == "order-1");
  BOOST_TEST((*res)[1].stream_id == "order-1");
  BOOST_TEST((*res)[2].stream_id == "user-1");
  BOOST_TEST((*res)[3].stream_id == "order-1");
  BOOST_TEST(versions_of(*res) == (vector<int64_t>{1, 2, 1, 3}),
             per_element());
}

BOOST_AUTO_TEST_CASE(read_all_with_from_position_and_limit) {
  append_n("order-1", 5);
  append_n("order-2", 5);
  auto res = store->read_all(4, 3);
  MINK_REQUIRE_OK(res);
  BOOST_TEST(positions_of(*res) == (vector<int64_t>{4, 5, 6}), per_element());
  res = store->read_all(9, 100);
  MINK_REQUIRE_OK(res);
  BOOST_TEST(positions_of(*res) == (vector<int64_t>{9, 10}), per_element());
  res = store->read_all(10, 1);
  MINK_REQUIRE_OK(res);
  BOOST_TEST(positions_of(*res) == vector<int64_t>{10}, per_element());
  res = store->read_all(1, std::numeric_limits<size_t>::max());
  MINK_REQUIRE_OK(res);
  BOOST_TEST(positions_of(*res) == iota_from_one(10), per_element());
}

BOOST_AUTO_TEST_CASE(read_all_limit_zero_and_beyond_end_are_empty) {
  auto res = store->read_all(1, 10);
  MINK_REQUIRE_OK(res);
  BOOST_TEST(res->empty());
  append_n("order-1", 3);
  res = store->read_all(1, 0);
  MINK_REQUIRE_OK(res);
  BOOST_TEST(res->empty());
  res = store->read_all(4, 10);
  MINK_REQUIRE_OK(res);
  BOOST_TEST(res->empty());
  res = store->read_all(std::numeric_limits<int64_t>::max(), 10);
  MINK_REQUIRE_OK(res);
  BOOST_TEST(res->empty());
}

BOOST_AUTO_TEST_CASE(read_all_from_position_below_one_is_invalid) {
  append_n("order-1", 1);
  MINK_CHECK_ERRC(store->read_all(0, 10), errc::invalid_argument);
  MINK_CHECK_ERRC(store->read_all(-3, 10), errc::invalid_argument);
  MINK_CHECK_ERRC(store->read_all(0, 0), errc::invalid_argument);
}

BOOST_AUTO_TEST_CASE(paging_through_read_all_sees_everything_once) {
  for (int i = 0; i < 7; ++i)
    append_n("order-" + std::to_string(i % 3), static_cast<size_t>(1 + i));
  auto total = last_position();
  BOOST_TEST(total == 28);
  vector<int64_t> seen;
  for (int64_t next = 1;;) {
    auto page = store->read_all(next, 5);
    MINK_REQUIRE_OK(page);
    if (page->empty())
      break;
    BOOST_TEST(page->size() <= 5u);
    for (const auto& x : *page)
      seen.push_back(x.global_position);
    next = page->back().global_position + 1;
  }
  BOOST_TEST(seen == iota_from_one(total), per_element());
}

BOOST_AUTO_TEST_SUITE_END()
