// The CLI's NDJSON codec (apps/cli/ndjson.cpp): times at the edges. Found
// by tests/fuzz/ndjson_fuzzer (docs/reliability.md).

#include "ndjson.hpp"

#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <initializer_list>
#include <limits>
#include <string>

#include "mink/errc.hpp"

using namespace mink;

namespace {

std::string line_with(const std::string& time_member) {
  return R"({"position":1,"stream_id":"s","version":1,"event_id":"e",)"
         R"("type":"T",)"
         + time_member + R"(,"data":{}})";
}

std::string why(const caf::expected<recorded_event>& x) {
  return x ? std::string{"accepted"} : to_text(x.error());
}

} // namespace

BOOST_AUTO_TEST_SUITE(ndjson)

BOOST_AUTO_TEST_CASE(timestamps_format_at_the_edges) {
  BOOST_CHECK_EQUAL(cli::format_timestamp(0), "1970-01-01T00:00:00.000000Z");
  BOOST_CHECK_EQUAL(cli::format_timestamp(-1), "1969-12-31T23:59:59.999999Z");
  BOOST_CHECK_EQUAL(cli::format_timestamp(-62167219200LL * 1000000),
                    "0000-01-01T00:00:00.000000Z");
  BOOST_CHECK_EQUAL(cli::format_timestamp(253402300799LL * 1000000 + 999999),
                    "9999-12-31T23:59:59.999999Z");
  // Defined (no signed overflow) for every value, though not RFC 3339.
  cli::format_timestamp(std::numeric_limits<int64_t>::min());
  cli::format_timestamp(std::numeric_limits<int64_t>::max());
}

BOOST_AUTO_TEST_CASE(times_outside_the_years_0000_to_9999_are_refused) {
  for (int64_t us : std::initializer_list<int64_t>{
         std::numeric_limits<int64_t>::min(),
         std::numeric_limits<int64_t>::max(), -62167219200LL * 1000000 - 1,
         253402300800LL * 1000000}) {
    auto ev = cli::from_ndjson(line_with(R"("timestamp_us":)"
                                         + std::to_string(us)));
    BOOST_TEST_INFO("timestamp_us " << us);
    BOOST_REQUIRE(!ev);
    BOOST_CHECK(code_of(ev.error()) == errc::invalid_argument);
    BOOST_CHECK_NE(why(ev).find("timestamp_us"), std::string::npos);
  }
  for (int64_t us : std::initializer_list<int64_t>{
         -62167219200LL * 1000000, -1, 253402300799LL * 1000000 + 999999}) {
    auto ev = cli::from_ndjson(line_with(R"("timestamp_us":)"
                                         + std::to_string(us)));
    BOOST_TEST_INFO("timestamp_us " << us);
    BOOST_REQUIRE_MESSAGE(ev, why(ev));
    BOOST_CHECK_EQUAL(ev->timestamp_us, us);
    auto again = cli::from_ndjson(cli::to_ndjson(*ev));
    BOOST_REQUIRE_MESSAGE(again, why(again));
    BOOST_CHECK_EQUAL(again->timestamp_us, us);
  }
}

BOOST_AUTO_TEST_CASE(timestamps_that_are_no_date_are_refused) {
  for (auto ts : {"2024-13-01T12:00:00.000000Z", "2024-02-30T12:00:00.000000Z",
                  "2024-01-01T24:00:00.000000Z", "2024-01-01T12:60:00.000000Z",
                  "2024-01-01T12:00:00.-00001Z", "2024-01-01T12:00:00.00000 Z",
                  "+024-01-01T12:00:00.000000Z", "2024-1-01T12:00:00.0000000Z"}) {
    auto ev = cli::from_ndjson(line_with(std::string{R"("timestamp":")"} + ts
                                         + "\""));
    BOOST_TEST_INFO("timestamp " << ts);
    BOOST_CHECK(!ev);
  }
  auto ev = cli::from_ndjson(
    line_with(R"("timestamp":"2024-02-29T23:59:59.000001Z")"));
  BOOST_REQUIRE_MESSAGE(ev, why(ev));
  BOOST_CHECK_EQUAL(cli::format_timestamp(ev->timestamp_us),
                    "2024-02-29T23:59:59.000001Z");
}

BOOST_AUTO_TEST_CASE(data_that_the_store_would_refuse_is_refused) {
  // data_text held anything: the line was accepted, and exported again it
  // was a line that no longer parsed. Found by tests/fuzz/ndjson_fuzzer
  // (corpus: data_text_not_json).
  auto line = [](const std::string& data_member) {
    return std::string{R"({"position":3,"stream_id":"s","version":3,)"}
           + R"("event_id":"e","type":"T","timestamp_us":0,)" + data_member
           + "}";
  };
  for (auto bad : {R"("data_text":"{!n\"a\":data}")",
                   R"("data_text":"")", R"("data_text":"{} x")",
                   R"("data":{"a":"\udc00"})", R"("data":[2.5e308])"}) {
    auto ev = cli::from_ndjson(line(bad));
    BOOST_TEST_INFO(bad);
    BOOST_REQUIRE(!ev);
    BOOST_CHECK(code_of(ev.error()) == errc::invalid_argument);
    BOOST_CHECK_NE(why(ev).find("not JSON"), std::string::npos);
  }
  auto ev = cli::from_ndjson(line(R"("data_text":"{\n\"a\": 1\n}")"));
  BOOST_REQUIRE_MESSAGE(ev, why(ev));
  BOOST_CHECK_EQUAL(ev->data, "{\n\"a\": 1\n}");
  auto again = cli::from_ndjson(cli::to_ndjson(*ev));
  BOOST_REQUIRE_MESSAGE(again, why(again));
  BOOST_CHECK_EQUAL(again->data, ev->data);
}

// Found by tests/fuzz/ndjson_fuzzer (corpus: event_id_lone_surrogate): an
// escaped lone surrogate in a string member was imported as bytes that are
// not UTF-8, and the export of that event could not be imported again.
BOOST_AUTO_TEST_CASE(escaped_lone_surrogates_are_refused) {
  auto line = [](const std::string& stream, const std::string& id) {
    return R"({"position":1,"stream_id":")" + stream
           + R"(","version":1,"event_id":")" + id
           + R"(","type":"T","timestamp_us":0,"data":{}})";
  };
  for (const auto& bad :
       {line("s", "\\udeae"), line("s\\udc00", "e"),
        line("s", "a\\ud800")}) {
    auto ev = cli::from_ndjson(bad);
    BOOST_TEST_INFO(bad);
    BOOST_REQUIRE(!ev);
    BOOST_CHECK(code_of(ev.error()) == errc::invalid_argument);
    BOOST_CHECK_NE(why(ev).find("not JSON"), std::string::npos);
  }
  // A surrogate pair is one code point and stays as it is.
  auto ev = cli::from_ndjson(line("s", "\\ud83d\\ude00"));
  BOOST_REQUIRE_MESSAGE(ev, why(ev));
  BOOST_CHECK_EQUAL(ev->event_id, "\xf0\x9f\x98\x80");
  auto again = cli::from_ndjson(cli::to_ndjson(*ev));
  BOOST_REQUIRE_MESSAGE(again, why(again));
  BOOST_CHECK_EQUAL(again->event_id, ev->event_id);
}

// Found by tests/fuzz/ndjson_fuzzer (corpus: data_text_trailing_space): data
// with white space at an end was exported raw, and imported again without
// it.
BOOST_AUTO_TEST_CASE(data_keeps_white_space_at_its_ends) {
  for (auto text : {R"(3111111111 )", R"( {})", "\t[1]\t"}) {
    auto ev = cli::from_ndjson(
      R"({"position":3,"stream_id":"s","version":5,"event_id":"e",)"
      R"("type":"T","timestamp_us":0,"data_text":)"
      + std::string{"\""} + (text[0] == '\t' ? "\\t[1]\\t" : text) + "\"}");
    BOOST_TEST_INFO(text);
    BOOST_REQUIRE_MESSAGE(ev, why(ev));
    BOOST_CHECK_EQUAL(ev->data, text);
    auto again = cli::from_ndjson(cli::to_ndjson(*ev));
    BOOST_REQUIRE_MESSAGE(again, why(again));
    BOOST_CHECK_EQUAL(again->data, ev->data);
  }
}

BOOST_AUTO_TEST_SUITE_END()
