// Conformance: caller-chosen event ids. A stream whose event id the store
// already holds is rejected with `duplicate_event_id` and writes nothing.

#include "fixture.hpp"

#include <algorithm>

using namespace mink;
using namespace mink::conformance;

namespace {

using ev = expected_version;

} // namespace

BOOST_FIXTURE_TEST_SUITE(duplicate_suite, store_fixture)

BOOST_AUTO_TEST_CASE(stored_id_in_same_stream_is_rejected) {
  auto id = make_uuid();
  append_ok("order-1", {make_event_with_id(id)});
  MINK_CHECK_ERRC(store->append("order-1", ev::any(), {make_event_with_id(id)}),
                  errc::duplicate_event_id);
  BOOST_TEST(info("order-1").version == 1);
  BOOST_TEST(last_position() == 1);
}

BOOST_AUTO_TEST_CASE(stored_id_in_other_stream_is_rejected) {
  auto id = make_uuid();
  append_ok("order-1", {make_event_with_id(id)});
  MINK_CHECK_ERRC(store->append("order-2", ev::any(), {make_event_with_id(id)}),
                  errc::duplicate_event_id);
  BOOST_TEST(!info("order-2").exists);
  BOOST_TEST(last_position() == 1);
  // The rejection consumed no position.
  BOOST_TEST(append_n("order-3", 1).positions == std::vector<int64_t>{2},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(rejected_stream_writes_none_of_its_events) {
  auto stored = make_uuid();
  auto fresh = make_uuid();
  append_ok("order-1", {make_event_with_id(stored)});
  std::vector<event_data> events;
  events.push_back(make_event_with_id(fresh));
  events.push_back(make_event_with_id(stored));
  events.push_back(make_event());
  MINK_CHECK_ERRC(store->append("order-2", ev::no_stream(), std::move(events)),
                  errc::duplicate_event_id);
  BOOST_TEST(!info("order-2").exists);
  BOOST_TEST(last_position() == 1);
  // The fresh id was not stored, so it is still free.
  auto res = store->append("order-2", ev::no_stream(),
                           {make_event_with_id(fresh)});
  MINK_REQUIRE_OK(res);
  BOOST_TEST(res->positions == std::vector<int64_t>{2},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(other_streams_of_the_call_commit) {
  auto id = make_uuid();
  append_ok("order-1", {make_event_with_id(id)});
  std::vector<stream_append> batch;
  batch.push_back({"order-2", ev::any(), make_events(2)});
  batch.push_back({"order-3", ev::any(), {make_event(), make_event_with_id(id)}});
  batch.push_back({"order-4", ev::any(), make_events(1)});
  auto results = store->append(batch);
  BOOST_REQUIRE_EQUAL(results.size(), 3u);
  MINK_REQUIRE_OK(results[0]);
  MINK_CHECK_ERRC(results[1], errc::duplicate_event_id);
  MINK_REQUIRE_OK(results[2]);
  std::vector<int64_t> positions = results[0]->positions;
  positions.insert(positions.end(), results[2]->positions.begin(),
                   results[2]->positions.end());
  std::sort(positions.begin(), positions.end());
  BOOST_TEST(positions == (std::vector<int64_t>{2, 3, 4}),
             boost::test_tools::per_element());
  BOOST_TEST(last_position() == 4);
  BOOST_TEST(!info("order-3").exists);
  BOOST_TEST(positions_of(read_everything()) == iota_from_one(4),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(same_id_twice_in_one_call_rejects_later_stream) {
  auto id = make_uuid();
  std::vector<stream_append> batch;
  batch.push_back({"order-1", ev::any(), {make_event_with_id(id)}});
  batch.push_back({"order-2", ev::any(), make_events(1)});
  batch.push_back({"order-3", ev::any(), {make_event_with_id(id)}});
  auto results = store->append(batch);
  BOOST_REQUIRE_EQUAL(results.size(), 3u);
  MINK_CHECK_OK(results[0]);
  MINK_CHECK_OK(results[1]);
  MINK_CHECK_ERRC(results[2], errc::duplicate_event_id);
  BOOST_TEST(last_position() == 2);
  auto events = read_stream_all("order-1");
  BOOST_REQUIRE_EQUAL(events.size(), 1u);
  BOOST_TEST(events[0].event_id == id);
  BOOST_TEST(!info("order-3").exists);
}

BOOST_AUTO_TEST_CASE(id_of_a_failed_stream_stays_free_in_the_same_call) {
  // "A failing stream never changes what the others write": the first
  // stream fails its version check, so its id was never stored and the
  // later stream must commit.
  auto id = make_uuid();
  append_n("order-1", 1);
  std::vector<stream_append> batch;
  batch.push_back({"order-1", ev::no_stream(), {make_event_with_id(id)}});
  batch.push_back({"order-2", ev::any(), {make_event_with_id(id)}});
  auto results = store->append(batch);
  BOOST_REQUIRE_EQUAL(results.size(), 2u);
  MINK_CHECK_ERRC(results[0], errc::wrong_expected_version);
  MINK_CHECK_OK(results[1]);
  BOOST_TEST(last_position() == 2);
}

BOOST_AUTO_TEST_CASE(ids_a_rejected_stream_wrote_are_free_in_the_same_call) {
  // The second stream writes `fresh`, then fails on its stored second id:
  // its rows must be gone before the third stream, which reuses `fresh`,
  // and the fourth, which must get the next dense position.
  auto stored = make_uuid();
  auto fresh = make_uuid();
  append_ok("order-1", {make_event_with_id(stored)});
  std::vector<stream_append> batch;
  batch.push_back({"order-2", ev::no_stream(), make_events(1)});
  batch.push_back({"order-3", ev::no_stream(),
                   {make_event_with_id(fresh), make_event_with_id(stored)}});
  batch.push_back({"order-4", ev::no_stream(), {make_event_with_id(fresh)}});
  batch.push_back({"order-5", ev::no_stream(), make_events(1)});
  auto results = store->append(batch);
  BOOST_REQUIRE_EQUAL(results.size(), 4u);
  MINK_REQUIRE_OK(results[0]);
  MINK_CHECK_ERRC(results[1], errc::duplicate_event_id);
  MINK_REQUIRE_OK(results[2]);
  MINK_REQUIRE_OK(results[3]);
  BOOST_TEST(results[0]->positions == std::vector<int64_t>{2},
             boost::test_tools::per_element());
  BOOST_TEST(results[2]->positions == std::vector<int64_t>{3},
             boost::test_tools::per_element());
  BOOST_TEST(results[3]->positions == std::vector<int64_t>{4},
             boost::test_tools::per_element());
  BOOST_TEST(!info("order-3").exists);
  auto events = read_everything();
  BOOST_TEST(positions_of(events) == iota_from_one(4),
             boost::test_tools::per_element());
  BOOST_REQUIRE_EQUAL(events.size(), 4u);
  BOOST_TEST(events[2].stream_id == "order-4");
  BOOST_TEST(events[2].event_id == fresh);
}

BOOST_AUTO_TEST_CASE(same_id_twice_in_one_stream_is_rejected) {
  auto id = make_uuid();
  MINK_CHECK_ERRC(store->append("order-1", ev::any(),
                                {make_event_with_id(id),
                                 make_event_with_id(id)}),
                  errc::duplicate_event_id);
  BOOST_TEST(!info("order-1").exists);
  BOOST_TEST(last_position() == 0);
}

BOOST_AUTO_TEST_CASE(resending_a_committed_append_writes_nothing) {
  // A client that lost the reply to a commit sends the same events again.
  auto first = make_event_with_id(make_uuid());
  auto second = make_event_with_id(make_uuid());
  append_ok("order-1", {first, second});
  // With its expected version: the version no longer holds.
  MINK_CHECK_ERRC(store->append("order-1", ev::exact(0), {first, second}),
                  errc::wrong_expected_version);
  // Without one: the ids give it away.
  MINK_CHECK_ERRC(store->append("order-1", ev::any(), {first, second}),
                  errc::duplicate_event_id);
  BOOST_TEST(last_position() == 2);
  BOOST_TEST(info("order-1").version == 2);
}

BOOST_AUTO_TEST_CASE(ids_are_case_insensitive) {
  auto id = make_uuid();
  append_ok("order-1", {make_event_with_id(id)});
  MINK_CHECK_ERRC(store->append("order-2", ev::any(),
                                {make_event_with_id(to_upper(id))}),
                  errc::duplicate_event_id);
  // Stored upper case, repeated lower case.
  auto id2 = make_uuid();
  append_ok("order-3", {make_event_with_id(to_upper(id2))});
  MINK_CHECK_ERRC(store->append("order-4", ev::any(), {make_event_with_id(id2)}),
                  errc::duplicate_event_id);
  // Both spellings in one call.
  auto id3 = make_uuid();
  std::vector<stream_append> batch;
  batch.push_back({"order-5", ev::any(), {make_event_with_id(id3)}});
  batch.push_back({"order-6", ev::any(), {make_event_with_id(to_upper(id3))}});
  auto results = store->append(batch);
  BOOST_REQUIRE_EQUAL(results.size(), 2u);
  MINK_CHECK_OK(results[0]);
  MINK_CHECK_ERRC(results[1], errc::duplicate_event_id);
  BOOST_TEST(last_position() == 3);
  BOOST_TEST(!info("order-2").exists);
  BOOST_TEST(!info("order-4").exists);
  BOOST_TEST(!info("order-6").exists);
}

BOOST_AUTO_TEST_CASE(duplicate_rejected_whatever_the_expected_version) {
  auto id = make_uuid();
  append_ok("order-1", make_events(2));
  append_ok("order-2", {make_event_with_id(id)});
  MINK_CHECK_ERRC(store->append("order-1", ev::exact(2),
                                {make_event_with_id(id)}),
                  errc::duplicate_event_id);
  MINK_CHECK_ERRC(store->append("order-1", ev::stream_exists(),
                                {make_event_with_id(id)}),
                  errc::duplicate_event_id);
  MINK_CHECK_ERRC(store->append("order-9", ev::no_stream(),
                                {make_event_with_id(id)}),
                  errc::duplicate_event_id);
  BOOST_TEST(info("order-1").version == 2);
  BOOST_TEST(last_position() == 3);
}

BOOST_AUTO_TEST_CASE(non_uuid_ids_are_invalid) {
  auto bad = malformed_uuids();
  for (const auto& x : bad) {
    BOOST_TEST_CONTEXT("event id '" << x << "'") {
      MINK_CHECK_ERRC(store->append("order-1", ev::any(),
                                    {make_event_with_id(x)}),
                      errc::invalid_argument);
    }
  }
  BOOST_TEST(!info("order-1").exists);
  BOOST_TEST(last_position() == 0);
}

BOOST_AUTO_TEST_SUITE_END()
