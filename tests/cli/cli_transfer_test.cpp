// export and import end to end: SQLite to SQLite, SQLite to PostgreSQL
// (every field compared), malformed input, resuming, progress output, and
// the CLI on PostgreSQL (reachable or not).

#include "cli_fixture.hpp"

#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "mink/adapters/postgres/pg_lease_store.hpp"
#include "mink/adapters/postgres/postgres_event_store.hpp"
#include "mink/uuid.hpp"
#include "../support/pg_test_env.hpp"
#include "../support/recorded_event_checks.hpp"

using namespace mink;
using namespace mink::cli_test;
using namespace mink::test_support;

namespace {

std::vector<recorded_event> everything(event_store& store) {
  std::vector<recorded_event> result;
  for (int64_t next = 1;;) {
    auto page = store.read_all(next, 500);
    BOOST_REQUIRE(static_cast<bool>(page));
    if (page->empty())
      return result;
    next = page->back().global_position + 1;
    result.insert(result.end(), page->begin(), page->end());
  }
}

/// Fills a store with events that are hard to carry: spacing and key order,
/// duplicate keys, line breaks, unicode, escapes, full metadata.
void fill_tricky(event_store& store, int streams) {
  std::vector<std::string> datas{
    R"({"b": 1,   "a": [1, 2.50, "x"]})", R"({"k":1,"k":2})",
    "{\n  \"pretty\": true\n}", R"({"s":"tab\t quote\" é 日本 😀 \u0000"})",
    R"([])", R"("just a string")", R"(42)", R"({"deep":{"a":{"b":[null]}}})"};
  for (int s = 0; s < streams; ++s)
    for (int round = 0; round < 3; ++round) {
      std::vector<event_data> events;
      for (size_t i = 0; i < datas.size(); ++i) {
        event_data ev;
        ev.type = i % 2 == 0 ? "deposited" : "überwiesen";
        ev.schema_version = static_cast<int32_t>(i % 3 + 1);
        ev.data = datas[i];
        ev.meta.correlation_id = make_uuid();
        ev.meta.causation_id = "cause-" + std::to_string(i);
        ev.meta.user_id = "user\n\"x\"";
        ev.meta.tenant_id = "t1";
        ev.meta.custom["k"] = "v " + std::to_string(round);
        events.push_back(std::move(ev));
      }
      auto res = store.append("acct-" + std::to_string(s),
                              expected_version::any(), std::move(events));
      BOOST_REQUIRE(static_cast<bool>(res));
    }
}

/// A PostgreSQL schema of this test case, dropped afterwards.
struct pg_schema {
  std::string name = "cli_" + std::to_string(getpid()) + "_"
                     + std::to_string(counter()++);

  static int& counter() {
    static int n = 0;
    return n;
  }

  ~pg_schema() { pg_test_drop_schema(name); }

  postgres_config config() const {
    return pg_test_config(name);
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(cli_transfer, sqlite_fixture)

BOOST_AUTO_TEST_CASE(export_then_import_into_sqlite_keeps_everything) {
  auto store = open_store();
  fill_tricky(*store, 5);
  auto file = (dir.path / "events.ndjson").string();
  auto exported = mink({"export", "--output", file, "--batch", "7"});
  CLI_CHECK_EXIT(exported, 0);
  BOOST_TEST(contains(exported.err, "export: done, 120 events"));
  std::ifstream in{file};
  std::string line;
  size_t lines = 0;
  while (std::getline(in, line))
    ++lines;
  BOOST_TEST(lines == 120u);
  auto target = (dir.path / "copy" / "target.db").string();
  auto imported = run({"--sqlite", target, "import", "--input", file,
                       "--batch", "13"});
  CLI_CHECK_EXIT(imported, 0);
  BOOST_TEST(contains(imported.out, "imported 120 events; last position 120"));
  BOOST_TEST(contains(imported.err, "import: done"));
  sqlite_config cfg;
  cfg.path = target;
  auto copy = sqlite_event_store::open(cfg);
  BOOST_REQUIRE(static_cast<bool>(copy));
  check_same_events(everything(**copy), everything(*store));
  // Export to stdout, import from stdin: the same.
  auto piped = mink({"--quiet", "export"});
  CLI_CHECK_EXIT(piped, 0);
  BOOST_TEST(piped.err.empty());
  std::ifstream again{file};
  std::string whole{std::istreambuf_iterator<char>{again}, {}};
  BOOST_TEST(piped.out == whole);
  auto third = (dir.path / "third.db").string();
  auto from_stdin = run({"--sqlite", third, "-q", "import"}, {}, file);
  CLI_CHECK_EXIT(from_stdin, 0);
  cfg.path = third;
  auto copy3 = sqlite_event_store::open(cfg);
  BOOST_REQUIRE(static_cast<bool>(copy3));
  check_same_events(everything(**copy3), everything(*store));
}

BOOST_AUTO_TEST_CASE(malformed_input_names_the_line_and_stops) {
  auto store = open_store();
  fill_tricky(*store, 1);
  auto file = (dir.path / "events.ndjson").string();
  CLI_CHECK_EXIT(mink({"export", "-o", file}), 0);
  std::ifstream in{file};
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);)
    lines.push_back(l);
  auto write = [&](const std::vector<std::string>& xs) {
    auto path = (dir.path / "bad.ndjson").string();
    std::ofstream out{path, std::ios::trunc};
    for (auto& x : xs)
      out << x << '\n';
    return path;
  };
  auto target = (dir.path / "t.db").string();
  std::vector<std::pair<std::string, std::string>> cases{
    {"{not json", "line 3: not JSON"},
    {"[1,2]", "line 3: not a JSON object"},
    {R"({"position":3})", "line 3: missing \"stream_id\""},
    {R"({"position":"3","stream_id":"a-1"})", "line 3: \"position\" is not an integer"},
    {std::string{"\xff\xfe"}, "line 3: not JSON"},
    {lines[2] + " trailing", "line 3: not JSON"}};
  for (auto& [bad, message] : cases) {
    auto copy = lines;
    copy[2] = bad;
    auto res = run({"--sqlite", target, "import", "-i", write(copy),
                    "--batch", "1000"});
    BOOST_TEST_CONTEXT(bad) {
      CLI_CHECK_EXIT(res, 1);
      BOOST_TEST(contains(res.err, message));
    }
  }
  // Nothing of the failing batch was written.
  auto check_empty = run({"--sqlite", target, "events"});
  BOOST_TEST(check_empty.out.empty());
  // A gap in positions: the store refuses the batch.
  auto gap = lines;
  gap.erase(gap.begin() + 1);
  auto res = run({"--sqlite", target, "import", "-i", write(gap)});
  CLI_CHECK_EXIT(res, 1);
  BOOST_TEST(contains(res.err, "invalid_argument"));
  // Importing twice: the second run is refused, --skip-existing goes on.
  auto first = std::vector<std::string>(lines.begin(), lines.begin() + 10);
  CLI_CHECK_EXIT(run({"--sqlite", target, "import", "-i", write(first)}), 0);
  auto twice = run({"--sqlite", target, "import", "-i", file});
  CLI_CHECK_EXIT(twice, 1);
  BOOST_TEST(contains(twice.err, "wrong_expected_version"));
  auto resumed = run({"--sqlite", target, "import", "-i", file,
                      "--skip-existing"});
  CLI_CHECK_EXIT(resumed, 0);
  BOOST_TEST(contains(resumed.out, "imported 14 events, skipped 10"));
  sqlite_config cfg;
  cfg.path = target;
  auto copy = sqlite_event_store::open(cfg);
  BOOST_REQUIRE(static_cast<bool>(copy));
  check_same_events(everything(**copy), everything(*store));
  auto missing = run({"--sqlite", target, "import", "-i",
                      (dir.path / "nope").string()});
  CLI_CHECK_EXIT(missing, 1);
  BOOST_TEST(contains(missing.err, "cannot read"));
}

BOOST_AUTO_TEST_CASE(unreachable_postgres_fails_without_showing_the_password) {
  auto conninfo = std::string{"host=127.0.0.1 port=1 dbname=x user=u "
                              "password=hunter2 connect_timeout=5"};
  for (auto args : std::vector<std::vector<std::string>>{
         {"--pg", conninfo, "streams", "list"},
         {"--pg", conninfo, "migrate", "status"},
         {"--store", "postgresql://u:hunter2@127.0.0.1:1/x", "events"},
         {"--pg", conninfo, "import", "-i", "/dev/null"}}) {
    auto res = run(args);
    BOOST_TEST_CONTEXT(args.back()) {
      CLI_CHECK_EXIT(res, 1);
      BOOST_TEST(contains(res.err, "store_unavailable"));
      BOOST_TEST(!contains(res.err + res.out, "hunter2"));
    }
  }
  auto diag = run({"--pg", conninfo, "diagnose"});
  CLI_CHECK_EXIT(diag, 3);
  BOOST_TEST(contains(diag.out, "FAIL  reach postgresql (host=127.0.0.1 "
                                "port=1 dbname=x user=u password=***"));
  BOOST_TEST(!contains(diag.err + diag.out, "hunter2"));
}

BOOST_AUTO_TEST_CASE(sqlite_to_postgres_yields_the_identical_sequence,
                     *boost::unit_test::precondition(has_pg{})) {
  auto store = open_store();
  fill_tricky(*store, 20);
  pg_schema schema;
  auto file = (dir.path / "events.ndjson").string();
  CLI_CHECK_EXIT(mink({"export", "-o", file}), 0);
  std::vector<std::string> pg{"--pg", pg_test_conninfo(), "--schema", schema.name};
  auto with = [&](std::vector<std::string> args) {
    args.insert(args.begin(), pg.begin(), pg.end());
    return run(args);
  };
  auto status = with({"migrate", "status"});
  CLI_CHECK_EXIT(status, 0);
  BOOST_TEST(contains(status.out, "schema version: 0"));
  CLI_CHECK_EXIT(with({"migrate", "up"}), 0);
  auto imported = with({"import", "-i", file, "--batch", "100"});
  CLI_CHECK_EXIT(imported, 0);
  BOOST_TEST(contains(imported.out, "imported 480 events; last position 480"));
  auto target = postgres_event_store::open(schema.config());
  if (!target)
    BOOST_FAIL("cannot open the store: " << to_text(target.error()));
  check_same_events(everything(**target), everything(*store));
  // The PostgreSQL store goes on from there.
  auto next = (*target)->append("acct-0", expected_version::exact(24),
                                {event_data{{}, "after", 1, "{}", {}}});
  BOOST_REQUIRE(static_cast<bool>(next));
  BOOST_TEST(next->positions.front() == 481);
  // The other commands on PostgreSQL.
  auto streams = with({"streams", "list", "--category", "acct", "-n", "2"});
  CLI_CHECK_EXIT(streams, 0);
  BOOST_TEST(contains(streams.out, "acct-0\t25\t481\nacct-1\t24\t48\n"));
  auto events = with({"events", "--from", "481"});
  CLI_CHECK_EXIT(events, 0);
  BOOST_TEST(contains(events.out, "481  acct-0@25  after"));
  auto back = (dir.path / "back.ndjson").string();
  CLI_CHECK_EXIT(with({"export", "-o", back}), 0);
  auto reimport = (dir.path / "back.db").string();
  CLI_CHECK_EXIT(run({"--sqlite", reimport, "import", "-i", back}), 0);
  sqlite_config cfg;
  cfg.path = reimport;
  auto round_trip = sqlite_event_store::open(cfg);
  BOOST_REQUIRE(static_cast<bool>(round_trip));
  check_same_events(everything(**round_trip), everything(**target));
  auto diag = with({"diagnose"});
  CLI_CHECK_EXIT(diag, 0);
  BOOST_TEST(contains(diag.out, "last position 481"));
  // The storage line: the events, and the bytes of each part.
  BOOST_TEST(contains(diag.out, "ok    storage: 481 events, "), diag.out);
  BOOST_TEST(contains(diag.out, "(checkpoints "), diag.out);
  BOOST_TEST(contains(diag.out, ", events "), diag.out);
  CLI_CHECK_EXIT(with({"snapshots", "list"}), 0);
  auto unknown = with({"projections", "pause", "nope"});
  CLI_CHECK_EXIT(unknown, 1);
  BOOST_TEST(contains(unknown.err, "unknown projection 'nope'"));
}

BOOST_AUTO_TEST_CASE(cluster_status_shows_members_and_slice_owners,
                     *boost::unit_test::precondition(has_pg{})) {
  pg_schema schema;
  std::vector<std::string> pg{"--pg", pg_test_conninfo(), "--schema", schema.name};
  auto with = [&](std::vector<std::string> args) {
    args.insert(args.begin(), pg.begin(), pg.end());
    return run(args);
  };
  CLI_CHECK_EXIT(with({"migrate", "up"}), 0);
  auto empty = with({"cluster", "status"});
  CLI_CHECK_EXIT(empty, 0);
  BOOST_TEST(contains(empty.out, "0 slices, 0 without owner"));
  auto leases = pg::lease_store::open(schema.config());
  BOOST_REQUIRE(static_cast<bool>(leases));
  using namespace std::chrono_literals;
  BOOST_REQUIRE(static_cast<bool>((*leases)->heartbeat({"node-a", "10.0.0.1:4100", 60s}, 8)));
  auto view = (*leases)->heartbeat({"node-b", "10.0.0.2:4100", 60s}, 8);
  BOOST_REQUIRE(static_cast<bool>(view));
  auto won = (*leases)->claim("node-a", {view->slices[0], view->slices[1],
                                         view->slices[2]});
  BOOST_REQUIRE(static_cast<bool>(won));
  BOOST_REQUIRE(won->size() == 3u);
  auto status = with({"cluster", "status"});
  CLI_CHECK_EXIT(status, 0);
  BOOST_TEST(contains(status.out, "node-a\t10.0.0.1:4100\tyes\t"));
  BOOST_TEST(contains(status.out, "\t3\nnode-b\t10.0.0.2:4100\tyes\t"));
  BOOST_TEST(contains(status.out, "8 slices, 5 without owner\n"));
  auto slices = with({"cluster", "status", "--slices"});
  CLI_CHECK_EXIT(slices, 0);
  BOOST_TEST(contains(slices.out, "SLICE\tOWNER\tEPOCH\n0\tnode-a\t1\n"));
  BOOST_TEST(contains(slices.out, "\n7\t-\t0\n"));
  // Only PostgreSQL keeps leases.
  auto sqlite = mink({"cluster", "status"});
  CLI_CHECK_EXIT(sqlite, 1);
  BOOST_TEST(contains(sqlite.err, "clustering needs the PostgreSQL store"));
}

BOOST_AUTO_TEST_SUITE_END()
