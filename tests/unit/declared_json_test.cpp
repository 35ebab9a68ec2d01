#include "mink/serialization/declared_json.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "mink/command/declared_commands.hpp"
#include "mink/errc.hpp"
#include "mink/serialization/declared_events.hpp"
#include "mink/serialization/json_codec.hpp"
#include "../support/error_text.hpp"

using namespace mink;
using namespace mink::test_support;

namespace shop {

enum class color { red, green, blue };
MINK_ENUM(color, red, green, blue)

struct line {
  std::string sku;
  int32_t quantity = 0;
};
MINK_FIELDS(line, sku, quantity)

struct order_placed {
  std::string customer;
  std::vector<line> lines;
  std::optional<std::string> note;
  std::map<std::string, int64_t> tags;
  std::unordered_map<std::string, bool> flags;
  color wrap = color::red;
  double discount = 0;
  bool gift = false;
  uint16_t priority = 0;
  std::chrono::system_clock::time_point due{};
};
MINK_EVENT(order_placed, "OrderPlaced", customer, lines, note, tags, flags,
           wrap, discount, gift, priority, due)
MINK_DEFAULTS(order_placed, tags, flags, discount, gift, priority, due)

struct order_cancelled {};
MINK_EVENT(order_cancelled, "OrderCancelled")
MINK_SCHEMA_VERSION(order_cancelled, 3)

struct place_order {
  std::string customer;
};
MINK_COMMAND(place_order, customer)

struct cancel_order {};
MINK_COMMAND(cancel_order)

using order_command = std::variant<place_order, cancel_order>;

} // namespace shop

namespace {

rapidjson::Document parse(const std::string& text) {
  rapidjson::Document doc;
  auto err = parse_json(text, doc);
  BOOST_REQUIRE_MESSAGE(!err, to_text(err));
  return doc;
}

std::string write(const rapidjson::Document& doc) {
  auto text = write_json(doc);
  BOOST_REQUIRE(text);
  return *text;
}

template <class T>
std::string decode_problem(const std::string& json) {
  auto doc = parse(json);
  auto x = decode_declared<T>(doc, "T");
  BOOST_REQUIRE(!x);
  BOOST_CHECK(x.error() == errc::decode_failed);
  return to_text(x.error());
}

shop::order_placed sample() {
  shop::order_placed x;
  x.customer = "Ada";
  x.lines = {{"apple", 3}, {"pear", 1}};
  x.note = "ring twice";
  x.tags = {{"b", 2}, {"a", -1}};
  x.flags = {{"fragile", true}};
  x.wrap = shop::color::blue;
  x.discount = 0.25;
  x.gift = true;
  x.priority = 7;
  x.due = std::chrono::system_clock::time_point{
    std::chrono::microseconds{1'796'531'730'123'456}};
  return x;
}

} // namespace

BOOST_AUTO_TEST_SUITE(declared_json)

BOOST_AUTO_TEST_CASE(writes_fields_in_declared_order) {
  rapidjson::Document doc;
  encode_declared(sample(), doc);
  BOOST_TEST(write(doc)
             == R"({"customer":"Ada","lines":[{"sku":"apple","quantity":3},)"
                R"({"sku":"pear","quantity":1}],"note":"ring twice",)"
                R"("tags":{"a":-1,"b":2},"flags":{"fragile":true},)"
                R"("wrap":"blue","discount":0.25,"gift":true,"priority":7,)"
                R"("due":"2026-12-06T04:35:30.123456Z"})");
}

BOOST_AUTO_TEST_CASE(round_trips_every_supported_kind) {
  rapidjson::Document doc;
  auto x = sample();
  encode_declared(x, doc);
  auto back = decode_declared<shop::order_placed>(doc, "OrderPlaced");
  BOOST_REQUIRE_MESSAGE(back, why(back));
  BOOST_TEST(back->customer == "Ada");
  BOOST_REQUIRE_EQUAL(back->lines.size(), 2u);
  BOOST_TEST(back->lines[1].sku == "pear");
  BOOST_TEST(back->lines[0].quantity == 3);
  BOOST_TEST(*back->note == "ring twice");
  BOOST_TEST(back->tags == x.tags);
  BOOST_TEST(back->flags.at("fragile"));
  BOOST_TEST((back->wrap == shop::color::blue));
  BOOST_TEST(back->discount == 0.25);
  BOOST_TEST(back->gift);
  BOOST_TEST(back->priority == 7);
  BOOST_TEST((back->due == x.due));
}

BOOST_AUTO_TEST_CASE(an_empty_optional_is_left_out_and_null_reads_as_empty) {
  shop::order_placed x;
  x.customer = "Bo";
  rapidjson::Document doc;
  encode_declared(x, doc);
  BOOST_TEST(!doc.HasMember("note"));
  auto back = decode_declared<shop::order_placed>(
    parse(R"({"customer":"Bo","lines":[],"note":null,"wrap":"red"})"), "X");
  BOOST_REQUIRE_MESSAGE(back, why(back));
  BOOST_TEST(!back->note.has_value());
}

BOOST_AUTO_TEST_CASE(weak_schema_unknown_fields_ignored_defaults_kept) {
  auto back = decode_declared<shop::order_placed>(
    parse(R"({"customer":"Cy","lines":[],"wrap":"green","extra":[1,2]})"),
    "OrderPlaced");
  BOOST_REQUIRE_MESSAGE(back, why(back));
  BOOST_TEST(back->customer == "Cy");
  BOOST_TEST(back->priority == 0);
  BOOST_TEST(!back->gift);
  BOOST_TEST(back->tags.empty());
}

BOOST_AUTO_TEST_CASE(errors_name_the_type_and_the_field) {
  BOOST_TEST(decode_problem<shop::order_placed>(R"({"lines":[],"wrap":"red"})")
             == "decode_failed: T: field 'customer' is missing");
  BOOST_TEST(decode_problem<shop::order_placed>(
               R"({"customer":"A","lines":[{"sku":"x","quantity":"2"}],"wrap":"red"})")
             == "decode_failed: T: field 'lines[0].quantity' must be an "
                "integer, got a string");
  BOOST_TEST(decode_problem<shop::order_placed>(
               R"({"customer":"A","lines":[{"sku":"x"}],"wrap":"red"})")
             == "decode_failed: T: field 'lines[0].quantity' is missing");
  BOOST_TEST(decode_problem<shop::order_placed>(
               R"({"customer":"A","lines":[],"wrap":"pink"})")
             == "decode_failed: T: field 'wrap' unknown value 'pink' "
                "(known: red, green, blue)");
  BOOST_TEST(decode_problem<shop::order_placed>(
               R"({"customer":"A","lines":[],"wrap":"red","tags":{"k":1.5}})")
             == "decode_failed: T: field 'tags[\"k\"]' must be an integer, "
                "got a fraction");
  BOOST_TEST(decode_problem<shop::order_placed>("[1]")
             == "decode_failed: T: must be an object, got an array");
}

BOOST_AUTO_TEST_CASE(integers_must_fit_their_type) {
  BOOST_TEST(decode_problem<shop::line>(R"({"sku":"a","quantity":3000000000})")
             == "decode_failed: T: field 'quantity' integer 3000000000 is "
                "out of range");
  BOOST_TEST(decode_problem<shop::order_placed>(
               R"({"customer":"A","lines":[],"wrap":"red","priority":-1})")
             == "decode_failed: T: field 'priority' integer -1 is out of "
                "range");
}

BOOST_AUTO_TEST_CASE(enums_by_name_or_the_number_of_a_named_value) {
  BOOST_TEST(enum_name(shop::color::green) == std::string{"green"});
  BOOST_TEST(enum_name(static_cast<shop::color>(9)) == std::string{"unknown"});
  auto back = decode_declared<shop::order_placed>(
    parse(R"({"customer":"A","lines":[],"wrap":2})"), "X");
  BOOST_REQUIRE_MESSAGE(back, why(back));
  BOOST_TEST((back->wrap == shop::color::blue));
  BOOST_TEST(decode_problem<shop::order_placed>(
               R"({"customer":"A","lines":[],"wrap":9})")
             == "decode_failed: T: field 'wrap' value 9 has no name");
}

BOOST_AUTO_TEST_CASE(timestamps_are_rfc3339_utc) {
  const std::string not_rfc3339 = "field 'due' must be an RFC 3339 time";
  const std::string too_far = "outside the range of a time point";
  for (const auto& [due, says] : std::vector<std::pair<std::string, std::string>>{
         {"2026-02-30T00:00:00Z", not_rfc3339},
         {"2026-12-06 04:35:30Z", not_rfc3339},
         {"2026-12-06T04:35:30", not_rfc3339},
         {"2026-12-06T04:35:30+01:00", not_rfc3339},
         {"2026-13-01T00:00:00Z", not_rfc3339},
         {"2026-12-06T04:35:30.Z", not_rfc3339},
         {"2300-01-01T00:00:00Z", too_far},
         {"1600-01-01T00:00:00Z", too_far},
         {"9999-12-31T23:59:59Z", too_far}}) {
    auto problem = decode_problem<shop::order_placed>(
      R"({"customer":"A","lines":[],"wrap":"red","due":")" + due + "\"}");
    BOOST_TEST(problem.find(says) != std::string::npos, due << ": " << problem);
  }
  auto back = decode_declared<shop::order_placed>(
    parse(R"({"customer":"A","lines":[],"wrap":"red","due":"1969-12-31T23:59:59.5Z"})"),
    "X");
  BOOST_REQUIRE_MESSAGE(back, why(back));
  BOOST_TEST(std::chrono::duration_cast<std::chrono::microseconds>(
               back->due.time_since_epoch())
                 .count()
             == -500'000);
  rapidjson::Document doc;
  encode_declared(*back, doc);
  BOOST_TEST(std::string{doc["due"].GetString()}
             == "1969-12-31T23:59:59.500000Z");
}

BOOST_AUTO_TEST_CASE(events_register_with_name_and_schema_version) {
  event_registry reg;
  auto err = register_events<shop::order_placed, std::variant<shop::order_cancelled>>(reg);
  BOOST_REQUIRE_MESSAGE(!err, to_text(err));
  BOOST_TEST(reg.schema_version_of("OrderPlaced") == 1);
  BOOST_TEST(reg.schema_version_of("OrderCancelled") == 3);
  auto data = reg.encode(sample());
  BOOST_REQUIRE(data);
  BOOST_TEST(data->type == "OrderPlaced");
  recorded_event rec;
  rec.type = data->type;
  rec.schema_version = data->schema_version;
  rec.data = data->data;
  auto back = reg.decode(rec);
  BOOST_REQUIRE_MESSAGE(back, why(back));
  BOOST_TEST(back->get<shop::order_placed>()->lines[0].sku == "apple");
  rec.data = R"({"lines":[]})";
  auto bad = reg.decode(rec);
  BOOST_REQUIRE(!bad);
  BOOST_TEST(to_text(bad.error()).find("OrderPlaced: field 'customer' is missing")
             != std::string::npos);
  BOOST_TEST((register_events<shop::order_placed>(reg) == errc::invalid_argument));
}

BOOST_AUTO_TEST_CASE(commands_carry_their_names) {
  shop::order_command cmd = shop::cancel_order{};
  BOOST_TEST(command_name(cmd) == std::string{"cancel_order"});
  BOOST_TEST((command_names<shop::order_command>()
              == std::vector<std::string>{"place_order", "cancel_order"}));
  auto x = decode_command<shop::order_command>("place_order",
                                               parse(R"({"customer":"Di"})"));
  BOOST_REQUIRE_MESSAGE(x, why(x));
  BOOST_TEST(std::get<shop::place_order>(*x).customer == "Di");
  auto unknown = decode_command<shop::order_command>("refund", parse("{}"));
  BOOST_REQUIRE(!unknown);
  BOOST_TEST((unknown.error() == errc::invalid_argument));
  BOOST_TEST(to_text(unknown.error())
             == "invalid_argument: unknown command 'refund' (known: "
                "place_order, cancel_order)");
  auto bad = decode_command<shop::order_command>("place_order", parse("{}"));
  BOOST_REQUIRE(!bad);
  BOOST_TEST(to_text(bad.error())
             == "decode_failed: place_order: field 'customer' is missing");
}

BOOST_AUTO_TEST_SUITE_END()
