// Conformance of the snapshot store: saving, loading and removing one
// stream's snapshot. Data comes back byte for byte; an older version never
// replaces the stored snapshot, an equal one does; bad input is rejected with
// `invalid_argument` and stores nothing. (Listing, purging and concurrency
// are in snapshot_list_suite.cpp.)

#include "snapshot_fixture.hpp"

#include "mink/clock.hpp"
#include "mink/json_check.hpp"
#include "mink/stream_id.hpp"

using namespace mink;
using namespace mink::conformance;

namespace {

/// Returns a JSON document of at least `size` bytes with escapes, unicode
/// and irregular whitespace.
std::string big_state(size_t size) {
  std::string result = "{\"log\" : \"";
  const std::string chunk = R"(abc \"q\" \\ \n\t\u00e9\ud83d\ude00 )"
                            "Ω über 日本 😀 0123456789 ";
  while (result.size() < size)
    result += chunk;
  result += "\",\n  \"n\": [1, 2.50, -0, 1e10, true, null], \"z\":{} }";
  return result;
}

/// Requires that `x` is `expected` with a store-made timestamp.
void check_equal(const snapshot& x, const snapshot& expected) {
  BOOST_TEST(x.stream_id == expected.stream_id);
  BOOST_TEST(x.version == expected.version);
  BOOST_TEST(x.state_type == expected.state_type);
  BOOST_TEST(x.schema_version == expected.schema_version);
  BOOST_CHECK_MESSAGE(x.data == expected.data,
                      "data differs: " << x.data.size() << " bytes stored, "
                                       << expected.data.size() << " saved");
  BOOST_TEST(x.timestamp_us > 0);
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(snapshot_suite, snapshot_fixture)

BOOST_AUTO_TEST_CASE(load_of_a_missing_snapshot_is_nullopt) {
  BOOST_TEST(!load_ok("account-1").has_value());
  save_ok(make_snapshot("account-2", 3));
  BOOST_TEST(!load_ok("account-1").has_value());
  BOOST_TEST(!load_ok("account").has_value());
  BOOST_TEST(!load_ok("account-22").has_value());
}

BOOST_AUTO_TEST_CASE(save_and_load_round_trip) {
  auto before = now_us();
  auto s = make_snapshot("account-1", 42, R"({"owner":"Ann","balance":7})",
                         "account", 3);
  s.timestamp_us = 12345; // ignored: the store sets it
  save_ok(s);
  auto after = now_us();
  auto x = load_existing("account-1");
  check_equal(x, s);
  // Microseconds since the epoch, taken on save (with clock slack for a
  // database server's clock).
  constexpr int64_t slack = int64_t{10} * 60 * 1'000'000;
  BOOST_TEST(x.timestamp_us >= before - slack);
  BOOST_TEST(x.timestamp_us <= after + slack);
}

BOOST_AUTO_TEST_CASE(data_and_names_round_trip_byte_for_byte) {
  std::vector<std::string> docs{
    R"({"b": 1, "a": [1, 2]})",
    R"({"a":1,"a":2})",
    "  {\"x\" : 1.0 ,\t\"y\":-0.0e+0}  \n",
    "{\r\n  \"crlf\" :\r\n  [1,\r\n2]\r\n}\r\n",
    "[\"back\\\\slash\", \"\\\\N\", \"\\\\.\"]",
    R"({"big":123456789012345678901234567890,"small":1E-300})",
    R"({"esc":"\u00e9\n\t\"\\\/\ud83d\ude00\u001f"})",
    R"({"text":"Ω über 日本 😀 \u00e9"})",
    "{}",
    "[]",
    R"("just a string")",
    "42",
    "null",
  };
  for (size_t i = 0; i < docs.size(); ++i) {
    BOOST_REQUIRE(check_json(docs[i]).empty());
    auto s = make_snapshot("bücher-" + std::to_string(i) + "-日本😀",
                           static_cast<int64_t>(i) + 1, docs[i],
                           "Bücher 日本 state 😀", 2);
    save_ok(s);
    BOOST_TEST_CONTEXT("document " << i) {
      check_equal(load_existing(s.stream_id), s);
    }
  }
}

BOOST_AUTO_TEST_CASE(one_mebibyte_state_round_trips) {
  auto data = big_state(1 << 20);
  BOOST_REQUIRE(check_json(data).empty());
  auto s = make_snapshot("ledger-1", 1000, data, "ledger");
  save_ok(s);
  save_ok(make_snapshot("ledger-2", 1));
  check_equal(load_existing("ledger-1"), s);
  // Replacing a large snapshot with a small one leaves nothing behind.
  auto small = make_snapshot("ledger-1", 1001);
  save_ok(small);
  check_equal(load_existing("ledger-1"), small);
}

BOOST_AUTO_TEST_CASE(a_newer_version_replaces_the_snapshot) {
  save_ok(make_snapshot("account-1", 5, "", "account", 1));
  auto first = load_existing("account-1");
  auto newer = make_snapshot("account-1", 9, R"({"v":"nine"})", "account_v2",
                             2);
  save_ok(newer);
  auto x = load_existing("account-1");
  check_equal(x, newer);
  BOOST_TEST(x.timestamp_us >= first.timestamp_us);
}

BOOST_AUTO_TEST_CASE(an_older_version_is_ignored_without_error) {
  auto current = make_snapshot("account-1", 10);
  save_ok(current);
  auto stored = load_existing("account-1");
  for (int64_t v : {9, 5, 1}) {
    auto err = snaps->save(make_snapshot("account-1", v, R"({"old":true})"));
    BOOST_CHECK_MESSAGE(!err, "older snapshot: " << describe(err));
  }
  auto x = load_existing("account-1");
  check_equal(x, current);
  BOOST_TEST(x.timestamp_us == stored.timestamp_us);
}

BOOST_AUTO_TEST_CASE(an_equal_version_replaces_the_snapshot) {
  // A new state schema at the same stream version: the newer encoding wins.
  save_ok(make_snapshot("account-1", 7, R"({"first":true})", "account", 1));
  auto second = make_snapshot("account-1", 7, R"({"second":true})", "account",
                              2);
  auto err = snaps->save(second);
  BOOST_CHECK_MESSAGE(!err, "equal version: " << describe(err));
  check_equal(load_existing("account-1"), second);
}

BOOST_AUTO_TEST_CASE(remove_deletes_one_snapshot) {
  save_ok(make_snapshot("account-1", 3));
  save_ok(make_snapshot("account-2", 4));
  MINK_CHECK_NO_ERROR(snaps->remove("account-1"));
  BOOST_TEST(!load_ok("account-1").has_value());
  BOOST_TEST(load_existing("account-2").version == 4);
  // Removing a missing snapshot is not an error.
  MINK_CHECK_NO_ERROR(snaps->remove("account-1"));
  MINK_CHECK_NO_ERROR(snaps->remove("never-saved"));
  // After a remove any version may be saved again, also a lower one.
  save_ok(make_snapshot("account-1", 1));
  BOOST_TEST(load_existing("account-1").version == 1);
}

BOOST_AUTO_TEST_CASE(invalid_snapshots_are_rejected_and_store_nothing) {
  std::vector<std::pair<std::string, snapshot>> bad;
  auto add = [&](std::string why, auto change) {
    auto s = make_snapshot("account-1", 5);
    change(s);
    bad.emplace_back(std::move(why), std::move(s));
  };
  add("empty stream id", [](snapshot& s) { s.stream_id.clear(); });
  add("stream id too long", [](snapshot& s) {
    s.stream_id = "a-" + std::string(max_stream_id_size, 'x');
  });
  add("control character in stream id",
      [](snapshot& s) { s.stream_id = "account-\n1"; });
  add("stream id not UTF-8", [](snapshot& s) { s.stream_id = "account-\xff"; });
  add("version 0", [](snapshot& s) { s.version = 0; });
  add("negative version", [](snapshot& s) { s.version = -3; });
  add("empty state type", [](snapshot& s) { s.state_type.clear(); });
  add("state type too long",
      [](snapshot& s) { s.state_type = std::string(201, 't'); });
  add("control character in state type",
      [](snapshot& s) { s.state_type = "acc\tount"; });
  add("state type not UTF-8",
      [](snapshot& s) { s.state_type = "acc\xc0\xafount"; });
  add("schema version 0", [](snapshot& s) { s.schema_version = 0; });
  add("negative schema version", [](snapshot& s) { s.schema_version = -1; });
  add("empty data", [](snapshot& s) { s.data.clear(); });
  add("malformed JSON", [](snapshot& s) { s.data = R"({"a":1,})"; });
  add("trailing text", [](snapshot& s) { s.data = R"({"a":1} x)"; });
  add("NUL in data",
      [](snapshot& s) { s.data = std::string("{\"a\":\"\0\"}", 9); });
  add("data not UTF-8", [](snapshot& s) { s.data = "{\"a\":\"\xff\"}"; });
  add("data too large", [](snapshot& s) {
    s.data = "\"" + std::string(max_event_data_size - 1, 'x') + "\"";
  });
  for (auto& [why, s] : bad) {
    BOOST_TEST_CONTEXT(why) {
      MINK_CHECK_ERRC(snaps->save(std::move(s)), errc::invalid_argument);
    }
  }
  BOOST_TEST(!load_ok("account-1").has_value());
  BOOST_TEST(list_all().empty());
  // The limit is inclusive (checked on the port, before the data is sent).
  auto at_limit = make_snapshot("account-1", 5);
  at_limit.state_type = std::string(200, 't');
  save_ok(at_limit);
  BOOST_TEST(load_existing("account-1").state_type == at_limit.state_type);
}

BOOST_AUTO_TEST_CASE(invalid_stream_ids_fail_load_and_remove) {
  save_ok(make_snapshot("account-1", 5));
  for (std::string id :
       {std::string{}, std::string{"account-\x01"}, std::string{"a-\xff"},
        "a-" + std::string(max_stream_id_size, 'x')}) {
    MINK_CHECK_ERRC(snaps->load(id), errc::invalid_argument);
    MINK_CHECK_ERRC(snaps->remove(id), errc::invalid_argument);
  }
  BOOST_TEST(load_existing("account-1").version == 5);
}

BOOST_AUTO_TEST_SUITE_END()
