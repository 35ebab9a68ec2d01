// Conformance: appending to one stream and the four expected-version modes.

#include "fixture.hpp"

#include <algorithm>
#include <cctype>

using namespace mink;
using namespace mink::conformance;

namespace {

using ev = expected_version;

/// Checks that `err` is a version conflict whose message names `expected`
/// and `actual`.
void check_conflict(const caf::expected<append_result>& res,
                    const std::string& expected, int64_t actual) {
  MINK_CHECK_ERRC(res, errc::wrong_expected_version);
  if (res)
    return;
  auto text = to_text(res.error());
  BOOST_CHECK_MESSAGE(text.find(expected) != std::string::npos,
                      "message does not name the expected version "
                        << expected << ": " << text);
  auto actual_str = std::to_string(actual);
  BOOST_CHECK_MESSAGE(text.find(actual_str) != std::string::npos,
                      "message does not name the actual version "
                        << actual_str << ": " << text);
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(append_suite, store_fixture)

BOOST_AUTO_TEST_CASE(any_on_new_stream_creates_it) {
  auto res = store->append("acct-x", ev::any(), make_events(1));
  MINK_REQUIRE_OK(res);
  BOOST_TEST(res->version == 1);
  BOOST_TEST(res->positions == std::vector<int64_t>{1},
             boost::test_tools::per_element());
  auto si = info("acct-x");
  BOOST_TEST(si.exists);
  BOOST_TEST(si.version == 1);
  BOOST_TEST(last_position() == 1);
}

BOOST_AUTO_TEST_CASE(any_on_existing_stream_appends) {
  append_n("acct-x", 2);
  auto res = store->append("acct-x", ev::any(), make_events(3));
  MINK_REQUIRE_OK(res);
  BOOST_TEST(res->version == 5);
  BOOST_TEST(res->positions == (std::vector<int64_t>{3, 4, 5}),
             boost::test_tools::per_element());
  BOOST_TEST(versions_of(read_stream_all("acct-x")) == iota_from_one(5),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(no_stream_on_new_stream_succeeds) {
  auto res = store->append("acct-x", ev::no_stream(), make_events(2));
  MINK_REQUIRE_OK(res);
  BOOST_TEST(res->version == 2);
  BOOST_TEST(res->positions == (std::vector<int64_t>{1, 2}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(no_stream_on_existing_stream_fails) {
  append_n("acct-x", 3);
  auto res = store->append("acct-x", ev::no_stream(), make_events(1));
  check_conflict(res, "no_stream", 3);
  BOOST_TEST(info("acct-x").version == 3);
  BOOST_TEST(last_position() == 3);
}

BOOST_AUTO_TEST_CASE(stream_exists_on_new_stream_fails) {
  auto res = store->append("acct-x", ev::stream_exists(), make_events(1));
  check_conflict(res, "stream_exists", 0);
  BOOST_TEST(!info("acct-x").exists);
  BOOST_TEST(last_position() == 0);
  MINK_CHECK_ERRC(store->read_stream("acct-x", 1, 10), errc::stream_not_found);
}

BOOST_AUTO_TEST_CASE(stream_exists_on_existing_stream_succeeds) {
  append_n("acct-x", 1);
  auto res = store->append("acct-x", ev::stream_exists(), make_events(1));
  MINK_REQUIRE_OK(res);
  BOOST_TEST(res->version == 2);
  BOOST_TEST(res->positions == std::vector<int64_t>{2},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(exact_zero_on_new_stream_succeeds) {
  auto res = store->append("acct-x", ev::exact(0), make_events(2));
  MINK_REQUIRE_OK(res);
  BOOST_TEST(res->version == 2);
}

BOOST_AUTO_TEST_CASE(exact_nonzero_on_new_stream_fails) {
  auto res = store->append("acct-x", ev::exact(7), make_events(1));
  check_conflict(res, "7", 0);
  BOOST_TEST(!info("acct-x").exists);
  BOOST_TEST(last_position() == 0);
}

BOOST_AUTO_TEST_CASE(exact_matching_version_succeeds) {
  append_n("acct-x", 4);
  auto res = store->append("acct-x", ev::exact(4), make_events(2));
  MINK_REQUIRE_OK(res);
  BOOST_TEST(res->version == 6);
  BOOST_TEST(res->positions == (std::vector<int64_t>{5, 6}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(exact_zero_on_existing_stream_fails) {
  append_n("acct-x", 2);
  check_conflict(store->append("acct-x", ev::exact(0), make_events(1)), "0", 2);
  BOOST_TEST(info("acct-x").version == 2);
  BOOST_TEST(last_position() == 2);
}

BOOST_AUTO_TEST_CASE(exact_too_low_or_too_high_fails) {
  append_n("acct-x", 5);
  check_conflict(store->append("acct-x", ev::exact(3), make_events(1)), "3", 5);
  check_conflict(store->append("acct-x", ev::exact(9), make_events(1)), "9", 5);
  BOOST_TEST(info("acct-x").version == 5);
  BOOST_TEST(last_position() == 5);
  BOOST_TEST(versions_of(read_stream_all("acct-x")) == iota_from_one(5),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(negative_exact_version_is_invalid) {
  MINK_CHECK_ERRC(store->append("acct-x", ev::exact(-1), make_events(1)),
                  errc::invalid_argument);
  append_n("acct-y", 1);
  MINK_CHECK_ERRC(store->append("acct-y", ev::exact(-5), make_events(1)),
                  errc::invalid_argument);
  MINK_CHECK_ERRC(store->append("acct-y", ev::exact(-1), {}),
                  errc::invalid_argument);
  BOOST_TEST(!info("acct-x").exists);
  BOOST_TEST(info("acct-y").version == 1);
  BOOST_TEST(last_position() == 1);
}

BOOST_AUTO_TEST_CASE(versions_and_positions_are_dense) {
  auto a = append_ok("acct-a", make_events(3), ev::no_stream());
  auto b = append_ok("acct-b", make_events(2), ev::no_stream());
  auto c = append_ok("acct-a", make_events(2), ev::exact(3));
  BOOST_TEST(a.positions == (std::vector<int64_t>{1, 2, 3}),
             boost::test_tools::per_element());
  BOOST_TEST(b.positions == (std::vector<int64_t>{4, 5}),
             boost::test_tools::per_element());
  BOOST_TEST(c.positions == (std::vector<int64_t>{6, 7}),
             boost::test_tools::per_element());
  BOOST_TEST(c.version == 5);
  auto events = read_stream_all("acct-a");
  BOOST_TEST(versions_of(events) == iota_from_one(5),
             boost::test_tools::per_element());
  BOOST_TEST(positions_of(events) == (std::vector<int64_t>{1, 2, 3, 6, 7}),
             boost::test_tools::per_element());
  BOOST_TEST(last_position() == 7);
}

BOOST_AUTO_TEST_CASE(the_result_carries_the_timestamp_that_reads_return) {
  // What an append answers is what is passed on live (the persistence
  // actor publishes events with it): it must equal what reads return.
  std::vector<stream_append> batch;
  batch.push_back(stream_append{"acct-a", ev::any(), make_events(2)});
  batch.push_back(stream_append{"acct-b", ev::any(), make_events(1)});
  auto results = store->append(std::move(batch));
  BOOST_REQUIRE_EQUAL(results.size(), 2u);
  auto later = store->append("acct-a", ev::any(), make_events(1));
  MINK_REQUIRE_OK(later);
  auto all = store->read_all(1, 10);
  MINK_REQUIRE_OK(all);
  BOOST_REQUIRE_EQUAL(all->size(), 4u);
  std::vector<int64_t> answered;
  for (auto& r : results) {
    MINK_REQUIRE_OK(r);
    BOOST_TEST(r->timestamp_us > 0);
    for (size_t i = 0; i < r->positions.size(); ++i)
      answered.push_back(r->timestamp_us);
  }
  answered.push_back(later->timestamp_us);
  for (size_t i = 0; i < all->size(); ++i)
    BOOST_TEST((*all)[i].timestamp_us == answered[i], "event " << i);
  // Times grow with positions.
  BOOST_TEST(later->timestamp_us >= results.front()->timestamp_us);
}

BOOST_AUTO_TEST_CASE(events_keep_their_order) {
  append_ok("acct-x", make_events(4, "test_event", 10));
  auto events = read_stream_all("acct-x");
  BOOST_REQUIRE_EQUAL(events.size(), 4u);
  for (size_t i = 0; i < events.size(); ++i)
    BOOST_TEST(events[i].data == R"({"n":)" + std::to_string(10 + i) + "}");
}

BOOST_AUTO_TEST_CASE(empty_append_checks_version_and_writes_nothing) {
  // On a new stream.
  auto r1 = store->append("acct-x", ev::no_stream(), {});
  MINK_REQUIRE_OK(r1);
  BOOST_TEST(r1->version == 0);
  BOOST_TEST(r1->positions.empty());
  BOOST_TEST(!info("acct-x").exists);
  MINK_CHECK_OK(store->append("acct-x", ev::any(), {}));
  MINK_CHECK_OK(store->append("acct-x", ev::exact(0), {}));
  check_conflict(store->append("acct-x", ev::stream_exists(), {}),
                 "stream_exists", 0);
  check_conflict(store->append("acct-x", ev::exact(3), {}), "3", 0);
  BOOST_TEST(!info("acct-x").exists);
  MINK_CHECK_ERRC(store->read_stream("acct-x", 1, 10), errc::stream_not_found);
  BOOST_TEST(last_position() == 0);
  // On an existing stream.
  append_n("acct-x", 2);
  auto r2 = store->append("acct-x", ev::exact(2), {});
  MINK_REQUIRE_OK(r2);
  BOOST_TEST(r2->version == 2);
  BOOST_TEST(r2->positions.empty());
  auto r3 = store->append("acct-x", ev::stream_exists(), {});
  MINK_REQUIRE_OK(r3);
  BOOST_TEST(r3->version == 2);
  auto r4 = store->append("acct-x", ev::any(), {});
  MINK_REQUIRE_OK(r4);
  BOOST_TEST(r4->version == 2);
  check_conflict(store->append("acct-x", ev::no_stream(), {}), "no_stream", 2);
  check_conflict(store->append("acct-x", ev::exact(5), {}), "5", 2);
  check_conflict(store->append("acct-x", ev::exact(1), {}), "1", 2);
  BOOST_TEST(info("acct-x").version == 2);
  BOOST_TEST(last_position() == 2);
  // The next event still gets the next position.
  auto r5 = append_n("acct-x", 1);
  BOOST_TEST(r5.positions == std::vector<int64_t>{3},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(store_generates_missing_event_ids) {
  append_n("acct-x", 3);
  auto events = read_stream_all("acct-x");
  BOOST_REQUIRE_EQUAL(events.size(), 3u);
  for (const auto& x : events)
    BOOST_TEST(is_uuid(x.event_id), "not a UUID: " << x.event_id);
  BOOST_TEST(events[0].event_id != events[1].event_id);
  BOOST_TEST(events[1].event_id != events[2].event_id);
  BOOST_TEST(events[0].event_id != events[2].event_id);
}

BOOST_AUTO_TEST_CASE(caller_event_ids_are_kept) {
  auto id = make_uuid();
  append_ok("acct-x", {make_event_with_id(id)});
  auto events = read_stream_all("acct-x");
  BOOST_REQUIRE_EQUAL(events.size(), 1u);
  BOOST_TEST(events[0].event_id == id);
}

BOOST_AUTO_TEST_CASE(upper_case_event_ids_are_kept_up_to_case) {
  auto id = make_uuid();
  append_ok("acct-x", {make_event_with_id(to_upper(id))});
  auto events = read_stream_all("acct-x");
  BOOST_REQUIRE_EQUAL(events.size(), 1u);
  BOOST_TEST(to_upper(events[0].event_id) == to_upper(id));
}

BOOST_AUTO_TEST_SUITE_END()
