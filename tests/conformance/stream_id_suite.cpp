// Conformance: stream ids. Malformed ids are rejected by every operation and
// write nothing; unusual but valid ids are kept apart exactly.

#include "fixture.hpp"

#include "mink/stream_id.hpp"

using namespace mink;
using namespace mink::conformance;

namespace {

using ev = expected_version;

/// Malformed stream ids, with a name for the test log.
std::vector<std::pair<std::string, std::string>> bad_ids() {
  return {
    {"empty", ""},
    {"501 bytes", std::string(max_stream_id_size + 1, 'a')},
    {"501 bytes of 3-byte characters", [] {
       std::string s;
       for (size_t i = 0; i < 167; ++i)
         s += "日";
       return s;
     }()},
    {"newline", "a\nb"},
    {"NUL", std::string("a\0b", 3)},
    {"trailing NUL", std::string("order-1\0", 8)},
    {"DEL", "\x7f"},
    {"tab", "order\t1"},
    {"carriage return", "order-1\r"},
    {"escape", "\x1b[31m-1"},
    {"invalid UTF-8", "order-\xff"},
    {"truncated UTF-8", "order-\xe6\x97"},
    {"overlong UTF-8", "order-\xc0\xaf"},
    {"UTF-16 surrogate", "order-\xed\xa0\x80"},
  };
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(stream_id_suite, store_fixture)

BOOST_AUTO_TEST_CASE(bad_ids_are_rejected_by_append) {
  append_n("good-1", 1);
  for (const auto& [name, id] : bad_ids()) {
    BOOST_TEST_CONTEXT("stream id: " << name) {
      MINK_CHECK_ERRC(store->append(id, ev::any(), make_events(1)),
                      errc::invalid_argument);
      MINK_CHECK_ERRC(store->append(id, ev::no_stream(), make_events(2)),
                      errc::invalid_argument);
      MINK_CHECK_ERRC(store->append(id, ev::any(), {}),
                      errc::invalid_argument);
    }
  }
  BOOST_TEST(last_position() == 1);
  BOOST_TEST(read_everything().size() == 1u);
}

BOOST_AUTO_TEST_CASE(bad_ids_are_rejected_by_reads) {
  append_n("good-1", 1);
  for (const auto& [name, id] : bad_ids()) {
    BOOST_TEST_CONTEXT("stream id: " << name) {
      MINK_CHECK_ERRC(store->read_stream(id, 1, 10), errc::invalid_argument);
      MINK_CHECK_ERRC(store->read_stream(id, mink::end_of_stream, 10,
                                         read_direction::backward),
                      errc::invalid_argument);
      MINK_CHECK_ERRC(store->stream_info(id), errc::invalid_argument);
    }
  }
}

BOOST_AUTO_TEST_CASE(bad_id_in_batch_fails_alone) {
  std::vector<stream_append> batch;
  batch.push_back({"good-1", ev::any(), make_events(1)});
  batch.push_back({std::string("a\0b", 3), ev::any(), make_events(1)});
  batch.push_back({std::string(501, 'x'), ev::any(), make_events(1)});
  batch.push_back({"good-2", ev::any(), make_events(2)});
  auto results = store->append(batch);
  BOOST_REQUIRE_EQUAL(results.size(), 4u);
  MINK_CHECK_OK(results[0]);
  MINK_CHECK_ERRC(results[1], errc::invalid_argument);
  MINK_CHECK_ERRC(results[2], errc::invalid_argument);
  MINK_CHECK_OK(results[3]);
  BOOST_TEST(last_position() == 3);
  // Nothing was stored under the truncated forms of the bad ids.
  BOOST_TEST(!info("a").exists);
  BOOST_TEST(!info(std::string(500, 'x')).exists);
}

BOOST_AUTO_TEST_CASE(ids_of_500_bytes_are_accepted) {
  std::vector<std::string> ids{std::string(max_stream_id_size, 'a'),
                               "cat-" + std::string(496, 'z')};
  std::string wide; // 166 three-byte characters and two ASCII bytes
  for (size_t i = 0; i < 166; ++i)
    wide += "日";
  wide += "-x";
  ids.push_back(wide);
  for (const auto& id : ids) {
    BOOST_TEST_CONTEXT("stream id of " << id.size() << " bytes") {
      BOOST_REQUIRE_EQUAL(id.size(), max_stream_id_size);
      auto res = store->append(id, ev::no_stream(), make_events(2));
      MINK_REQUIRE_OK(res);
      BOOST_TEST(info(id).version == 2);
      auto events = read_stream_all(id);
      BOOST_REQUIRE_EQUAL(events.size(), 2u);
      BOOST_TEST(events[0].stream_id == id);
    }
  }
  auto all = read_everything();
  BOOST_REQUIRE_EQUAL(all.size(), 6u);
  for (size_t i = 0; i < ids.size(); ++i)
    BOOST_TEST(all[2 * i].stream_id == ids[i]);
}

BOOST_AUTO_TEST_CASE(unicode_stream_ids_round_trip) {
  const std::string id = "Ω-über-日本";
  append_n("plain-1", 1);
  append_ok(id, make_events(2), ev::no_stream());
  auto si = info(id);
  BOOST_TEST(si.exists);
  BOOST_TEST(si.version == 2);
  auto events = read_stream_all(id);
  BOOST_REQUIRE_EQUAL(events.size(), 2u);
  BOOST_TEST(events[0].stream_id == id);
  BOOST_TEST(events[1].stream_id == id);
  auto all = read_everything();
  BOOST_REQUIRE_EQUAL(all.size(), 3u);
  BOOST_TEST(all[1].stream_id == id);
  read_filter f;
  f.category = "Ω";
  auto res = store->read_all(1, 10, f);
  MINK_REQUIRE_OK(res);
  BOOST_TEST(positions_of(*res) == (std::vector<int64_t>{2, 3}),
             boost::test_tools::per_element());
  // A different normalization is a different stream: "ü" as u + U+0308.
  BOOST_TEST(!info("Ω-u\xcc\x88" "ber-日本").exists);
}

BOOST_AUTO_TEST_CASE(distinct_ids_are_distinct_streams) {
  std::vector<std::string> ids{
    "order-1",   "Order-1", "ORDER-1", "order-1 ", " order-1",
    "order_1",   "order-1\xc2\xa0",     "order--1", "order-1-",
  };
  for (size_t i = 0; i < ids.size(); ++i)
    append_ok(ids[i], make_events(i + 1), ev::no_stream());
  for (size_t i = 0; i < ids.size(); ++i) {
    BOOST_TEST_CONTEXT("stream id '" << ids[i] << "'") {
      BOOST_TEST(info(ids[i]).version == static_cast<int64_t>(i + 1));
      auto events = read_stream_all(ids[i]);
      BOOST_TEST(events.size() == i + 1);
      for (const auto& x : events)
        BOOST_TEST(x.stream_id == ids[i]);
    }
  }
}

BOOST_AUTO_TEST_CASE(ids_with_quotes_and_wildcards_round_trip) {
  std::vector<std::string> ids{
    "o'brien-1",
    "say\"hi\"-1",
    "back\\slash-1",
    "semi;colon-1",
    "pct%-1",
    "under_score-1",
    "star*-1",
    "Robert'); DROP TABLE events;--",
    "{json}-[1]",
    "$1-?",
  };
  for (const auto& id : ids)
    append_ok(id, make_events(1), ev::no_stream());
  for (const auto& id : ids) {
    BOOST_TEST_CONTEXT("stream id '" << id << "'") {
      auto events = read_stream_all(id);
      BOOST_REQUIRE_EQUAL(events.size(), 1u);
      BOOST_TEST(events[0].stream_id == id);
      BOOST_TEST(info(id).version == 1);
    }
  }
  BOOST_TEST(last_position() == static_cast<int64_t>(ids.size()));
  // Wildcards match literally.
  BOOST_TEST(!info("pctx-1").exists);
  BOOST_TEST(!info("underXscore-1").exists);
  read_filter f;
  f.category = "pct%";
  auto res = store->read_all(1, 100, f);
  MINK_REQUIRE_OK(res);
  BOOST_REQUIRE_EQUAL(res->size(), 1u);
  BOOST_TEST(res->front().stream_id == "pct%-1");
}

BOOST_AUTO_TEST_SUITE_END()
