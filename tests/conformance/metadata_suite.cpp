// Conformance: metadata and the rest of the envelope round-trip through
// read_stream and read_all.

#include "fixture.hpp"

#include <chrono>

using namespace mink;
using namespace mink::conformance;

namespace {

using ev = expected_version;

int64_t now_us() {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch())
    .count();
}

metadata full_metadata() {
  metadata result;
  result.correlation_id = make_uuid();
  result.causation_id = make_uuid();
  result.user_id = "user-42";
  result.tenant_id = "tenant-7";
  result.custom = {{"ip", "192.0.2.1"}, {"trace", "00-abc-01"}};
  return result;
}

std::string describe(const metadata& m) {
  std::string result = "{corr=" + m.correlation_id + ", cause="
                       + m.causation_id + ", user=" + m.user_id
                       + ", tenant=" + m.tenant_id + ", custom={";
  for (const auto& [k, v] : m.custom)
    result += k + "=" + v + ";";
  return result + "}}";
}

/// Appends one event with `meta` and checks that both reads return it.
void check_round_trip(store_fixture& fx, const std::string& stream_id,
                      const metadata& meta) {
  auto e = make_event();
  e.meta = meta;
  auto res = fx.append_ok(stream_id, {e});
  auto events = fx.read_stream_all(stream_id);
  BOOST_REQUIRE(!events.empty());
  BOOST_CHECK_MESSAGE(events.back().meta == meta,
                      "read_stream: got " << describe(events.back().meta)
                                          << ", want " << describe(meta));
  auto all = fx.store->read_all(res.positions.front(), 1);
  MINK_REQUIRE_OK(all);
  BOOST_REQUIRE_EQUAL(all->size(), 1u);
  BOOST_CHECK_MESSAGE(all->front().meta == meta,
                      "read_all: got " << describe(all->front().meta)
                                       << ", want " << describe(meta));
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(metadata_suite, store_fixture)

BOOST_AUTO_TEST_CASE(full_metadata_round_trips) {
  check_round_trip(*this, "meta-1", full_metadata());
}

BOOST_AUTO_TEST_CASE(empty_metadata_round_trips) {
  check_round_trip(*this, "meta-1", metadata{});
}

BOOST_AUTO_TEST_CASE(partial_metadata_round_trips) {
  metadata m;
  m.causation_id = make_uuid();
  check_round_trip(*this, "meta-1", m);
  metadata n;
  n.tenant_id = "t";
  n.custom = {{"only", "custom"}};
  check_round_trip(*this, "meta-2", n);
}

BOOST_AUTO_TEST_CASE(unicode_and_special_characters_round_trip) {
  metadata m;
  m.correlation_id = "corr-Ω-日本";
  m.causation_id = "cause \"quoted\" \\ back/slash";
  m.user_id = "jürgen 😀";
  m.tenant_id = "tenant\twith\ncontrols\x01";
  m.custom = {
    {"日本", "über"},
    {"quote\"key", "value\\with\\backslashes"},
    {"empty value", ""},
    {"", "empty key"},
    {"emoji 👩‍💻", "שלום"},
    {"json-looking", R"({"not":"parsed"})"},
  };
  check_round_trip(*this, "meta-1", m);
}

BOOST_AUTO_TEST_CASE(large_custom_map_round_trips) {
  metadata m = full_metadata();
  for (int i = 0; i < 100; ++i)
    m.custom["key-" + std::to_string(i)] = std::string(static_cast<size_t>(i),
                                                       'v');
  check_round_trip(*this, "meta-1", m);
}

BOOST_AUTO_TEST_CASE(each_event_keeps_its_own_metadata) {
  std::vector<event_data> events;
  for (int i = 0; i < 3; ++i) {
    events.push_back(make_event());
    events.back().meta.correlation_id = "corr-" + std::to_string(i);
    events.back().meta.custom["i"] = std::to_string(i);
  }
  append_ok("meta-1", events);
  auto stored = read_stream_all("meta-1");
  BOOST_REQUIRE_EQUAL(stored.size(), 3u);
  for (size_t i = 0; i < 3; ++i)
    BOOST_CHECK_MESSAGE(stored[i].meta == events[i].meta,
                        "event " << i << ": " << describe(stored[i].meta));
}

BOOST_AUTO_TEST_CASE(invalid_utf8_in_metadata_is_invalid) {
  auto bad = std::string{"bad\xff"};
  std::vector<metadata> cases(6);
  cases[0].correlation_id = bad;
  cases[1].causation_id = bad;
  cases[2].user_id = bad;
  cases[3].tenant_id = bad;
  cases[4].custom["k"] = bad;
  cases[5].custom[bad] = "v";
  for (size_t i = 0; i < cases.size(); ++i) {
    BOOST_TEST_CONTEXT("case " << i) {
      auto e = make_event();
      e.meta = cases[i];
      MINK_CHECK_ERRC(store->append("meta-1", ev::any(), {e}),
                      errc::invalid_argument);
    }
  }
  BOOST_TEST(!info("meta-1").exists);
  BOOST_TEST(last_position() == 0);
}

BOOST_AUTO_TEST_CASE(envelope_round_trips) {
  append_n("other-1", 2);
  auto before = now_us();
  auto id = make_uuid();
  auto e = make_event("thing_happened", R"({"k": "v"})");
  e.event_id = id;
  e.schema_version = 3;
  e.meta = full_metadata();
  append_ok("thing-1", make_events(1));
  auto res = append_ok("thing-1", {e}, ev::exact(1));
  auto after = now_us();
  BOOST_REQUIRE_EQUAL(res.positions.size(), 1u);
  BOOST_TEST(res.positions[0] == 4);
  BOOST_TEST(res.version == 2);
  auto check = [&](const recorded_event& x, const char* how) {
    BOOST_TEST_CONTEXT(how) {
      BOOST_TEST(x.event_id == id);
      BOOST_TEST(x.stream_id == "thing-1");
      BOOST_TEST(x.stream_version == 2);
      BOOST_TEST(x.global_position == 4);
      BOOST_TEST(x.type == "thing_happened");
      BOOST_TEST(x.schema_version == 3);
      BOOST_TEST(x.data == R"({"k": "v"})");
      BOOST_CHECK_MESSAGE(x.meta == e.meta, describe(x.meta));
      BOOST_TEST(x.timestamp_us != 0);
      // Microseconds since the epoch, taken at commit (with clock slack).
      constexpr int64_t slack = int64_t{10} * 60 * 1'000'000;
      BOOST_TEST(x.timestamp_us >= before - slack,
                 "timestamp " << x.timestamp_us << " is before " << before);
      BOOST_TEST(x.timestamp_us <= after + slack,
                 "timestamp " << x.timestamp_us << " is after " << after);
    }
  };
  auto by_stream = read_stream_all("thing-1");
  BOOST_REQUIRE_EQUAL(by_stream.size(), 2u);
  check(by_stream[1], "read_stream");
  auto backward = store->read_stream("thing-1", mink::end_of_stream, 1,
                                     read_direction::backward);
  MINK_REQUIRE_OK(backward);
  BOOST_REQUIRE_EQUAL(backward->size(), 1u);
  check(backward->front(), "read_stream backward");
  auto all = store->read_all(4, 1);
  MINK_REQUIRE_OK(all);
  BOOST_REQUIRE_EQUAL(all->size(), 1u);
  check(all->front(), "read_all");
  read_filter f;
  f.category = "thing";
  f.event_types = {"thing_happened"};
  auto filtered = store->read_all(1, 10, f);
  MINK_REQUIRE_OK(filtered);
  BOOST_REQUIRE_EQUAL(filtered->size(), 1u);
  check(filtered->front(), "read_all filtered");
  BOOST_TEST(filtered->front().timestamp_us == by_stream[1].timestamp_us);
}

BOOST_AUTO_TEST_CASE(all_events_have_timestamps) {
  append_n("thing-1", 3);
  append_n("thing-2", 2);
  for (const auto& x : read_everything())
    BOOST_TEST(x.timestamp_us > 0, "position " << x.global_position);
}

BOOST_AUTO_TEST_SUITE_END()
