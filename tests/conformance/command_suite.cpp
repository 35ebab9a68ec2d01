// Conformance: idempotent commands. An append that carries a command id
// records it in the transaction of its events; an id recorded before fails
// the stream with `duplicate_command` and writes nothing.

#include "fixture.hpp"
#include "threads.hpp"

#include <chrono>
#include <limits>
#include <optional>
#include <thread>

#include "mink/clock.hpp"

using namespace mink;
using namespace mink::conformance;

namespace {

using ev = expected_version;

/// Returns a one-stream batch entry that carries `command_id`.
stream_append with_command(std::string stream_id, expected_version expected,
                           std::vector<event_data> events,
                           std::string command_id) {
  stream_append result;
  result.stream_id = std::move(stream_id);
  result.expected = expected;
  result.events = std::move(events);
  result.command_id = std::move(command_id);
  return result;
}

/// Appends one stream with a command id.
caf::expected<append_result>
append_cmd(event_store& store, std::string stream_id, expected_version expected,
           std::vector<event_data> events, std::string command_id) {
  std::vector<stream_append> batch;
  batch.push_back(with_command(std::move(stream_id), expected,
                               std::move(events), std::move(command_id)));
  return std::move(store.append(std::move(batch)).front());
}

/// Looks a command up and requires the call to succeed.
std::optional<command_record> find_ok(event_store& store,
                                      const std::string& command_id) {
  auto result = store.find_command(command_id);
  BOOST_REQUIRE_MESSAGE(static_cast<bool>(result),
                        "find_command(" << command_id
                                        << ") failed: " << describe(result));
  return std::move(*result);
}

/// Purges and requires the call to succeed.
size_t purge_ok(event_store& store, int64_t older_than_us) {
  auto result = store.purge_commands(older_than_us);
  BOOST_REQUIRE_MESSAGE(static_cast<bool>(result),
                        "purge_commands failed: " << describe(result));
  return *result;
}

/// The message of an error, for checking what it names.
template <class T>
std::string text_of(const caf::expected<T>& x) {
  return x ? std::string{} : to_text(x.error());
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(command_suite, store_fixture)

BOOST_AUTO_TEST_CASE(command_is_recorded_with_its_events) {
  append_n("order-0", 1);
  auto id = make_uuid();
  auto before = now_us();
  auto res = append_cmd(*store, "order-1", ev::no_stream(), make_events(2), id);
  auto after = now_us();
  MINK_REQUIRE_OK(res);
  BOOST_TEST(res->version == 2);
  BOOST_TEST(res->positions == (std::vector<int64_t>{2, 3}),
             boost::test_tools::per_element());
  auto rec = find_ok(*store, id);
  BOOST_REQUIRE(rec.has_value());
  BOOST_TEST(rec->command_id == id);
  BOOST_TEST(rec->stream_id == "order-1");
  BOOST_TEST(rec->version == 2);
  BOOST_TEST(rec->first_position == 2);
  BOOST_TEST(rec->last_position == 3);
  // The database server may write the time; allow for its clock.
  constexpr int64_t slack = 60'000'000;
  BOOST_TEST(rec->timestamp_us >= before - slack);
  BOOST_TEST(rec->timestamp_us <= after + slack);
  // Another handle sees the record.
  auto other = open_another();
  auto seen = find_ok(*other, id);
  BOOST_REQUIRE(seen.has_value());
  BOOST_TEST(seen->version == 2);
}

BOOST_AUTO_TEST_CASE(unknown_command_is_not_found) {
  BOOST_TEST(!find_ok(*store, make_uuid()).has_value());
  append_n("order-1", 3);
  BOOST_TEST(!find_ok(*store, make_uuid()).has_value());
}

BOOST_AUTO_TEST_CASE(appends_without_command_id_record_nothing) {
  append_n("order-1", 3);
  append_ok("order-2", {}, ev::no_stream());
  BOOST_TEST(purge_ok(*store, std::numeric_limits<int64_t>::max()) == 0u);
}

BOOST_AUTO_TEST_CASE(repeat_fails_and_writes_nothing) {
  auto id = make_uuid();
  MINK_REQUIRE_OK(
    append_cmd(*store, "order-1", ev::no_stream(), make_events(2), id));
  // The retry carries the stale expected version of the first attempt:
  // the caller learns that the command ran, not that the version moved.
  auto stale = append_cmd(*store, "order-1", ev::no_stream(), make_events(2),
                          id);
  MINK_CHECK_ERRC(stale, errc::duplicate_command);
  BOOST_TEST(text_of(stale).find(id) != std::string::npos,
             "message names the command id: " << text_of(stale));
  MINK_CHECK_ERRC(append_cmd(*store, "order-1", ev::exact(2), make_events(1),
                             id),
                  errc::duplicate_command);
  MINK_CHECK_ERRC(append_cmd(*store, "order-1", ev::any(), make_events(1), id),
                  errc::duplicate_command);
  MINK_CHECK_ERRC(append_cmd(*store, "order-2", ev::any(), make_events(1), id),
                  errc::duplicate_command);
  MINK_CHECK_ERRC(append_cmd(*store, "order-1", ev::any(), {}, id),
                  errc::duplicate_command);
  BOOST_TEST(info("order-1").version == 2);
  BOOST_TEST(!info("order-2").exists);
  BOOST_TEST(last_position() == 2);
  // The rejections consumed no position.
  BOOST_TEST(append_n("order-3", 1).positions == std::vector<int64_t>{3},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(find_command_returns_the_original_result) {
  append_n("order-1", 2);
  auto id = make_uuid();
  MINK_REQUIRE_OK(
    append_cmd(*store, "order-1", ev::exact(2), make_events(3), id));
  append_n("order-1", 1);
  MINK_CHECK_ERRC(append_cmd(*store, "order-1", ev::exact(2), make_events(3),
                             id),
                  errc::duplicate_command);
  auto rec = find_ok(*store, id);
  BOOST_REQUIRE(rec.has_value());
  BOOST_TEST(rec->stream_id == "order-1");
  BOOST_TEST(rec->version == 5);
  BOOST_TEST(rec->first_position == 3);
  BOOST_TEST(rec->last_position == 5);
  BOOST_TEST(info("order-1").version == 6);
}

BOOST_AUTO_TEST_CASE(resent_command_with_same_event_ids_is_a_duplicate_command) {
  // A client that lost the reply resends the same events and command id.
  auto id = make_uuid();
  auto first = make_event_with_id(make_uuid());
  MINK_REQUIRE_OK(append_cmd(*store, "order-1", ev::no_stream(), {first}, id));
  MINK_CHECK_ERRC(append_cmd(*store, "order-1", ev::no_stream(), {first}, id),
                  errc::duplicate_command);
  MINK_CHECK_ERRC(append_cmd(*store, "order-1", ev::any(), {first}, id),
                  errc::duplicate_command);
  BOOST_TEST(last_position() == 1);
}

BOOST_AUTO_TEST_CASE(command_ids_are_case_insensitive) {
  auto id = make_uuid();
  MINK_REQUIRE_OK(
    append_cmd(*store, "order-1", ev::any(), make_events(1), to_upper(id)));
  auto rec = find_ok(*store, id);
  BOOST_REQUIRE(rec.has_value());
  BOOST_TEST(rec->command_id == id); // stored in lower case
  BOOST_TEST(find_ok(*store, to_upper(id)).has_value());
  MINK_CHECK_ERRC(append_cmd(*store, "order-1", ev::any(), make_events(1), id),
                  errc::duplicate_command);
  // Both spellings in one call.
  auto id2 = make_uuid();
  std::vector<stream_append> batch;
  batch.push_back(with_command("order-2", ev::any(), make_events(1), id2));
  batch.push_back(
    with_command("order-3", ev::any(), make_events(1), to_upper(id2)));
  auto results = store->append(std::move(batch));
  BOOST_REQUIRE_EQUAL(results.size(), 2u);
  MINK_CHECK_OK(results[0]);
  MINK_CHECK_ERRC(results[1], errc::duplicate_command);
  BOOST_TEST(!info("order-3").exists);
  BOOST_TEST(last_position() == 2);
}

BOOST_AUTO_TEST_CASE(stream_rejected_for_its_version_records_no_command) {
  append_n("order-1", 1);
  auto id = make_uuid();
  MINK_CHECK_ERRC(append_cmd(*store, "order-1", ev::exact(5), make_events(2),
                             id),
                  errc::wrong_expected_version);
  MINK_CHECK_ERRC(append_cmd(*store, "order-1", ev::no_stream(), {}, id),
                  errc::wrong_expected_version);
  BOOST_TEST(!find_ok(*store, id).has_value());
  BOOST_TEST(last_position() == 1);
  // The id is still free: the corrected retry commits and records it.
  auto res = append_cmd(*store, "order-1", ev::exact(1), make_events(2), id);
  MINK_REQUIRE_OK(res);
  auto rec = find_ok(*store, id);
  BOOST_REQUIRE(rec.has_value());
  BOOST_TEST(rec->version == 3);
  BOOST_TEST(rec->first_position == 2);
  BOOST_TEST(rec->last_position == 3);
}

BOOST_AUTO_TEST_CASE(stream_rejected_for_an_event_id_records_no_command) {
  auto stored = make_uuid();
  append_ok("order-1", {make_event_with_id(stored)});
  auto id_a = make_uuid();
  auto id_b = make_uuid();
  std::vector<stream_append> batch;
  batch.push_back(with_command("order-2", ev::any(),
                               {make_event(), make_event_with_id(stored)},
                               id_a));
  batch.push_back(with_command("order-3", ev::any(), make_events(2), id_b));
  auto results = store->append(std::move(batch));
  BOOST_REQUIRE_EQUAL(results.size(), 2u);
  MINK_CHECK_ERRC(results[0], errc::duplicate_event_id);
  MINK_REQUIRE_OK(results[1]);
  BOOST_TEST(!find_ok(*store, id_a).has_value());
  auto rec = find_ok(*store, id_b);
  BOOST_REQUIRE(rec.has_value());
  BOOST_TEST(rec->stream_id == "order-3");
  BOOST_TEST(rec->version == 2);
  BOOST_TEST(rec->first_position == 2);
  BOOST_TEST(rec->last_position == 3);
  BOOST_TEST(last_position() == 3);
}

BOOST_AUTO_TEST_CASE(zero_events_with_command_id_record_the_command) {
  append_n("order-1", 2);
  auto id = make_uuid();
  auto res = append_cmd(*store, "order-1", ev::exact(2), {}, id);
  MINK_REQUIRE_OK(res);
  BOOST_TEST(res->version == 2);
  BOOST_TEST(res->positions.empty());
  auto rec = find_ok(*store, id);
  BOOST_REQUIRE(rec.has_value());
  BOOST_TEST(rec->stream_id == "order-1");
  BOOST_TEST(rec->version == 2);
  BOOST_TEST(rec->first_position == 0);
  BOOST_TEST(rec->last_position == 0);
  MINK_CHECK_ERRC(append_cmd(*store, "order-1", ev::any(), make_events(1), id),
                  errc::duplicate_command);
  // On a stream that does not exist: version 0, and still no stream.
  auto id2 = make_uuid();
  MINK_REQUIRE_OK(append_cmd(*store, "order-2", ev::no_stream(), {}, id2));
  auto rec2 = find_ok(*store, id2);
  BOOST_REQUIRE(rec2.has_value());
  BOOST_TEST(rec2->version == 0);
  BOOST_TEST(rec2->first_position == 0);
  BOOST_TEST(!info("order-2").exists);
  BOOST_TEST(last_position() == 2);
}

BOOST_AUTO_TEST_CASE(command_with_events_blocks_a_repeat_without_events) {
  auto id = make_uuid();
  MINK_REQUIRE_OK(append_cmd(*store, "order-1", ev::any(), make_events(2), id));
  // The repeat decides differently and has no events: still a repeat.
  MINK_CHECK_ERRC(append_cmd(*store, "order-1", ev::any(), {}, id),
                  errc::duplicate_command);
  MINK_CHECK_ERRC(append_cmd(*store, "order-9", ev::any(), {}, id),
                  errc::duplicate_command);
  auto rec = find_ok(*store, id);
  BOOST_REQUIRE(rec.has_value());
  BOOST_TEST(rec->first_position == 1);
  BOOST_TEST(rec->last_position == 2);
  BOOST_TEST(last_position() == 2);
}

BOOST_AUTO_TEST_CASE(same_command_twice_in_one_call_rejects_the_later) {
  auto id = make_uuid();
  std::vector<stream_append> batch;
  batch.push_back(with_command("order-1", ev::any(), make_events(1), id));
  batch.push_back({"order-2", ev::any(), make_events(1)});
  batch.push_back(with_command("order-3", ev::any(), make_events(1), id));
  batch.push_back(with_command("order-1", ev::exact(1), make_events(1), id));
  auto results = store->append(std::move(batch));
  BOOST_REQUIRE_EQUAL(results.size(), 4u);
  MINK_CHECK_OK(results[0]);
  MINK_CHECK_OK(results[1]);
  MINK_CHECK_ERRC(results[2], errc::duplicate_command);
  MINK_CHECK_ERRC(results[3], errc::duplicate_command);
  BOOST_TEST(!info("order-3").exists);
  BOOST_TEST(info("order-1").version == 1);
  BOOST_TEST(last_position() == 2);
  auto rec = find_ok(*store, id);
  BOOST_REQUIRE(rec.has_value());
  BOOST_TEST(rec->stream_id == "order-1");
  BOOST_TEST(rec->version == 1);
  BOOST_TEST(rec->first_position == results[0]->positions.front());
}

BOOST_AUTO_TEST_CASE(command_of_a_failed_earlier_stream_stays_free) {
  append_n("order-1", 1);
  auto id = make_uuid();
  std::vector<stream_append> batch;
  batch.push_back(with_command("order-1", ev::no_stream(), make_events(1), id));
  batch.push_back(with_command("order-2", ev::any(), make_events(2), id));
  auto results = store->append(std::move(batch));
  BOOST_REQUIRE_EQUAL(results.size(), 2u);
  MINK_CHECK_ERRC(results[0], errc::wrong_expected_version);
  MINK_REQUIRE_OK(results[1]);
  auto rec = find_ok(*store, id);
  BOOST_REQUIRE(rec.has_value());
  BOOST_TEST(rec->stream_id == "order-2");
  BOOST_TEST(rec->version == 2);
  BOOST_TEST(rec->first_position == 2);
  BOOST_TEST(rec->last_position == 3);
  BOOST_TEST(last_position() == 3);
}

BOOST_AUTO_TEST_CASE(many_commands_in_one_call) {
  // Streams with and without command ids, one of them a repeat: each
  // record names its own stream's result; the others commit densely.
  auto repeated = make_uuid();
  MINK_REQUIRE_OK(
    append_cmd(*store, "order-0", ev::any(), make_events(1), repeated));
  constexpr size_t n = 60;
  std::vector<std::string> ids;
  std::vector<stream_append> batch;
  for (size_t i = 0; i < n; ++i) {
    auto stream = "order-" + std::to_string(i + 1);
    if (i == 17) {
      ids.push_back(repeated);
    } else if (i % 3 == 2) {
      ids.emplace_back();
    } else {
      ids.push_back(make_uuid());
    }
    batch.push_back(with_command(stream, ev::no_stream(), make_events(i % 4),
                                 ids.back()));
  }
  auto results = store->append(std::move(batch));
  BOOST_REQUIRE_EQUAL(results.size(), n);
  int64_t events = 1;
  for (size_t i = 0; i < n; ++i) {
    BOOST_TEST_CONTEXT("stream " << i + 1) {
      if (i == 17) {
        MINK_CHECK_ERRC(results[i], errc::duplicate_command);
        continue;
      }
      MINK_REQUIRE_OK(results[i]);
      events += static_cast<int64_t>(i % 4);
      if (ids[i].empty())
        continue;
      auto rec = find_ok(*store, ids[i]);
      BOOST_REQUIRE(rec.has_value());
      BOOST_TEST(rec->stream_id == "order-" + std::to_string(i + 1));
      BOOST_TEST(rec->version == static_cast<int64_t>(i % 4));
      const auto& positions = results[i]->positions;
      BOOST_TEST(rec->first_position
                 == (positions.empty() ? 0 : positions.front()));
      BOOST_TEST(rec->last_position
                 == (positions.empty() ? 0 : positions.back()));
    }
  }
  BOOST_TEST(last_position() == events);
  BOOST_TEST(positions_of(read_everything()) == iota_from_one(events),
             boost::test_tools::per_element());
  auto rec = find_ok(*store, repeated);
  BOOST_REQUIRE(rec.has_value());
  BOOST_TEST(rec->stream_id == "order-0");
}

BOOST_AUTO_TEST_CASE(racing_handles_record_a_command_once) {
  // Four threads on two handles send each command at the same time; for
  // each, exactly one append succeeds and the others see the record.
  constexpr size_t num_threads = 4;
  constexpr size_t num_commands = 40;
  std::vector<std::string> ids;
  for (size_t i = 0; i < num_commands; ++i)
    ids.push_back(make_uuid());
  // codes[t][i]: what thread t saw for command i.
  std::vector<std::vector<errc>> codes(num_threads);
  std::vector<std::vector<std::string>> problems(num_threads);
  run_threads(num_threads, [&](event_store& st, size_t t) {
    for (size_t i = 0; i < num_commands; ++i) {
      auto res = append_cmd(st, "order-" + std::to_string(i % 5), ev::any(),
                            {make_event("tick")}, ids[i]);
      codes[t].push_back(res ? errc::none : code_of(res.error()));
      if (!res && code_of(res.error()) != errc::duplicate_command)
        problems[t].push_back(to_text(res.error()));
    }
  });
  for (size_t t = 0; t < num_threads; ++t)
    BOOST_TEST(problems[t].empty(),
               "thread " << t << " failed:" << first_of(problems[t]));
  for (size_t i = 0; i < num_commands; ++i) {
    size_t ok = 0;
    for (size_t t = 0; t < num_threads; ++t)
      ok += codes[t][i] == errc::none ? 1 : 0;
    BOOST_TEST(ok == 1u, "command " << i << ": " << ok << " successes");
  }
  BOOST_TEST(last_position() == static_cast<int64_t>(num_commands));
  for (size_t i = 0; i < num_commands; ++i) {
    auto rec = find_ok(*store, ids[i]);
    BOOST_REQUIRE(rec.has_value());
    BOOST_TEST(rec->stream_id == "order-" + std::to_string(i % 5));
    BOOST_TEST(rec->first_position == rec->last_position);
  }
}

BOOST_AUTO_TEST_CASE(purge_removes_records_older_than_the_limit) {
  BOOST_TEST(purge_ok(*store, now_us()) == 0u);
  auto old1 = make_uuid();
  auto old2 = make_uuid();
  auto young = make_uuid();
  MINK_REQUIRE_OK(append_cmd(*store, "order-1", ev::any(), make_events(1), old1));
  MINK_REQUIRE_OK(append_cmd(*store, "order-2", ev::any(), {}, old2));
  auto old_rec = find_ok(*store, old2);
  BOOST_REQUIRE(old_rec.has_value());
  // Let the clock move past the old records' timestamps.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  MINK_REQUIRE_OK(append_cmd(*store, "order-3", ev::any(), make_events(2),
                             young));
  auto young_rec = find_ok(*store, young);
  BOOST_REQUIRE(young_rec.has_value());
  BOOST_REQUIRE(young_rec->timestamp_us > old_rec->timestamp_us);
  // Strictly older than the limit: the young record stays.
  BOOST_TEST(purge_ok(*store, young_rec->timestamp_us) == 2u);
  BOOST_TEST(!find_ok(*store, old1).has_value());
  BOOST_TEST(!find_ok(*store, old2).has_value());
  BOOST_TEST(find_ok(*store, young).has_value());
  BOOST_TEST(purge_ok(*store, young_rec->timestamp_us) == 0u);
  // Events stay; a purged id is free again.
  BOOST_TEST(last_position() == 3);
  BOOST_TEST(info("order-1").version == 1);
  MINK_CHECK_OK(append_cmd(*store, "order-1", ev::any(), make_events(1), old1));
  // The reused id is recorded anew and guards against repeats again.
  auto reused = find_ok(*store, old1);
  BOOST_REQUIRE(reused.has_value());
  BOOST_TEST(reused->version == 2);
  BOOST_TEST(reused->first_position == 4);
  BOOST_TEST(reused->last_position == 4);
  MINK_CHECK_ERRC(append_cmd(*store, "order-1", ev::any(), make_events(1),
                             old1),
                  errc::duplicate_command);
  MINK_CHECK_ERRC(append_cmd(*store, "order-3", ev::any(), make_events(1),
                             young),
                  errc::duplicate_command);
  BOOST_TEST(purge_ok(*store, young_rec->timestamp_us + 1) == 1u);
  BOOST_TEST(!find_ok(*store, young).has_value());
  BOOST_TEST(purge_ok(*store, std::numeric_limits<int64_t>::min()) == 0u);
  BOOST_TEST(purge_ok(*store, std::numeric_limits<int64_t>::max()) == 1u);
  BOOST_TEST(last_position() == 4);
}

BOOST_AUTO_TEST_CASE(invalid_command_ids_are_rejected) {
  auto bad = malformed_uuids();
  for (const auto& x : bad) {
    BOOST_TEST_CONTEXT("command id '" << x << "'") {
      MINK_CHECK_ERRC(append_cmd(*store, "order-1", ev::any(), make_events(1),
                                 x),
                      errc::invalid_argument);
      MINK_CHECK_ERRC(append_cmd(*store, "order-1", ev::any(), {}, x),
                      errc::invalid_argument);
      MINK_CHECK_ERRC(store->find_command(x), errc::invalid_argument);
    }
  }
  MINK_CHECK_ERRC(store->find_command(""), errc::invalid_argument);
  BOOST_TEST(!info("order-1").exists);
  BOOST_TEST(last_position() == 0);
  BOOST_TEST(purge_ok(*store, std::numeric_limits<int64_t>::max()) == 0u);
  // An invalid id fails its stream alone.
  std::vector<stream_append> batch;
  batch.push_back(with_command("order-1", ev::any(), make_events(1), "x"));
  batch.push_back(
    with_command("order-2", ev::any(), make_events(1), make_uuid()));
  auto results = store->append(std::move(batch));
  BOOST_REQUIRE_EQUAL(results.size(), 2u);
  MINK_CHECK_ERRC(results[0], errc::invalid_argument);
  MINK_CHECK_OK(results[1]);
  BOOST_TEST(last_position() == 1);
}

BOOST_AUTO_TEST_SUITE_END()
