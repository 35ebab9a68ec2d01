// The CLI end to end on SQLite: help, argument errors, migrate, streams,
// events (and --follow), snapshots, diagnose, the store from the environment.

#include "cli_fixture.hpp"

#include <signal.h>
#include <sqlite3.h>

#include "mink/adapters/sqlite/sqlite_checkpoint_store.hpp"
#include "mink/adapters/sqlite/sqlite_snapshot_store.hpp"
#include "mink/version.hpp"

using namespace mink;
using namespace mink::cli_test;

BOOST_FIXTURE_TEST_SUITE(cli_store, sqlite_fixture)

BOOST_AUTO_TEST_CASE(every_command_has_help) {
  std::vector<std::vector<std::string>> commands{
    {},
    {"migrate"},
    {"migrate", "up"},
    {"migrate", "status"},
    {"streams"},
    {"streams", "list"},
    {"streams", "show"},
    {"events"},
    {"projections"},
    {"projections", "list"},
    {"projections", "pause"},
    {"projections", "resume"},
    {"projections", "reset"},
    {"projections", "rebuild"},
    {"projections", "dead-letters"},
    {"projections", "dead-letters", "list"},
    {"projections", "dead-letters", "replay"},
    {"projections", "dead-letters", "remove"},
    {"snapshots"},
    {"snapshots", "list"},
    {"snapshots", "purge"},
    {"export"},
    {"import"},
    {"diagnose"},
    {"cluster"},
    {"cluster", "status"}};
  for (auto args : commands) {
    auto name = args.empty() ? std::string{"mink"} : args.back();
    args.push_back("--help");
    auto res = run(args);
    BOOST_TEST_CONTEXT(name) {
      CLI_CHECK_EXIT(res, 0);
      BOOST_TEST(contains(res.out, "Usage:"));
      if (!args.empty() && args.size() > 1)
        BOOST_TEST(contains(res.out, name));
    }
  }
}

BOOST_AUTO_TEST_CASE(bad_arguments_exit_2_with_a_message) {
  std::vector<std::vector<std::string>> bad{
    {},
    {"nonsense"},
    {"streams"},
    {"streams", "list", "--limit", "-1"},
    {"streams", "list", "--limit", "many"},
    {"streams", "show"},
    {"events", "--from", "0"},
    {"events", "--limit", "5", "--all"},
    {"projections", "reset", "x"},
    {"projections", "reset", "x", "--to", "-3"},
    {"--store", "oracle:x", "streams", "list"},
    {"--store", "sqlite:", "streams", "list"},
    {"--sqlite", "a.db", "--pg", "host=x", "streams", "list"},
    {"export", "--batch", "0"},
    {"--unknown-option", "diagnose"},
    {"events", "--limit", "-5"},
    {"events", "--limit", "0"},
    {"streams", "show", "s-1", "--limit", "-5"}};
  for (const auto& args : bad) {
    std::string joined;
    for (const auto& a : args)
      joined += a + ' ';
    BOOST_TEST_CONTEXT(joined) {
      auto res = run(args);
      CLI_CHECK_EXIT(res, 2);
      BOOST_TEST(contains(res.err, "mink: "));
    }
  }
}

BOOST_AUTO_TEST_CASE(an_unknown_command_is_named) {
  auto res = run({"frobnicate"});
  CLI_CHECK_EXIT(res, 2);
  BOOST_TEST(contains(res.err, "unknown command 'frobnicate'"));
  BOOST_TEST(contains(res.err, "events"));
}

BOOST_AUTO_TEST_CASE(version_is_the_projects) {
  auto res = run({"--version"});
  CLI_CHECK_EXIT(res, 0);
  BOOST_TEST(contains(res.out, std::string{"mink "} + mink::version_string),
             res.out);
  BOOST_TEST(contains(res.out, std::to_string(MINK_VERSION_MAJOR) + "."
                                 + std::to_string(MINK_VERSION_MINOR) + "."
                                 + std::to_string(MINK_VERSION_PATCH)));
}

BOOST_AUTO_TEST_CASE(an_outdated_database_is_refused_until_migrated) {
  // A database one migration behind: opening it must not migrate it.
  CLI_CHECK_EXIT(mink({"migrate", "up"}), 0);
  sqlite3* conn = nullptr;
  BOOST_REQUIRE_EQUAL(sqlite3_open(db.c_str(), &conn), SQLITE_OK);
  BOOST_REQUIRE_EQUAL(
    sqlite3_exec(conn,
                 "DELETE FROM mink_schema_migrations WHERE version = (SELECT "
                 "max(version) FROM mink_schema_migrations)",
                 nullptr, nullptr, nullptr),
    SQLITE_OK);
  sqlite3_close(conn);
  auto res = mink({"streams", "list"});
  CLI_CHECK_EXIT(res, 1);
  BOOST_TEST(contains(res.err, "mink migrate up"), res.err);
}

BOOST_AUTO_TEST_CASE(a_missing_database_is_an_error_not_a_new_file) {
  for (auto cmd : {"streams list", "events", "projections list",
                   "snapshots list", "export"}) {
    std::vector<std::string> args;
    std::string word;
    std::istringstream in{cmd};
    while (in >> word)
      args.push_back(word);
    auto res = mink(args);
    BOOST_TEST_CONTEXT(cmd) {
      CLI_CHECK_EXIT(res, 1);
      BOOST_TEST(contains(res.err, "no database at " + db));
    }
  }
  BOOST_TEST(!std::filesystem::exists(db));
  auto diag = mink({"diagnose"});
  CLI_CHECK_EXIT(diag, 3);
  BOOST_TEST(contains(diag.out, "FAIL"));
}

BOOST_AUTO_TEST_CASE(migrate_status_and_up) {
  auto before = mink({"migrate", "status"});
  CLI_CHECK_EXIT(before, 0);
  BOOST_TEST(contains(before.out, "schema version: 0"));
  BOOST_TEST(!contains(before.out, "pending migrations: 0"));
  BOOST_TEST(!std::filesystem::exists(db));
  auto up = mink({"migrate", "up"});
  CLI_CHECK_EXIT(up, 0);
  BOOST_TEST(contains(up.out, "applied 5 migration(s)"));
  BOOST_TEST(contains(up.out, "pending migrations: 0"));
  auto again = mink({"migrate", "up"});
  CLI_CHECK_EXIT(again, 0);
  BOOST_TEST(contains(again.out, "applied 0 migration(s)"));
  auto after = mink({"migrate", "status"});
  CLI_CHECK_EXIT(after, 0);
  BOOST_TEST(contains(after.out, "schema version: 5"));
  BOOST_TEST(contains(after.out, "create mink_events"));
  auto diag = mink({"diagnose"});
  CLI_CHECK_EXIT(diag, 0);
  BOOST_TEST(contains(diag.out, "healthy"));
  BOOST_TEST(contains(diag.out, "last position 0"));
  BOOST_TEST(contains(diag.out, "ok    storage: 0 events, "), diag.out);
  BOOST_TEST(contains(diag.out, "(file "), diag.out);
  BOOST_TEST(contains(diag.out, ", wal "), diag.out);
}

BOOST_AUTO_TEST_CASE(streams_list_and_show) {
  auto store = open_store();
  append(*store, "account-2", 2);
  append(*store, "account-10", 3);
  append(*store, "transfer-1", 1, "started");
  auto all = mink({"streams", "list"});
  CLI_CHECK_EXIT(all, 0);
  BOOST_TEST(all.out
             == "STREAM\tVERSION\tLAST_POSITION\naccount-10\t3\t5\n"
                "account-2\t2\t2\ntransfer-1\t1\t6\n");
  auto cat = mink({"streams", "list", "--category", "transfer"});
  CLI_CHECK_EXIT(cat, 0);
  BOOST_TEST(cat.out == "STREAM\tVERSION\tLAST_POSITION\ntransfer-1\t1\t6\n");
  auto paged = mink({"streams", "list", "--after", "account-10", "-n", "1"});
  CLI_CHECK_EXIT(paged, 0);
  BOOST_TEST(paged.out == "STREAM\tVERSION\tLAST_POSITION\naccount-2\t2\t2\n");
  BOOST_TEST(contains(paged.err, "--after 'account-2'"));
  auto show = mink({"streams", "show", "account-10"});
  CLI_CHECK_EXIT(show, 0);
  BOOST_TEST(contains(show.out, "3  account-10@1  deposited  "));
  BOOST_TEST(contains(show.out, R"({"amount": 3})"));
  auto back = mink({"streams", "show", "account-10", "--backward", "-n", "1",
                    "--json"});
  CLI_CHECK_EXIT(back, 0);
  BOOST_TEST(contains(back.out, R"("position":5,"stream_id":"account-10","version":3)"));
  BOOST_TEST(contains(back.out, R"("correlation_id":"corr-account-10")"));
  auto missing = mink({"streams", "show", "account-99"});
  CLI_CHECK_EXIT(missing, 1);
  BOOST_TEST(contains(missing.err, "account-99 does not exist"));
  auto bad = mink({"streams", "list", "--category", "a-b"});
  CLI_CHECK_EXIT(bad, 1);
  BOOST_TEST(contains(bad.err, "invalid_argument"));
}

BOOST_AUTO_TEST_CASE(events_from_a_position_with_a_limit_and_filters) {
  auto store = open_store();
  append(*store, "account-1", 3);
  append(*store, "transfer-1", 2, "started");
  auto some = mink({"events", "--from", "2", "--limit", "2"});
  CLI_CHECK_EXIT(some, 0);
  BOOST_TEST(contains(some.out, "2  account-1@2"));
  BOOST_TEST(contains(some.out, "3  account-1@3"));
  BOOST_TEST(!contains(some.out, "4  transfer-1@1"));
  auto typed = mink({"events", "--type", "started", "--json"});
  CLI_CHECK_EXIT(typed, 0);
  BOOST_TEST(std::count(typed.out.begin(), typed.out.end(), '\n') == 2);
  BOOST_TEST(contains(typed.out, R"("position":5,)"));
  auto none = mink({"events", "--from", "100"});
  CLI_CHECK_EXIT(none, 0);
  BOOST_TEST(none.out.empty());
}

BOOST_AUTO_TEST_CASE(events_follow_prints_new_events_until_interrupted) {
  auto store = open_store();
  append(*store, "account-1", 2);
  background follow{{"--sqlite", db, "events", "--follow", "--poll-ms", "20",
                     "--category", "account"}};
  BOOST_REQUIRE(eventually([&] { return contains(follow.out(), "account-1@2"); }));
  append(*store, "other-1", 1);
  append(*store, "account-2", 1);
  BOOST_REQUIRE(eventually([&] { return contains(follow.out(), "account-2@1"); }));
  BOOST_TEST(!contains(follow.out(), "other-1"));
  BOOST_TEST(follow.stop(SIGINT) == 0);
}

BOOST_AUTO_TEST_CASE(snapshots_list_and_purge) {
  open_store();
  auto snaps = sqlite_snapshot_store::open(config());
  BOOST_REQUIRE(static_cast<bool>(snaps));
  for (auto id : {"account-1", "account-2", "transfer-1"}) {
    snapshot s;
    s.stream_id = id;
    s.version = 3;
    s.state_type = "state";
    s.data = R"({"x":1})";
    BOOST_REQUIRE(!(*snaps)->save(s));
  }
  auto list = mink({"snapshots", "list"});
  CLI_CHECK_EXIT(list, 0);
  BOOST_TEST(contains(list.out, "account-1\t3\tstate\t1\t7\t"));
  BOOST_TEST(contains(list.out, "transfer-1\t3"));
  auto purge = mink({"snapshots", "purge", "--category", "account"});
  CLI_CHECK_EXIT(purge, 0);
  BOOST_TEST(contains(purge.out, "purged 2 snapshot(s)"));
  auto after = mink({"snapshots", "list"});
  BOOST_TEST(!contains(after.out, "account-1"));
  BOOST_TEST(contains(after.out, "transfer-1"));
}

BOOST_AUTO_TEST_CASE(the_store_comes_from_the_environment) {
  auto store = open_store();
  append(*store, "account-1", 1);
  auto res = run({"streams", "list"}, {{"MINK_STORE", "sqlite:" + db}});
  CLI_CHECK_EXIT(res, 0);
  BOOST_TEST(contains(res.out, "account-1\t1\t1"));
  // The command line wins over the environment.
  auto other = run({"--sqlite", (dir.path / "none.db").string(), "streams",
                    "list"},
                   {{"MINK_STORE", "sqlite:" + db}});
  CLI_CHECK_EXIT(other, 1);
}

BOOST_AUTO_TEST_CASE(diagnose_reports_faulted_and_lagging_projections) {
  auto store = open_store();
  append(*store, "account-1", 5);
  auto ck = sqlite_checkpoint_store::open(config());
  BOOST_REQUIRE(static_cast<bool>(ck));
  BOOST_REQUIRE(static_cast<bool>((*ck)->ensure("balances")));
  BOOST_REQUIRE(!(*ck)->save("balances", 0, 4));
  projection_report rep;
  rep.state = projection_state::running;
  BOOST_REQUIRE(!(*ck)->report("balances", rep));
  auto ok = mink({"diagnose"});
  CLI_CHECK_EXIT(ok, 0);
  BOOST_TEST(contains(ok.out, "projection balances: running, position 4, lag 1"));
  auto lag = mink({"diagnose", "--max-lag", "0"});
  CLI_CHECK_EXIT(lag, 0); // 0 means no limit
  auto within = run({"--sqlite", db, "diagnose", "--max-lag", "1"});
  CLI_CHECK_EXIT(within, 0);
  append(*store, "account-1", 2);
  auto lagging = run({"--sqlite", db, "diagnose", "--max-lag", "2"});
  CLI_CHECK_EXIT(lagging, 3);
  BOOST_TEST(contains(lagging.out, "lag 3 (over --max-lag 2)"));
  rep.state = projection_state::faulted;
  rep.last_error = "poison event at 5";
  BOOST_REQUIRE(!(*ck)->report("balances", rep));
  auto bad = mink({"diagnose"});
  CLI_CHECK_EXIT(bad, 3);
  BOOST_TEST(contains(bad.out, "FAIL  projection balances: faulted"));
  BOOST_TEST(contains(bad.out, "poison event at 5"));
  BOOST_TEST(contains(bad.out, "unhealthy: 1 problem(s)"));
}

BOOST_AUTO_TEST_SUITE_END()
