// Stored data outlives releases: databases written by the previous release
// (mink 0.1.0 at commit 3f72b46, the schema as of issue 12's start; see
// tests/fixtures/release-0.1.0/README.md) open and migrate with
// `mink migrate up`, read back exactly as that release exported them, and
// take more: the bank service of this build runs its demo on them.

#include <sstream>

#include <boost/test/unit_test.hpp>
#include <libpq-fe.h>
#include <rapidjson/document.h>
#include <sqlite3.h>

#include "cli_fixture.hpp"
#include "../support/pg_test_env.hpp"

using namespace mink;
using namespace mink::cli_test;
using namespace mink::test_support;

namespace {

const std::filesystem::path release_dir
  = std::filesystem::path{MINK_FIXTURES_DIR} / "release-0.1.0";

/// The previous release's schema name in the PostgreSQL dump.
constexpr const char* dumped_schema = "mink_release_0_1_0";

/// A fixture file of the release; the case stops when it is missing (an
/// empty dump and an empty export would agree).
std::string fixture(const std::string& name) {
  auto file = release_dir / name;
  BOOST_REQUIRE_MESSAGE(std::filesystem::is_regular_file(file),
                        "missing fixture " << file);
  return read_file(file);
}

std::string replace_all(std::string text, const std::string& from,
                        const std::string& to) {
  for (auto i = text.find(from); i != std::string::npos;
       i = text.find(from, i + to.size()))
    text.replace(i, from.size(), to);
  return text;
}

/// Runs the SQLite dump into a new database file.
void load_sqlite(const std::string& db) {
  auto sql = fixture("sqlite.sql");
  sqlite3* conn = nullptr;
  BOOST_REQUIRE(sqlite3_open(db.c_str(), &conn) == SQLITE_OK);
  char* why = nullptr;
  auto rc = sqlite3_exec(conn, sql.c_str(), nullptr, nullptr, &why);
  std::string message = why ? why : "";
  sqlite3_free(why);
  sqlite3_close(conn);
  BOOST_REQUIRE_MESSAGE(rc == SQLITE_OK, "loading sqlite.sql: " << message);
}

/// Runs the PostgreSQL dump into `schema` instead of the dumped one.
void load_postgres(const std::string& schema) {
  auto sql = replace_all(fixture("postgres.sql"), dumped_schema,
                         schema);
  auto conn = PQconnectdb(require_pg_test_conninfo().c_str());
  PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);
  auto res = PQexec(conn, sql.c_str());
  auto status = PQresultStatus(res);
  std::string message = PQerrorMessage(conn);
  PQclear(res);
  PQfinish(conn);
  BOOST_REQUIRE_MESSAGE(status == PGRES_COMMAND_OK
                          || status == PGRES_TUPLES_OK,
                        "loading postgres.sql: " << message);
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> xs;
  std::istringstream in{text};
  for (std::string line; std::getline(in, line);)
    xs.push_back(line);
  return xs;
}

/// Checks an export after more was appended: the release's events first,
/// unchanged, then more, every position from 1 on without a gap.
void check_grown(const std::string& exported, const std::string& before) {
  auto now = lines_of(exported);
  auto old = lines_of(before);
  BOOST_REQUIRE_GT(now.size(), old.size());
  BOOST_TEST(std::equal(old.begin(), old.end(), now.begin()),
             "the release's events changed");
  for (size_t i = 0; i < now.size(); ++i) {
    rapidjson::Document doc;
    doc.Parse(now[i].c_str());
    BOOST_REQUIRE(!doc.HasParseError() && doc.HasMember("position"));
    BOOST_REQUIRE_EQUAL(doc["position"].GetInt64(),
                        static_cast<int64_t>(i + 1));
  }
}

/// The upgrade, on the store `store_args` names (CLI options) and
/// `bank_env` gives the bank service; `name` picks the fixture files.
void upgrade(const std::vector<std::string>& store_args,
             const std::map<std::string, std::string>& bank_env,
             const std::string& name) {
  auto with = [&](std::vector<std::string> args) {
    args.insert(args.begin(), store_args.begin(), store_args.end());
    return run(args);
  };
  CLI_CHECK_EXIT(with({"migrate", "up"}), 0);
  CLI_CHECK_EXIT(with({"diagnose"}), 0);
  auto exported = with({"export"});
  CLI_CHECK_EXIT(exported, 0);
  auto released = fixture(name + "-export.ndjson");
  BOOST_TEST(exported.out == released,
             "the export differs from what the release exported");
  auto snapshots = with({"snapshots", "list"});
  CLI_CHECK_EXIT(snapshots, 0);
  BOOST_TEST(snapshots.out == fixture(name + "-snapshots.tsv"));
  auto projections = with({"projections", "list"});
  CLI_CHECK_EXIT(projections, 0);
  BOOST_TEST(
    contains(projections.out, "bank_accounts\tstopped\trunning\t57\t0"));

  // This build's bank service continues where the release stopped: its
  // projections go on from position 57, its demo checks the read models
  // add up (old accounts included) and appends more.
  auto demo = run_program(MINK_BANK_PATH, {"--demo"}, bank_env);
  BOOST_CHECK_MESSAGE(demo.exit_code == 0
                        && contains(demo.out, "every answer as expected"),
                      "bank --demo on the upgraded store: exit "
                        << demo.exit_code << "\n" << demo.out << demo.err);
  auto grown = with({"export"});
  CLI_CHECK_EXIT(grown, 0);
  check_grown(grown.out, released);
  CLI_CHECK_EXIT(with({"diagnose"}), 0);
}

} // namespace

BOOST_AUTO_TEST_SUITE(cli_upgrade)

BOOST_AUTO_TEST_CASE(a_sqlite_database_of_the_previous_release_upgrades) {
  temp_dir dir;
  auto db = (dir.path / "release.db").string();
  load_sqlite(db);
  upgrade({"--sqlite", db},
          {{"BANK_STORE", "sqlite:" + db}, {"BANK_LOG_LEVEL", "warn"}},
          "sqlite");
}

BOOST_AUTO_TEST_CASE(a_postgres_schema_of_the_previous_release_upgrades,
                     *boost::unit_test::precondition(has_pg{})) {
  std::string schema = "upgrade_" + std::to_string(getpid());
  pg_test_drop_schema(schema);
  load_postgres(schema);
  upgrade({"--pg", pg_test_conninfo(), "--schema", schema},
          {{"BANK_POSTGRES", pg_test_conninfo()},
           {"BANK_POSTGRES_SCHEMA", schema},
           {"BANK_LOG_LEVEL", "warn"}},
          "postgres");
  pg_test_drop_schema(schema);
}

BOOST_AUTO_TEST_SUITE_END()
