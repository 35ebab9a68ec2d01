// Conformance: event data, type names and schema versions. Data comes back
// byte for byte as it was appended; malformed input is rejected and nothing
// is written.

#include "fixture.hpp"

#include <limits>

#include "mink/json_check.hpp"

using namespace mink;
using namespace mink::conformance;

namespace {

using ev = expected_version;

/// Describes where two strings first differ.
std::string first_difference(const std::string& x, const std::string& y) {
  size_t i = 0;
  while (i < x.size() && i < y.size() && x[i] == y[i])
    ++i;
  return "sizes " + std::to_string(x.size()) + " and "
         + std::to_string(y.size()) + ", first difference at byte "
         + std::to_string(i);
}

/// Returns a JSON document of about `size` bytes with escapes, unicode,
/// numbers and irregular whitespace.
std::string big_document(size_t size) {
  std::string result = "{\"blob\" : \"";
  const std::string chunk = R"(abc \"quoted\" \\ \n\t\u00e9\ud83d\ude00 )"
                            "Ω über 日本 😀 0123456789 ";
  while (result.size() < size)
    result += chunk;
  result += "\",\n  \"list\": [1, 2.50, -0, 1e10, 1E-5, true, false, null],";
  result += " \"z\":{}, \"a\":[] }";
  return result;
}

/// Documents that are valid JSON but easy to normalize by accident.
std::vector<std::string> unusual_documents() {
  return {
    R"({"b": 1, "a": [1, 2]})",
    R"({"a":1,"a":2})",
    "  {\"x\" : 1.0 ,\t\"y\":-0.0e+0}  \n",
    "{\r\n  \"crlf\" :\r\n  [1,\r\n2]\r\n}\r\n",
    "[\"back\\\\slash\", \"\\\\N\", \"\\\\.\"]",
    R"({"big":123456789012345678901234567890,"small":1E-300,"exp":1e+2})",
    R"({"esc":"\u00e9\n\t\"\\\/\ud83d\ude00\u001f"})",
    R"({"text":"Ω über 日本 😀 \u00e9"})",
    R"({"nested":{"deep":[[[[{"k":[]}]]]]},"empty":{}})",
    "{}",
    "[]",
    "[1,\"two\",{\"three\":3}]",
    R"("just a string")",
    "42",
    "-1.5e-7",
    "null",
    "true",
    "false",
  };
}

/// Valid UTF-8 text that is not valid JSON, and JSON that is not UTF-8.
std::vector<std::string> malformed_documents() {
  return {
    "",
    "   ",
    "{",
    "}",
    R"({"a":})",
    R"({"a":1,})",
    R"([1,2)",
    R"({'a':1})",
    R"({a:1})",
    "NaN",
    R"({"a":NaN})",
    R"({"a":Infinity})",
    "undefined",
    R"({"a":01})",
    R"({"a":"\x"})",
    R"({"a":"\ud800"})",
    "{\"a\":\"x\ny\"}",
    R"({"a":1} x)",
    R"({"a":1}{})",
    R"({"a":1}})",
    R"({"a":1},)",
    "{\"a\":1}\n//",
    std::string("{\"a\":1}\0", 8),
    std::string("{\"a\":\"\0\"}", 9),
    "{\"a\":\"\xff\"}",
    "{\"a\":\"\xc0\xaf\"}",
    "{\"a\":\"\xed\xa0\x80\"}",
    "{\"a\":\"\xe6\x97\"}",
    "{\"\xfe\":1}",
    "\"\xe6\x97\xa5",
    std::string(max_json_depth + 1, '[') + std::string(max_json_depth + 1, ']'),
  };
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(payload_suite, store_fixture)

BOOST_AUTO_TEST_CASE(one_mebibyte_data_round_trips) {
  auto data = big_document(1 << 20);
  BOOST_REQUIRE(check_json(data).empty());
  append_n("blob-0", 1);
  append_ok("blob-1", {make_event("blob_stored", data)});
  append_n("blob-2", 1);
  auto events = read_stream_all("blob-1");
  BOOST_REQUIRE_EQUAL(events.size(), 1u);
  BOOST_CHECK_MESSAGE(events[0].data == data,
                      "read_stream: " << first_difference(events[0].data, data));
  auto all = read_everything();
  BOOST_REQUIRE_EQUAL(all.size(), 3u);
  BOOST_CHECK_MESSAGE(all[1].data == data,
                      "read_all: " << first_difference(all[1].data, data));
  BOOST_TEST(all[2].data == R"({"n":1})");
}

BOOST_AUTO_TEST_CASE(several_large_events_in_one_append) {
  std::vector<event_data> events;
  std::vector<std::string> docs;
  for (size_t i = 0; i < 4; ++i) {
    docs.push_back(big_document(256 * 1024 + i));
    events.push_back(make_event("blob_stored", docs.back()));
  }
  append_ok("blob-1", std::move(events));
  auto stored = read_stream_all("blob-1");
  BOOST_REQUIRE_EQUAL(stored.size(), docs.size());
  for (size_t i = 0; i < docs.size(); ++i)
    BOOST_CHECK_MESSAGE(stored[i].data == docs[i],
                        "event " << i << ": "
                                 << first_difference(stored[i].data, docs[i]));
}

BOOST_AUTO_TEST_CASE(data_is_returned_byte_identical) {
  auto docs = unusual_documents();
  for (size_t i = 0; i < docs.size(); ++i) {
    BOOST_TEST_CONTEXT("document " << i << ": " << docs[i]) {
      BOOST_REQUIRE(check_json(docs[i]).empty());
      auto res = store->append("doc-" + std::to_string(i), ev::no_stream(),
                               {make_event("doc", docs[i])});
      MINK_REQUIRE_OK(res);
      auto events = read_stream_all("doc-" + std::to_string(i));
      BOOST_REQUIRE_EQUAL(events.size(), 1u);
      BOOST_TEST(events[0].data == docs[i]);
    }
  }
  auto all = read_everything();
  BOOST_REQUIRE_EQUAL(all.size(), docs.size());
  for (size_t i = 0; i < docs.size(); ++i)
    BOOST_TEST(all[i].data == docs[i]);
}

BOOST_AUTO_TEST_CASE(escaped_nul_in_data_round_trips) {
  // Valid JSON; a store that keeps data as PostgreSQL jsonb would reject it.
  std::string doc = R"({"nul":"a\u0000b"})";
  auto res = store->append("doc-1", ev::any(), {make_event("doc", doc)});
  MINK_REQUIRE_OK(res);
  auto events = read_stream_all("doc-1");
  BOOST_REQUIRE_EQUAL(events.size(), 1u);
  BOOST_TEST(events[0].data == doc);
}

BOOST_AUTO_TEST_CASE(json_nested_to_the_limit_is_accepted) {
  auto doc = std::string(max_json_depth, '[') + std::string(max_json_depth, ']');
  append_ok("doc-1", {make_event("doc", doc)});
  auto events = read_stream_all("doc-1");
  BOOST_REQUIRE_EQUAL(events.size(), 1u);
  BOOST_TEST(events[0].data == doc);
}

BOOST_AUTO_TEST_CASE(malformed_data_is_invalid_and_writes_nothing) {
  append_n("doc-0", 1);
  auto docs = malformed_documents();
  for (size_t i = 0; i < docs.size(); ++i) {
    BOOST_TEST_CONTEXT("document " << i << " (" << docs[i].size()
                                   << " bytes)") {
      MINK_CHECK_ERRC(store->append("doc-1", ev::any(),
                                    {make_event("doc", docs[i])}),
                      errc::invalid_argument);
    }
  }
  BOOST_TEST(!info("doc-1").exists);
  BOOST_TEST(last_position() == 1);
}

BOOST_AUTO_TEST_CASE(one_bad_event_rejects_the_whole_stream) {
  std::vector<event_data> events;
  events.push_back(make_event("doc", "{}"));
  events.push_back(make_event("doc", R"({"a":1} trailing)"));
  events.push_back(make_event("doc", "{}"));
  MINK_CHECK_ERRC(store->append("doc-1", ev::any(), std::move(events)),
                  errc::invalid_argument);
  BOOST_TEST(!info("doc-1").exists);
  BOOST_TEST(last_position() == 0);
  BOOST_TEST(append_n("doc-2", 1).positions == std::vector<int64_t>{1},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(unicode_data_round_trips) {
  std::string doc = "{\"name\":\"Ω über 日本 😀\",\"emoji\":\"👩‍💻\","
                    "\"rtl\":\"שלום\",\"combining\":\"e\xcc\x81\"}";
  append_ok("doc-1", {make_event("doc", doc)});
  auto events = read_stream_all("doc-1");
  BOOST_REQUIRE_EQUAL(events.size(), 1u);
  BOOST_TEST(events[0].data == doc);
}

BOOST_AUTO_TEST_CASE(unicode_type_names_round_trip_and_filter) {
  const std::string type = "Überweisung✓_日本_Ω";
  append_ok("bank-1", {make_event(type), make_event("plain")});
  auto events = read_stream_all("bank-1");
  BOOST_REQUIRE_EQUAL(events.size(), 2u);
  BOOST_TEST(events[0].type == type);
  BOOST_TEST(events[1].type == "plain");
  read_filter f;
  f.event_types = {type};
  auto res = store->read_all(1, 10, f);
  MINK_REQUIRE_OK(res);
  BOOST_REQUIRE_EQUAL(res->size(), 1u);
  BOOST_TEST((*res)[0].type == type);
}

BOOST_AUTO_TEST_CASE(bad_type_names_are_invalid) {
  std::vector<std::string> bad{
    "",
    "a\nb",
    "tab\there",
    std::string("nul\0x", 5),
    "\x7f",
    "bad\xff",
    "\xe6\x97",
  };
  for (const auto& type : bad) {
    BOOST_TEST_CONTEXT("type of " << type.size() << " bytes") {
      MINK_CHECK_ERRC(store->append("doc-1", ev::any(), {make_event(type)}),
                      errc::invalid_argument);
    }
  }
  BOOST_TEST(!info("doc-1").exists);
  BOOST_TEST(last_position() == 0);
}

BOOST_AUTO_TEST_CASE(type_names_with_spaces_and_punctuation_round_trip) {
  std::vector<std::string> types{"with space", "dot.ted", "o'quote",
                                 "per%cent", "under_score", "Name:v2"};
  std::vector<event_data> events;
  for (const auto& t : types)
    events.push_back(make_event(t));
  append_ok("doc-1", std::move(events));
  auto stored = read_stream_all("doc-1");
  BOOST_REQUIRE_EQUAL(stored.size(), types.size());
  for (size_t i = 0; i < types.size(); ++i)
    BOOST_TEST(stored[i].type == types[i]);
  read_filter f;
  f.event_types = {"per%cent"};
  auto res = store->read_all(1, 10, f);
  MINK_REQUIRE_OK(res);
  BOOST_TEST(positions_of(*res) == std::vector<int64_t>{4},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(schema_version_below_one_is_invalid) {
  for (int32_t v : {0, -1, std::numeric_limits<int32_t>::min()}) {
    BOOST_TEST_CONTEXT("schema version " << v) {
      auto e = make_event();
      e.schema_version = v;
      MINK_CHECK_ERRC(store->append("doc-1", ev::any(), {e}),
                      errc::invalid_argument);
    }
  }
  BOOST_TEST(!info("doc-1").exists);
  BOOST_TEST(last_position() == 0);
}

BOOST_AUTO_TEST_CASE(schema_versions_round_trip) {
  std::vector<int32_t> versions{1, 2, 7, 1000,
                                std::numeric_limits<int32_t>::max()};
  std::vector<event_data> events;
  for (auto v : versions) {
    events.push_back(make_event());
    events.back().schema_version = v;
  }
  append_ok("doc-1", std::move(events));
  auto stored = read_stream_all("doc-1");
  BOOST_REQUIRE_EQUAL(stored.size(), versions.size());
  for (size_t i = 0; i < versions.size(); ++i)
    BOOST_TEST(stored[i].schema_version == versions[i]);
  auto all = read_everything();
  BOOST_REQUIRE_EQUAL(all.size(), versions.size());
  for (size_t i = 0; i < versions.size(); ++i)
    BOOST_TEST(all[i].schema_version == versions[i]);
}

BOOST_AUTO_TEST_SUITE_END()
