// Hostile command lines for the mink CLI, table-driven: each ends by itself
// with the documented exit code (2 bad usage, 1 failure; 0 where hostile
// text is only data to look for) and a message naming the problem, and
// nothing stored changes.

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "cli_hostile_support.hpp"

using namespace mink::hostile_test;

namespace {

struct cli_case {
  std::string name;
  std::vector<std::string> args; // after `--sqlite <db>` unless `raw`
  int exit_code;
  std::vector<std::string> says; // parts of the message on stderr
  bool raw = false;              // args as given, without `--sqlite <db>`
};

const std::string sql = "'; DROP TABLE mink_events; --";
const std::string long_id(10240, 'a');

std::vector<cli_case> usage_cases() {
  return {
    {"unknown command", {"frobnicate"}, 2, {"unknown command 'frobnicate'"}},
    {"unknown command with SQL", {sql}, 2, {"unknown command '" + sql + "'"}},
    {"unknown streams subcommand", {"streams", "frobnicate"}, 2,
     {"unknown command 'streams frobnicate' (commands of streams: list, "
      "show)"}},
    {"unknown projections subcommand", {"projections", "frobnicate"}, 2,
     {"unknown command 'projections frobnicate'"}},
    {"unknown migrate subcommand", {"migrate", "down"}, 2,
     {"unknown command 'migrate down'"}},
    {"no subcommand of streams", {"streams"}, 2, {"subcommand"}},
    {"unknown global option", {"--frobnicate", "events"}, 2,
     {"--frobnicate"}},
    {"unknown option of events", {"events", "--frobnicate"}, 2,
     {"--frobnicate"}},
    {"extra positional argument", {"events", "surplus"}, 2, {"surplus"}},
    {"--limit without value", {"events", "--limit"}, 2, {"--limit"}},
    {"--limit negative", {"events", "--limit", "-5"}, 2, {"--limit", "-5"}},
    {"--limit zero", {"events", "--limit", "0"}, 2, {"--limit", "0"}},
    {"--limit not a number", {"events", "--limit", "abc"}, 2,
     {"--limit", "abc"}},
    {"--limit huge", {"events", "--limit", "99999999999999999999999"}, 2,
     {"--limit", "99999999999999999999999"}},
    {"--limit fraction", {"events", "--limit", "1.5"}, 2, {"--limit", "1.5"}},
    {"--from negative", {"events", "--from", "-1"}, 2, {"--from", "-1"}},
    {"--from zero", {"events", "--from", "0"}, 2, {"--from"}},
    {"--from not a number", {"events", "--from", "1e3"}, 2, {"--from"}},
    {"--from beyond int64", {"events", "--from", "9223372036854775808"}, 2,
     {"--from", "9223372036854775808"}},
    {"export --from beyond int64", {"export", "--from", "1" + std::string(30, '0')},
     2, {"--from"}},
    {"--from without value", {"events", "--from"}, 2, {"--from"}},
    {"--poll-ms too small", {"events", "--follow", "--poll-ms", "1"}, 2,
     {"--poll-ms"}},
    {"--all with --limit", {"events", "--all", "--limit", "5"}, 2,
     {"--all", "--limit"}},
    {"streams show without stream", {"streams", "show"}, 2, {"stream"}},
    {"streams show --from zero", {"streams", "show", "account-1", "--from",
                                  "0"}, 2, {"--from"}},
    {"streams show --limit negative", {"streams", "show", "account-1", "-n",
                                       "-1"}, 2, {"--limit"}},
    {"streams list --limit huge", {"streams", "list", "-n",
                                   "18446744073709551616"}, 2, {"--limit"}},
    {"snapshots list --limit zero", {"snapshots", "list", "-n", "0"}, 2,
     {"--limit"}},
    {"reset --to negative", {"projections", "reset", "p", "--to", "-1"}, 2,
     {"--to"}},
    {"reset without --to", {"projections", "reset", "p"}, 2, {"--to"}},
    {"dead-letter position not a number",
     {"projections", "dead-letters", "replay", "p", "abc"}, 2,
     {"position", "abc"}},
    {"dead-letter position negative",
     {"projections", "dead-letters", "remove", "p", "-1"}, 2,
     {"position", "-1"}},
    {"dead-letter position beyond int64",
     {"projections", "dead-letters", "replay", "p", "9223372036854775808"}, 2,
     {"position", "9223372036854775808"}},
    {"reset --to beyond int64",
     {"projections", "reset", "p", "--to", "99999999999999999999"}, 2,
     {"--to", "99999999999999999999"}},
    {"unknown dead-letters subcommand",
     {"projections", "dead-letters", "purge"}, 2,
     {"unknown command 'projections dead-letters purge'"}},
    {"rebuild --timeout negative",
     {"projections", "rebuild", "p", "--wait", "--timeout", "-1"}, 2,
     {"--timeout"}},
    {"rebuild --timeout NaN",
     {"projections", "rebuild", "p", "--wait", "--timeout", "nan"}, 2,
     {"--timeout"}},
    {"diagnose --max-lag negative", {"diagnose", "--max-lag", "-1"}, 2,
     {"--max-lag: Value -1 is not an integer from 0 to"}},
    {"diagnose --stale-after NaN", {"diagnose", "--stale-after", "nan"}, 2,
     {"--stale-after"}},
    {"export --batch zero", {"export", "--batch", "0"}, 2, {"--batch"}},
    {"import --batch negative", {"import", "--batch", "-1"}, 2, {"--batch"}},
    {"--sqlite with --pg", {"--pg", "host=x", "events"}, 2,
     {"--sqlite", "--pg"}},
    // The store's own checks, exit 1 or 2 as docs/cli.md says.
    {"empty stream id", {"streams", "show", ""}, 1, {"stream id is empty"}},
    {"10 KB stream id", {"streams", "show", long_id}, 1,
     {"stream id is 10240 bytes long"}},
    {"stream id with a newline", {"streams", "show", "a\nb"}, 1,
     {"control character"}},
    {"stream id with invalid UTF-8", {"streams", "show", "a\xff"}, 1,
     {"not valid UTF-8"}},
    {"stream id with SQL", {"streams", "show", sql}, 1, {"does not exist"}},
    {"stream id with quotes", {"streams", "show", "a'\"b"}, 1,
     {"does not exist"}},
    {"10 KB category", {"streams", "list", "--category", long_id}, 1,
     {"category"}},
    {"snapshots category with SQL", {"snapshots", "list", "-c", "x'--"}, 1,
     {"category x'-- contains '-'"}},
    {"--after 10 KB", {"streams", "list", "--after", long_id}, 1,
     {"10240"}},
    {"reset beyond the head", {"projections", "reset", "p", "--to", "99"}, 2,
     {"the last position is 6"}},
    {"unknown projection with SQL", {"projections", "pause", sql}, 1,
     {"unknown projection"}},
    {"empty projection name", {"projections", "pause", ""}, 1, {"name"}},
    {"10 KB projection name", {"projections", "resume", long_id}, 1,
     {"name"}},
    {"dead letter of an unknown projection",
     {"projections", "dead-letters", "replay", sql, "1"}, 1,
     {"unknown projection"}},
    {"export to a missing directory",
     {"export", "-o", "/nonexistent-mink/dir/out.ndjson"}, 1,
     {"cannot write /nonexistent-mink/dir/out.ndjson"}},
    {"import of a missing file", {"import", "-i", "/nonexistent-mink/in"}, 1,
     {"cannot read /nonexistent-mink/in"}},
  };
}

/// Hostile text that is only data to look for: found nowhere, exit 0.
std::vector<cli_case> harmless_cases() {
  return {
    {"category with SQL", {"events", "--category", "x' OR '1'='1"}, 0, {}},
    {"type with SQL", {"events", "--type", sql}, 0, {}},
    {"--after with SQL", {"streams", "list", "--after", "zz" + sql}, 0, {}},
    {"category with a dash", {"events", "--category", "a-b"}, 0, {}},
  };
}

/// Bad stores: none may be created or changed.
std::vector<cli_case> store_cases(const std::string& dir) {
  return {
    {"unknown store scheme", {"--store", "mysql://x/y", "events"}, 2,
     {"unknown store"}, true},
    {"store with SQL", {"--store", sql, "events"}, 2, {"unknown store"}, true},
    {"empty --sqlite", {"--sqlite", "", "events"}, 2, {"--sqlite is empty"},
     true},
    {"empty --pg", {"--pg", "", "events"}, 2, {"--pg is empty"}, true},
    {"empty --store", {"--store", "", "events"}, 2, {"--store is empty"},
     true},
    {"sqlite: without path", {"--store", "sqlite:", "events"}, 2,
     {"needs a path"}, true},
    {"pg: without conninfo", {"--store", "pg:", "events"}, 2, {"empty"}, true},
    {"--store with --sqlite", {"--store", "sqlite:a", "--sqlite", "b",
                               "events"}, 2, {"--store", "--sqlite"}, true},
    {"missing SQLite file", {"--sqlite", dir + "/missing.db", "events"}, 1,
     {"no database at " + dir + "/missing.db"}, true},
    {"SQLite path is a directory", {"--sqlite", dir, "streams", "list"}, 1,
     {"no database at " + dir}, true},
    {"SQLite file that is text", {"--sqlite", dir + "/text.db", "events"}, 1,
     {"cannot open the event store"}, true},
    {"migrate up under a file",
     {"--sqlite", dir + "/text.db/sub/x.db", "migrate", "up"}, 1,
     {"text.db"}, true},
    {"unreachable PostgreSQL",
     {"--pg", "host=127.0.0.1 port=1 connect_timeout=5", "events"}, 1,
     {"cannot open the event store", "port=1"}, true},
    {"PostgreSQL URL with a password",
     {"--store", "postgresql://u:sekret@127.0.0.1:1/db?connect_timeout=5",
      "events"}, 1, {"cannot open the event store", "u:***@"}, true},
    {"malformed PostgreSQL conninfo", {"--pg", "host='unclosed", "events"}, 1,
     {"cannot open the event store"}, true},
  };
}

std::string listing(const std::filesystem::path& dir) {
  std::string out;
  for (auto& e : std::filesystem::recursive_directory_iterator(dir))
    out += e.path().string() + "\n";
  return out;
}

void run_table(store_fixture& f, const std::vector<cli_case>& cases) {
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.name) {
      auto before = fingerprint(f.db);
      auto files = listing(f.dir.path);
      auto r = c.raw ? run(c.args) : f.mink(c.args);
      check_clear_error(r, c.exit_code, c.says);
      BOOST_CHECK_MESSAGE(!contains(r.err, "sekret"), "a password leaked");
      BOOST_CHECK(fingerprint(f.db) == before);
      BOOST_CHECK_EQUAL(listing(f.dir.path), files);
    }
  }
}

} // namespace

BOOST_AUTO_TEST_SUITE(hostile_cli)

BOOST_AUTO_TEST_CASE(bad_command_lines_get_a_clear_error_and_change_nothing) {
  store_fixture f;
  // A projection record, so that `reset p` reaches the head check.
  BOOST_REQUIRE_EQUAL(f.mink({"projections", "list"}).exit_code, 0);
  sqlite_exec(f.db, "INSERT INTO mink_projections (name) VALUES ('p')");
  {
    std::ofstream text{f.dir.path / "text.db"};
    text << "this is not a database, and must stay as it is\n";
  }
  auto cases = usage_cases();
  for (auto& c : harmless_cases())
    cases.push_back(c);
  for (auto& c : store_cases(f.dir.path.string()))
    cases.push_back(c);
  BOOST_TEST_MESSAGE(cases.size() << " hostile command lines");
  BOOST_CHECK_GE(cases.size(), 30u);
  run_table(f, cases);
  std::ifstream text{f.dir.path / "text.db"};
  std::string line;
  std::getline(text, line);
  BOOST_CHECK_EQUAL(line, "this is not a database, and must stay as it is");
  // The store still answers.
  auto r = f.mink({"events", "--all"});
  BOOST_CHECK_EQUAL(r.exit_code, 0);
  BOOST_CHECK(contains(r.out, "account-2@3"));
}

BOOST_AUTO_TEST_SUITE_END()
