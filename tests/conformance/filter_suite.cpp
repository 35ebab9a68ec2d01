// Conformance: read_all with a category and event-type filter.

#include "fixture.hpp"

#include <algorithm>

#include "mink/stream_id.hpp"

using namespace mink;
using namespace mink::conformance;

namespace {

using std::vector;
using boost::test_tools::per_element;

/// Fills the store with streams of several categories and types.
///  pos  stream          type
///   1   order-1         order_placed
///   2   orderline-1     line_added
///   3   order-2         order_placed
///   4   order           order_placed     (no dash: category "order")
///   5   customer-1      customer_added
///   6   order-1         order_shipped
///   7   order-1-a       line_added       (category "order")
///   8   Order-3         order_placed     (category "Order")
///   9   orders-1        order_placed
///  10   order-2         order_shipped
struct filter_fixture : store_fixture {
  filter_fixture() {
    append_ok("order-1", {make_event("order_placed")});
    append_ok("orderline-1", {make_event("line_added")});
    append_ok("order-2", {make_event("order_placed")});
    append_ok("order", {make_event("order_placed")});
    append_ok("customer-1", {make_event("customer_added")});
    append_ok("order-1", {make_event("order_shipped")});
    append_ok("order-1-a", {make_event("line_added")});
    append_ok("Order-3", {make_event("order_placed")});
    append_ok("orders-1", {make_event("order_placed")});
    append_ok("order-2", {make_event("order_shipped")});
  }

  vector<int64_t> filtered(read_filter filter, int64_t from = 1,
                           size_t limit = 100) {
    auto res = store->read_all(from, limit, filter);
    BOOST_REQUIRE_MESSAGE(static_cast<bool>(res),
                          "read_all failed: " << describe(res));
    for (const auto& x : *res) {
      if (!filter.category.empty())
        BOOST_TEST(mink::category_of(x.stream_id) == filter.category);
      if (!filter.event_types.empty())
        BOOST_TEST(std::count(filter.event_types.begin(),
                              filter.event_types.end(), x.type)
                   == 1);
    }
    return positions_of(*res);
  }
};

read_filter by_category(std::string category) {
  read_filter result;
  result.category = std::move(category);
  return result;
}

read_filter by_types(vector<std::string> types) {
  read_filter result;
  result.event_types = std::move(types);
  return result;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(filter_suite, filter_fixture)

BOOST_AUTO_TEST_CASE(empty_filter_matches_everything) {
  BOOST_TEST(filtered({}) == iota_from_one(10), per_element());
}

BOOST_AUTO_TEST_CASE(category_is_text_before_first_dash) {
  BOOST_TEST(filtered(by_category("order"))
               == (vector<int64_t>{1, 3, 4, 6, 7, 10}),
             per_element());
  BOOST_TEST(filtered(by_category("orderline")) == vector<int64_t>{2},
             per_element());
  BOOST_TEST(filtered(by_category("customer")) == vector<int64_t>{5},
             per_element());
  BOOST_TEST(filtered(by_category("orders")) == vector<int64_t>{9},
             per_element());
}

BOOST_AUTO_TEST_CASE(category_is_case_sensitive) {
  BOOST_TEST(filtered(by_category("Order")) == vector<int64_t>{8},
             per_element());
  BOOST_TEST(filtered(by_category("ORDER")).empty());
}

BOOST_AUTO_TEST_CASE(category_matches_no_prefix_or_pattern) {
  BOOST_TEST(filtered(by_category("ord")).empty());
  BOOST_TEST(filtered(by_category("orde%")).empty());
  BOOST_TEST(filtered(by_category("orde_")).empty());
  BOOST_TEST(filtered(by_category("%")).empty());
  BOOST_TEST(filtered(by_category("_")).empty());
  BOOST_TEST(filtered(by_category("order*")).empty());
  BOOST_TEST(filtered(by_category("order-1")).empty());
  BOOST_TEST(filtered(by_category("unknown")).empty());
}

BOOST_AUTO_TEST_CASE(filter_by_one_type) {
  BOOST_TEST(filtered(by_types({"order_placed"}))
               == (vector<int64_t>{1, 3, 4, 8, 9}),
             per_element());
  BOOST_TEST(filtered(by_types({"customer_added"})) == vector<int64_t>{5},
             per_element());
  BOOST_TEST(filtered(by_types({"unknown"})).empty());
  BOOST_TEST(filtered(by_types({"order"})).empty());
  BOOST_TEST(filtered(by_types({"order%"})).empty());
}

BOOST_AUTO_TEST_CASE(filter_by_several_types) {
  BOOST_TEST(filtered(by_types({"order_shipped", "line_added"}))
               == (vector<int64_t>{2, 6, 7, 10}),
             per_element());
  BOOST_TEST(filtered(by_types({"customer_added", "unknown"}))
               == vector<int64_t>{5},
             per_element());
  BOOST_TEST(filtered(by_types({"order_placed", "order_shipped", "line_added",
                                "customer_added"}))
               == iota_from_one(10),
             per_element());
}

BOOST_AUTO_TEST_CASE(filter_by_category_and_types) {
  read_filter f;
  f.category = "order";
  f.event_types = {"order_shipped", "line_added"};
  BOOST_TEST(filtered(f) == (vector<int64_t>{6, 7, 10}), per_element());
  f.event_types = {"order_placed"};
  BOOST_TEST(filtered(f) == (vector<int64_t>{1, 3, 4}), per_element());
  f.category = "customer";
  BOOST_TEST(filtered(f).empty());
}

BOOST_AUTO_TEST_CASE(limit_counts_matching_events) {
  BOOST_TEST(filtered(by_category("order"), 1, 2) == (vector<int64_t>{1, 3}),
             per_element());
  BOOST_TEST(filtered(by_types({"order_shipped"}), 1, 1) == vector<int64_t>{6},
             per_element());
  BOOST_TEST(filtered(by_category("order"), 1, 0).empty());
}

BOOST_AUTO_TEST_CASE(from_position_applies_with_filter) {
  BOOST_TEST(filtered(by_category("order"), 4) == (vector<int64_t>{4, 6, 7,
                                                                   10}),
             per_element());
  BOOST_TEST(filtered(by_category("order"), 5, 2) == (vector<int64_t>{6, 7}),
             per_element());
  BOOST_TEST(filtered(by_types({"customer_added"}), 6).empty());
  BOOST_TEST(filtered(by_category("order"), 11).empty());
}

BOOST_AUTO_TEST_CASE(paging_with_filter_sees_each_match_once) {
  auto f = by_category("order");
  vector<int64_t> seen;
  for (int64_t next = 1;;) {
    auto page = filtered(f, next, 2);
    if (page.empty())
      break;
    seen.insert(seen.end(), page.begin(), page.end());
    next = page.back() + 1;
  }
  BOOST_TEST(seen == (vector<int64_t>{1, 3, 4, 6, 7, 10}), per_element());
}

BOOST_AUTO_TEST_CASE(malformed_filters_are_invalid) {
  MINK_CHECK_ERRC(store->read_all(1, 10, by_types({""})),
                  errc::invalid_argument);
  MINK_CHECK_ERRC(store->read_all(1, 10, by_types({"ok", "a\nb"})),
                  errc::invalid_argument);
  MINK_CHECK_ERRC(store->read_all(1, 10, by_types({"\xff"})),
                  errc::invalid_argument);
  MINK_CHECK_ERRC(store->read_all(1, 10, by_category("a\tb")),
                  errc::invalid_argument);
  MINK_CHECK_ERRC(store->read_all(1, 10, by_category("\xc3")),
                  errc::invalid_argument);
  MINK_CHECK_ERRC(store->read_all(0, 10, by_category("order")),
                  errc::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
