// Conformance: list_streams (order by bytes, paging, categories, input).

#include "fixture.hpp"

#include <algorithm>
#include <random>

#include "mink/stream_id.hpp"

using namespace mink;
using namespace mink::conformance;

namespace {

/// Stream ids that sort differently by bytes, by locale and by category.
std::vector<std::string> tricky_ids() {
  return {"a",   "a-1",  "a-10",  "a-2",  "a!x",  "a,b", "a.b",  "a-é",
          "ab-1", "b-1", "B-1",   "Z-9",  "é-1",  "日本-1", "😀-1", "a-1-2",
          "b",   "account-7"};
}

std::vector<std::string> ids_of(const std::vector<stream_summary>& xs) {
  std::vector<std::string> result;
  for (const auto& x : xs)
    result.push_back(x.stream_id);
  return result;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(list_streams_suite, store_fixture)

BOOST_AUTO_TEST_CASE(empty_store_lists_nothing) {
  auto res = store->list_streams({}, 100);
  MINK_REQUIRE_OK(res);
  BOOST_TEST(res->empty());
}

BOOST_AUTO_TEST_CASE(lists_by_bytes_and_pages_with_versions_and_positions) {
  auto ids = tricky_ids();
  auto shuffled = ids;
  std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937{11});
  for (size_t i = 0; i < shuffled.size(); ++i)
    append_n(shuffled[i], i % 3 + 1);
  // A second append moves one stream's version and last position.
  append_n("a-10", 2);
  auto expected = ids;
  std::sort(expected.begin(), expected.end());
  for (size_t page : {size_t{1}, size_t{4}, size_t{1000}}) {
    BOOST_TEST_CONTEXT("page size " << page) {
      std::vector<stream_summary> all;
      std::string after;
      for (;;) {
        auto res = store->list_streams(after, page);
        MINK_REQUIRE_OK(res);
        BOOST_REQUIRE(res->size() <= page);
        if (res->empty())
          break;
        after = res->back().stream_id;
        all.insert(all.end(), res->begin(), res->end());
      }
      BOOST_TEST(ids_of(all) == expected, boost::test_tools::per_element());
      for (const auto& s : all) {
        auto events = read_stream_all(s.stream_id);
        BOOST_TEST(s.version == events.back().stream_version);
        BOOST_TEST(s.last_position == events.back().global_position);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(category_filter_and_after) {
  for (const auto& id : tricky_ids())
    append_n(id, 1);
  auto res = store->list_streams({}, 100, "a");
  MINK_REQUIRE_OK(res);
  std::vector<std::string> expected;
  for (const auto& id : tricky_ids())
    if (category_of(id) == "a")
      expected.push_back(id);
  std::sort(expected.begin(), expected.end());
  BOOST_TEST(ids_of(*res) == expected, boost::test_tools::per_element());
  auto after = store->list_streams("a-10", 100, "a");
  MINK_REQUIRE_OK(after);
  expected.erase(expected.begin(),
                 std::upper_bound(expected.begin(), expected.end(),
                                  std::string{"a-10"}));
  BOOST_TEST(ids_of(*after) == expected, boost::test_tools::per_element());
  auto none = store->list_streams({}, 100, "nothing");
  MINK_REQUIRE_OK(none);
  BOOST_TEST(none->empty());
}

BOOST_AUTO_TEST_CASE(limit_zero_lists_nothing_and_bad_input_is_invalid) {
  append_n("order-1", 1);
  auto zero = store->list_streams({}, 0);
  MINK_REQUIRE_OK(zero);
  BOOST_TEST(zero->empty());
  MINK_CHECK_ERRC(store->list_streams({}, 10, "a-b"), errc::invalid_argument);
  MINK_CHECK_ERRC(store->list_streams({}, 10, std::string{"a\x01"}),
                  errc::invalid_argument);
  MINK_CHECK_ERRC(store->list_streams(std::string{"\xff"}, 10),
                  errc::invalid_argument);
  auto huge = store->list_streams({}, static_cast<size_t>(-1));
  MINK_REQUIRE_OK(huge);
  BOOST_TEST(huge->size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
