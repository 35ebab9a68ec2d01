// Conformance: read_streams (many streams at once) and snapshot load_many.

#include "snapshot_fixture.hpp"

using namespace mink;
using namespace mink::conformance;

namespace {

using std::vector;
using boost::test_tools::per_element;

/// Returns result `i` of `xs`, requiring that it holds events.
const vector<recorded_event>& events_at(const stream_reads& xs, size_t i) {
  BOOST_REQUIRE_MESSAGE(static_cast<bool>(xs.at(i)),
                        "read " << i << " failed: " << describe(xs.at(i)));
  return *xs.at(i);
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(read_streams_suite, store_fixture)

BOOST_AUTO_TEST_CASE(each_read_gets_its_own_stream_from_its_version) {
  append_n("order-1", 5);
  append_n("order-2", 3);
  append_n("order-1", 2);
  auto res = store->read_streams({{"order-2", 1},
                                  {"order-1", 4},
                                  {"order-3", 1},
                                  {"order-1", 1},
                                  {"order-2", 4}},
                                 100);
  BOOST_REQUIRE_EQUAL(res.size(), 5u);
  BOOST_TEST(versions_of(events_at(res, 0)) == iota_from_one(3),
             per_element());
  BOOST_TEST(versions_of(events_at(res, 1)) == (vector<int64_t>{4, 5, 6, 7}),
             per_element());
  BOOST_TEST(positions_of(events_at(res, 1))
               == (vector<int64_t>{4, 5, 9, 10}),
             per_element());
  // A stream that does not exist, and one read past its end, are empty.
  BOOST_TEST(events_at(res, 2).empty());
  BOOST_TEST(versions_of(events_at(res, 3)) == iota_from_one(7),
             per_element());
  BOOST_TEST(events_at(res, 4).empty());
  for (const auto& ev : events_at(res, 1)) {
    BOOST_TEST(ev.stream_id == "order-1");
    BOOST_TEST(ev.type == "test_event");
    // append_n numbers each call's events from 1.
    auto n = ev.stream_version <= 5 ? ev.stream_version
                                    : ev.stream_version - 5;
    BOOST_TEST(ev.data == R"({"n":)" + std::to_string(n) + "}");
  }
}

BOOST_AUTO_TEST_CASE(events_match_read_stream) {
  append_ok("order-1", make_events(4, "test_event", 1));
  auto res = store->read_streams({{"order-1", 2}}, 10);
  auto one = store->read_stream("order-1", 2, 10);
  MINK_REQUIRE_OK(one);
  const auto& many = events_at(res, 0);
  BOOST_REQUIRE_EQUAL(many.size(), one->size());
  for (size_t i = 0; i < many.size(); ++i) {
    BOOST_TEST(many[i].event_id == (*one)[i].event_id);
    BOOST_TEST(many[i].global_position == (*one)[i].global_position);
    BOOST_TEST(many[i].schema_version == (*one)[i].schema_version);
    BOOST_TEST(many[i].meta.correlation_id == (*one)[i].meta.correlation_id);
    BOOST_TEST(many[i].timestamp_us == (*one)[i].timestamp_us);
  }
}

BOOST_AUTO_TEST_CASE(limit_applies_per_stream) {
  append_n("order-1", 10);
  append_n("order-2", 10);
  auto res = store->read_streams({{"order-1", 1}, {"order-2", 6}}, 3);
  BOOST_TEST(versions_of(events_at(res, 0)) == iota_from_one(3),
             per_element());
  BOOST_TEST(versions_of(events_at(res, 1)) == (vector<int64_t>{6, 7, 8}),
             per_element());
  res = store->read_streams({{"order-1", 1}}, 0);
  BOOST_TEST(events_at(res, 0).empty());
}

BOOST_AUTO_TEST_CASE(bad_reads_fail_alone) {
  append_n("order-1", 2);
  auto res = store->read_streams({{"", 1},
                                  {"order-1", 1},
                                  {"order-1", 0},
                                  {"order\x01-2", 1}},
                                 100);
  BOOST_REQUIRE_EQUAL(res.size(), 4u);
  MINK_CHECK_ERRC(res[0], errc::invalid_argument);
  BOOST_TEST(versions_of(events_at(res, 1)) == iota_from_one(2),
             per_element());
  MINK_CHECK_ERRC(res[2], errc::invalid_argument);
  MINK_CHECK_ERRC(res[3], errc::invalid_argument);
}

BOOST_AUTO_TEST_CASE(empty_call_reads_nothing) {
  BOOST_TEST(store->read_streams({}, 100).empty());
}

BOOST_AUTO_TEST_CASE(many_streams_in_one_call) {
  vector<stream_read> reads;
  for (int i = 0; i < 300; ++i) {
    auto id = "order-" + std::to_string(i);
    append_n(id, static_cast<size_t>(i % 4));
    reads.push_back({id, 1});
  }
  auto res = store->read_streams(reads, 1000);
  BOOST_REQUIRE_EQUAL(res.size(), reads.size());
  for (int i = 0; i < 300; ++i) {
    const auto& evs = events_at(res, static_cast<size_t>(i));
    BOOST_TEST(versions_of(evs) == iota_from_one(i % 4), per_element());
    for (const auto& ev : evs)
      BOOST_TEST(ev.stream_id == reads[static_cast<size_t>(i)].stream_id);
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(load_many_suite, snapshot_fixture)

BOOST_AUTO_TEST_CASE(each_id_gets_its_own_snapshot_or_none) {
  save_ok(make_snapshot("account-1", 3));
  save_ok(make_snapshot("account-2", 7, R"({"x":"\u00e9"})", "ledger", 2));
  auto res = snaps->load_many({"account-2", "account-9", "account-1",
                               "account-2"});
  BOOST_REQUIRE_EQUAL(res.size(), 4u);
  for (size_t i = 0; i < res.size(); ++i)
    BOOST_REQUIRE_MESSAGE(static_cast<bool>(res[i]),
                          "load " << i << " failed: " << describe(res[i]));
  BOOST_REQUIRE(res[0]->has_value());
  BOOST_TEST((*res[0])->stream_id == "account-2");
  BOOST_TEST((*res[0])->version == 7);
  BOOST_TEST((*res[0])->state_type == "ledger");
  BOOST_TEST((*res[0])->schema_version == 2);
  BOOST_TEST((*res[0])->data == R"({"x":"\u00e9"})");
  auto one = load_existing("account-2");
  BOOST_TEST((*res[0])->timestamp_us == one.timestamp_us);
  BOOST_TEST(!res[1]->has_value());
  BOOST_REQUIRE(res[2]->has_value());
  BOOST_TEST((*res[2])->stream_id == "account-1");
  BOOST_TEST((*res[2])->version == 3);
  BOOST_TEST((*res[2])->data == R"({"balance":3})");
  BOOST_REQUIRE(res[3]->has_value());
  BOOST_TEST((*res[3])->version == 7);
}

BOOST_AUTO_TEST_CASE(bad_ids_fail_alone) {
  save_ok(make_snapshot("account-1", 3));
  auto res = snaps->load_many({"", "account-1", "bad\nid"});
  BOOST_REQUIRE_EQUAL(res.size(), 3u);
  MINK_CHECK_ERRC(res[0], errc::invalid_argument);
  BOOST_REQUIRE(static_cast<bool>(res[1]));
  BOOST_REQUIRE(res[1]->has_value());
  BOOST_TEST((*res[1])->version == 3);
  MINK_CHECK_ERRC(res[2], errc::invalid_argument);
  BOOST_TEST(snaps->load_many({}).empty());
}

BOOST_AUTO_TEST_CASE(latest_snapshot_after_newer_save) {
  save_ok(make_snapshot("account-1", 3));
  save_ok(make_snapshot("account-1", 9));
  save_ok(make_snapshot("account-1", 5));
  auto res = snaps->load_many({"account-1"});
  BOOST_REQUIRE(static_cast<bool>(res[0]));
  BOOST_REQUIRE(res[0]->has_value());
  BOOST_TEST((*res[0])->version == 9);
}

BOOST_AUTO_TEST_SUITE_END()
