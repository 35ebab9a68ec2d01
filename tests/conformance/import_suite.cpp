// Conformance: import_events (recorded events with their positions,
// versions, ids, metadata and timestamps; all or nothing; the store's
// guarantees hold afterwards).

#include <utility>

#include "fixture.hpp"
#include "../support/recorded_event_checks.hpp"

using namespace mink;
using namespace mink::conformance;
using mink::test_support::check_same_events;

namespace {

/// A recorded event as another store would have exported it.
recorded_event recorded(int64_t position, std::string stream, int64_t version,
                        std::string data = R"({"n": 1, "n": 2})") {
  recorded_event ev;
  ev.event_id = make_uuid();
  ev.stream_id = std::move(stream);
  ev.stream_version = version;
  ev.global_position = position;
  ev.type = "imported_event";
  ev.schema_version = 3;
  ev.data = std::move(data);
  ev.meta.correlation_id = "corr-" + std::to_string(position);
  ev.meta.user_id = "ü-user";
  ev.meta.custom["k"] = "v\t\n\\";
  // 2021-03-04T05:06:07.123456Z plus a step per position.
  ev.timestamp_us = 1614834367123456 + position * 1001;
  return ev;
}

/// Events of two streams interleaved, positions `first`... .
std::vector<recorded_event> batch(int64_t first, int64_t n,
                                  int64_t version_a = 1,
                                  int64_t version_b = 1) {
  std::vector<recorded_event> result;
  for (int64_t i = 0; i < n; ++i)
    result.push_back(i % 2 == 0 ? recorded(first + i, "acct-a", version_a++)
                                : recorded(first + i, "acct-b", version_b++));
  return result;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(import_suite, store_fixture)

BOOST_AUTO_TEST_CASE(import_into_an_empty_store_keeps_every_field) {
  auto events = batch(1, 7);
  MINK_REQUIRE_ERRC(store->import_events(events), errc::none);
  check_same_events(read_everything(), events);
  BOOST_TEST(last_position() == 7);
  BOOST_TEST(info("acct-a").version == 4);
  BOOST_TEST(info("acct-b").version == 3);
  // Another handle sees the same.
  check_same_events(read_everything(*open_another()), events);
}

BOOST_AUTO_TEST_CASE(appends_and_imports_continue_each_other) {
  append_n("acct-a", 2);
  auto events = batch(3, 4, 3, 1);
  MINK_REQUIRE_ERRC(store->import_events(events), errc::none);
  BOOST_TEST(last_position() == 6);
  // The next append takes the next position and version.
  auto res = append_ok("acct-a", make_events(1),
                       expected_version::exact(4));
  BOOST_TEST(res.version == 5);
  BOOST_TEST(res.positions == (std::vector<int64_t>{7}),
             boost::test_tools::per_element());
  auto all = read_everything();
  BOOST_TEST(positions_of(all) == iota_from_one(7),
             boost::test_tools::per_element());
  check_same_events(std::vector<recorded_event>(all.begin() + 2, all.begin() + 6),
             events);
  // Two imports in a row.
  MINK_REQUIRE_ERRC(store->import_events({recorded(8, "acct-b", 3)}), errc::none);
  BOOST_TEST(last_position() == 8);
}

BOOST_AUTO_TEST_CASE(event_ids_are_stored_in_lower_case) {
  auto ev = recorded(1, "acct-a", 1);
  auto lower = ev.event_id;
  ev.event_id = to_upper(ev.event_id);
  MINK_REQUIRE_ERRC(store->import_events({ev}), errc::none);
  BOOST_TEST(read_everything().at(0).event_id == lower);
}

BOOST_AUTO_TEST_CASE(an_empty_batch_writes_nothing) {
  MINK_CHECK_ERRC(store->import_events({}), errc::none);
  BOOST_TEST(last_position() == 0);
}

BOOST_AUTO_TEST_CASE(a_batch_not_continuing_the_positions_fails_whole) {
  append_n("acct-a", 2);
  // Leaving a gap after position 2, repeating it, starting over.
  for (int64_t first : {4, 2, 1})
    MINK_CHECK_ERRC(store->import_events(batch(first, 2, 3, 1)),
                    errc::wrong_expected_version);
  BOOST_TEST(last_position() == 2);
  BOOST_TEST(!info("acct-b").exists);
}

BOOST_AUTO_TEST_CASE(a_batch_not_continuing_a_stream_fails_whole) {
  append_n("acct-a", 2);
  // The first versions of acct-a and acct-b: acct-a restarting at 1 (it
  // is at 2), acct-a skipping version 3, acct-b (new) starting at 2.
  for (auto [a, b] : {std::pair<int64_t, int64_t>{1, 1}, {4, 1}, {3, 2}})
    MINK_CHECK_ERRC(store->import_events(batch(3, 4, a, b)),
                    errc::wrong_expected_version);
  BOOST_TEST(last_position() == 2);
  BOOST_TEST(!info("acct-b").exists);
  BOOST_TEST(info("acct-a").version == 2);
}

BOOST_AUTO_TEST_CASE(gaps_inside_a_batch_are_invalid) {
  auto events = batch(1, 4);
  events[2].global_position = 4;
  events[3].global_position = 5;
  MINK_CHECK_ERRC(store->import_events(events), errc::invalid_argument);
  events = batch(1, 4);
  events[2].stream_version = 3; // acct-a 1, 3
  MINK_CHECK_ERRC(store->import_events(events), errc::invalid_argument);
  events = batch(1, 4);
  std::swap(events[0], events[1]); // positions 2, 1
  MINK_CHECK_ERRC(store->import_events(events), errc::invalid_argument);
  BOOST_TEST(last_position() == 0);
}

BOOST_AUTO_TEST_CASE(repeated_event_ids_fail_whole) {
  auto first = append_ok("acct-z", make_events(1));
  auto stored = read_everything().at(0).event_id;
  auto events = batch(2, 3);
  events[2].event_id = to_upper(stored);
  MINK_CHECK_ERRC(store->import_events(events), errc::duplicate_event_id);
  events = batch(2, 3);
  events[2].event_id = events[0].event_id;
  MINK_CHECK_ERRC(store->import_events(events), errc::duplicate_event_id);
  BOOST_TEST(last_position() == 1);
  BOOST_TEST(!info("acct-a").exists);
  (void) first;
}

BOOST_AUTO_TEST_CASE(invalid_events_fail_whole) {
  auto check = [&](auto change) {
    auto events = batch(1, 3);
    change(events[1]);
    MINK_CHECK_ERRC(store->import_events(events), errc::invalid_argument);
  };
  check([](recorded_event& ev) { ev.event_id.clear(); });
  check([](recorded_event& ev) { ev.event_id = "not-a-uuid"; });
  check([](recorded_event& ev) { ev.stream_id = "bad\x01id"; });
  check([](recorded_event& ev) { ev.type.clear(); });
  check([](recorded_event& ev) { ev.schema_version = 0; });
  check([](recorded_event& ev) { ev.data = "{oops"; });
  check([](recorded_event& ev) { ev.meta.user_id = "\xff"; });
  check([](recorded_event& ev) { ev.timestamp_us = -1; });
  check([](recorded_event& ev) { ev.timestamp_us = 253402300800000000; });
  check([](recorded_event& ev) { ev.stream_version = 0; });
  auto events = batch(1, 1);
  events[0].global_position = 0;
  MINK_CHECK_ERRC(store->import_events(events), errc::invalid_argument);
  BOOST_TEST(last_position() == 0);
}

BOOST_AUTO_TEST_CASE(a_large_batch_imports_in_one_call) {
  std::vector<recorded_event> events;
  for (int64_t i = 1; i <= 5000; ++i)
    events.push_back(recorded(i, "big-" + std::to_string(i % 17),
                              (i - 1) / 17 + 1, R"({"i":)" + std::to_string(i)
                                                  + "}"));
  MINK_REQUIRE_ERRC(store->import_events(events), errc::none);
  check_same_events(read_everything(), events);
}

BOOST_AUTO_TEST_SUITE_END()
