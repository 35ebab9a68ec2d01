// Hostile NDJSON for `mink import`, table-driven: each file is refused
// (exit 1) with a message naming the line and the problem, and the store
// holds exactly what it held before (docs/cli.md: a bad line stops the
// import before its batch is written; the default batch holds every line
// of these files).

#include <boost/test/unit_test.hpp>

#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "cli_hostile_support.hpp"

using namespace mink::hostile_test;

namespace {

/// One NDJSON line as (key, raw JSON value) pairs, so a case can drop,
/// replace or repeat a member.
struct line {
  std::vector<std::pair<std::string, std::string>> members;

  line& set(const std::string& key, const std::string& raw) {
    for (auto& [k, v] : members)
      if (k == key) {
        v = raw;
        return *this;
      }
    members.emplace_back(key, raw);
    return *this;
  }

  line& drop(const std::string& key) {
    for (auto i = members.begin(); i != members.end(); ++i)
      if (i->first == key) {
        members.erase(i);
        break;
      }
    return *this;
  }

  line& add(const std::string& key, const std::string& raw) {
    members.emplace_back(key, raw);
    return *this;
  }

  std::string text() const {
    std::string out = "{";
    for (const auto& [k, v] : members)
      out += (out.size() > 1 ? "," : "") + ("\"" + k + "\":" + v);
    return out + "}";
  }
};

std::string quoted(const std::string& x) {
  return "\"" + x + "\"";
}

std::string uuid_of(int64_t n) {
  auto digits = std::to_string(n);
  return "00000000-0000-4000-8000-" + std::string(12 - digits.size(), '0')
         + digits;
}

/// A good event at `position`: stream `stream`, version `version`.
line good(int64_t position, const std::string& stream = "account-9",
          int64_t version = 0) {
  if (version == 0)
    version = position - 6; // the fixture holds positions 1 to 6
  line l;
  l.set("position", std::to_string(position))
    .set("stream_id", quoted(stream))
    .set("version", std::to_string(version))
    .set("event_id", quoted(uuid_of(position)))
    .set("type", quoted("Deposited"))
    .set("schema_version", "1")
    .set("timestamp_us", "1700000000000000")
    .set("metadata", R"({"correlation_id":"c"})")
    .set("data", R"({"amount":1})");
  return l;
}

struct import_case {
  std::string name;
  std::vector<std::string> lines; // the file, one entry per line
  std::vector<std::string> says;  // parts of the message on stderr
};

/// Cases whose first line is the bad one.
std::vector<import_case> line_cases() {
  const std::string sql = "'; DROP TABLE mink_events; --";
  std::string deep;
  for (int i = 0; i < 300; ++i)
    deep += "[";
  deep += std::string(300, ']');
  auto g = [] { return good(7); };
  std::vector<std::pair<std::string, std::pair<std::string, std::string>>>
    one{
      // name, (line, what the message says)
      {"truncated", {R"({"position":7,)", "not JSON"}},
      {"empty object", {"{}", "missing \"position\""}},
      {"array", {"[1,2]", "not a JSON object"}},
      {"plain text", {"hello", "not JSON"}},
      {"two objects", {g().text() + g().text(), "not JSON"}},
      {"single quotes", {"{'position':7}", "not JSON"}},
      {"position a string", {g().set("position", "\"7\"").text(),
                             "\"position\" is not an integer"}},
      {"position a fraction", {g().set("position", "7.5").text(),
                               "\"position\" is not an integer"}},
      {"position 1e30", {g().set("position", "1e30").text(),
                         "\"position\" is not an integer"}},
      {"position beyond int64",
       {g().set("position", "99999999999999999999").text(),
        "\"position\" is not an integer"}},
      {"position null", {g().set("position", "null").text(),
                         "\"position\" is not an integer"}},
      {"position zero", {g().set("position", "0").text(),
                         "position must be at least 1"}},
      {"position negative", {g().set("position", "-7").text(),
                             "position must be at least 1"}},
      {"version a string", {g().set("version", "\"1\"").text(),
                            "\"version\" is not an integer"}},
      {"version zero", {g().set("version", "0").text(),
                        "version must be at least 1"}},
      {"stream_id missing", {g().drop("stream_id").text(),
                             "missing \"stream_id\""}},
      {"stream_id a number", {g().set("stream_id", "9").text(),
                              "\"stream_id\" is not a string"}},
      {"stream_id empty", {g().set("stream_id", "\"\"").text(),
                           "stream id is empty"}},
      {"stream_id 10 KB", {g().set("stream_id", quoted(std::string(10240, 's')))
                             .text(),
                           "stream id is 10240 bytes long"}},
      {"stream_id with NUL", {g().set("stream_id", R"("a\u0000b")").text(),
                              "control character 0"}},
      {"stream_id with a line break", {g().set("stream_id", R"("a\nb")").text(),
                                       "control character 10"}},
      {"event_id missing", {g().drop("event_id").text(),
                            "missing \"event_id\""}},
      {"event_id not a UUID", {g().set("event_id", quoted("xyz")).text(),
                               "event id is not a UUID"}},
      {"event_id with SQL", {g().set("event_id", quoted(sql)).text(),
                             "event id is not a UUID"}},
      {"type missing", {g().drop("type").text(), "missing \"type\""}},
      {"type empty", {g().set("type", "\"\"").text(), "type"}},
      {"type 10 KB", {g().set("type", quoted(std::string(10240, 't'))).text(),
                      "type"}},
      {"type an object", {g().set("type", "{}").text(),
                          "\"type\" is not a string"}},
      {"schema_version zero", {g().set("schema_version", "0").text(),
                               "\"schema_version\" is out of range"}},
      {"schema_version 2^32", {g().set("schema_version", "4294967296").text(),
                               "\"schema_version\" is out of range"}},
      {"schema_version a string", {g().set("schema_version", "\"1\"").text(),
                                   "\"schema_version\" is not an integer"}},
      {"timestamp_us a string", {g().set("timestamp_us", "\"now\"").text(),
                                 "\"timestamp_us\" is not an integer"}},
      {"timestamp_us after 9999",
       {g().set("timestamp_us", "253402300800000000").text(),
        "outside the years 0000 to 9999"}},
      {"timestamp_us before 1970", {g().set("timestamp_us", "-1").text(),
                                    "timestamp must lie between 1970 and "
                                    "9999"}},
      {"timestamp February 30",
       {g().drop("timestamp_us")
          .set("timestamp", quoted("2024-02-30T00:00:00.000000Z"))
          .text(),
        "\"timestamp\" is not a date and time"}},
      {"timestamp words", {g().drop("timestamp_us")
                             .set("timestamp", quoted("yesterday"))
                             .text(),
                           "\"timestamp\" is not a date and time"}},
      {"no time", {g().drop("timestamp_us").text(),
                   "missing \"timestamp_us\" or \"timestamp\""}},
      {"metadata an array", {g().set("metadata", "[]").text(),
                             "\"metadata\" is not an object"}},
      {"metadata field a number",
       {g().set("metadata", R"({"correlation_id":5})").text(),
        "\"metadata\""}},
      {"data missing", {g().drop("data").text(),
                        "missing \"data\" or \"data_text\""}},
      {"data_text not JSON", {g().drop("data").set("data_text", "\"abc\"")
                                .text(),
                              "\"data_text\" is not JSON that can be stored"}},
      {"data a lone surrogate", {g().set("data", R"({"a":"\udc00"})").text(),
                                 "lone UTF-16 surrogate"}},
      {"data beyond a double", {g().set("data", R"({"a":1e999})").text(),
                                "not JSON"}},
      {"data nested 300 deep", {g().set("data", deep).text(),
                                "nested deeper than 256"}},
      {"invalid UTF-8", {g().set("data", "{\"a\":\"\xff\xfe\"}").text(),
                         "not JSON"}},
      {"raw NUL", {g().set("data", std::string{"{\"a\":\"x\0y\"}", 11}).text(),
                   "not JSON"}},
      {"binary", {std::string{"\x00\x01\x02\xff\xfe{", 6}, "not JSON"}},
      {"duplicate key", {g().add("position", "99").text(),
                         "\"position\" occurs twice"}},
      {"huge line", {g().set("data", "{\"a\":\"" + std::string(20 << 20, 'x')
                                        + "\\q\"}")
                       .text(),
                     "not JSON"}},
    };
  std::vector<import_case> out;
  for (auto& [name, x] : one)
    out.push_back({name, {x.first}, {"line 1: ", x.second}});
  return out;
}

/// Cases about the order of lines and what the store holds already.
std::vector<import_case> sequence_cases() {
  std::vector<import_case> out;
  auto file = [](std::vector<line> ls) {
    std::vector<std::string> out;
    for (auto& l : ls)
      out.push_back(l.text());
    return out;
  };
  out.push_back({"gap after the stored positions", file({good(8)}),
                 {"lines 1-1 ", "import starts at position 8 but the store's "
                            "last position is 6"}});
  out.push_back({"position already stored", file({good(6, "account-9", 1)}),
                 {"lines 1-1 ", "last position is 6"}});
  out.push_back({"positions repeated", file({good(7), good(7, "account-9", 2)}),
                 {"line 2: ", "position 7"}});
  out.push_back({"positions backwards", file({good(7), good(8), good(7)}),
                 {"line 3: ", "position 7"}});
  out.push_back({"positions with a gap", file({good(7), good(9)}),
                 {"line 2: ", "position 9"}});
  out.push_back({"version gap in the file",
                 file({good(7), good(8, "account-9", 3)}),
                 {"line 2: ", "version 3"}});
  out.push_back({"version repeated in the file",
                 file({good(7), good(8, "account-9", 1)}),
                 {"line 2: ", "version 1"}});
  out.push_back({"version gap after the stored ones",
                 file({good(7, "account-1", 5)}),
                 {"lines 1-1 ", "stream account-1 is at version 3"}});
  out.push_back({"version already stored", file({good(7, "account-1", 3)}),
                 {"lines 1-1 ", "stream account-1 is at version 3"}});
  out.push_back({"event id repeated in the file",
                 file({good(7), good(8).set("event_id", quoted(uuid_of(7)))}),
                 {"line 2: ", uuid_of(7)}});
  return out;
}

/// A bad line amid good ones: nothing of the file is stored.
std::vector<import_case> amid_cases() {
  std::vector<import_case> out;
  for (auto [at, bad] :
       std::vector<std::pair<int, std::string>>{
         {50, R"({"position":)"},
         {100, good(106).set("type", "\"\"").text()},
         {2, "\x01"}}) {
    std::vector<std::string> lines;
    for (int i = 1; i <= 100; ++i)
      lines.push_back(i == at ? bad : good(6 + i).text());
    if (at == 100)
      lines.emplace_back(); // a blank line at the end is fine
    out.push_back({"bad line " + std::to_string(at) + " of 100", lines,
                   {"line " + std::to_string(at) + ": "}});
  }
  return out;
}

void write_file(const std::string& path, const std::vector<std::string>& lines) {
  std::ofstream out{path, std::ios::binary | std::ios::trunc};
  for (const auto& l : lines)
    out << l << '\n';
}

} // namespace

BOOST_AUTO_TEST_SUITE(hostile_import)

BOOST_AUTO_TEST_CASE(bad_ndjson_is_refused_with_its_line_and_stores_nothing) {
  store_fixture f;
  auto cases = line_cases();
  for (auto& c : sequence_cases())
    cases.push_back(std::move(c));
  for (auto& c : amid_cases())
    cases.push_back(std::move(c));
  BOOST_TEST_MESSAGE(cases.size() << " hostile NDJSON files");
  BOOST_CHECK_GE(cases.size(), 30u);
  auto path = (f.dir.path / "in.ndjson").string();
  auto before = fingerprint(f.db);
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.name) {
      write_file(path, c.lines);
      check_clear_error(f.mink({"-q", "import", "-i", path}), 1, c.says);
      BOOST_CHECK(fingerprint(f.db) == before);
    }
  }
  // Through stdin too.
  write_file(path, {good(7).text(), "{"});
  check_clear_error(f.mink({"-q", "import"}, path), 1, {"line 2: "});
  BOOST_CHECK(fingerprint(f.db) == before);
  // The same good lines go in.
  write_file(path, {good(7).text(), good(8).text()});
  auto r = f.mink({"-q", "import", "-i", path});
  BOOST_CHECK_EQUAL(r.exit_code, 0);
  BOOST_CHECK(contains(r.out, "imported 2 events"));
}

BOOST_AUTO_TEST_CASE(batches_before_a_bad_line_stay_and_the_rest_follows) {
  // docs/cli.md: batches before a failure stay imported; --skip-existing
  // goes on from there.
  store_fixture f;
  auto path = (f.dir.path / "in.ndjson").string();
  std::vector<std::string> lines;
  for (int i = 1; i <= 30; ++i)
    lines.push_back(good(6 + i).text());
  auto bad = lines;
  bad[24] = "{\"position\":31,\"stream_id\":";
  write_file(path, bad);
  check_clear_error(f.mink({"-q", "import", "--batch", "10", "-i", path}), 1,
                    {"line 25: "});
  // Lines 1 to 20 (positions 7 to 26) are stored, nothing after them.
  BOOST_CHECK_EQUAL(sqlite_query(f.db, "SELECT MAX(position), COUNT(*) FROM "
                                       "mink_events"),
                    "26|26\n");
  write_file(path, lines);
  auto r = f.mink({"-q", "import", "--skip-existing", "-i", path});
  BOOST_CHECK_EQUAL(r.exit_code, 0);
  BOOST_CHECK_MESSAGE(contains(r.out, "imported 10 events, skipped 20"), r.out);
  BOOST_CHECK_EQUAL(sqlite_query(f.db, "SELECT MAX(position), COUNT(*) FROM "
                                       "mink_events"),
                    "36|36\n");
}

BOOST_AUTO_TEST_CASE(hostile_but_valid_text_is_stored_unchanged) {
  // Quotes and SQL in ids, types and data are data: stored and read back
  // byte for byte, and the tables are still there.
  store_fixture f;
  const std::string sql = "'; DROP TABLE mink_events; --";
  auto path = (f.dir.path / "in.ndjson").string();
  auto l = good(7, "x" + sql, 1)
             .set("type", R"("T'\"; DELETE FROM mink_events; --")")
             .set("data", R"({"s":"'); DROP TABLE mink_events; --"})");
  write_file(path, {l.text()});
  auto r = f.mink({"-q", "import", "-i", path});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  BOOST_CHECK_EQUAL(sqlite_query(f.db, "SELECT stream_id, type, data FROM "
                                       "mink_events WHERE position = 7"),
                    "x" + sql + "|T'\"; DELETE FROM mink_events; --|"
                    + R"({"s":"'); DROP TABLE mink_events; --"})" + "\n");
  auto shown = f.mink({"streams", "show", "x" + sql, "--json"});
  BOOST_CHECK_EQUAL(shown.exit_code, 0);
  BOOST_CHECK(contains(shown.out, R"("type":"T'\"; DELETE FROM mink_events; --")"));
  BOOST_CHECK(contains(shown.out, R"("data":{"s":"'); DROP TABLE mink_events; --"})"));
}

BOOST_AUTO_TEST_SUITE_END()
