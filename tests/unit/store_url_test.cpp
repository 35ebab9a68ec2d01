// Store URLs and opening every store of an adapter from one
// (mink/store/store_url.hpp, mink/adapters/open_stores.hpp): memory and SQLite
// here; PostgreSQL in tests/integration/pg_adapter_test.cpp.

#include <boost/test/unit_test.hpp>

#include <stdlib.h>

#include <filesystem>
#include <string>

#include "mink/errc.hpp"
#include "mink/adapters/sql/sql_checkpoint_store.hpp"
#include "mink/adapters/open_stores.hpp"
#include "mink/adapters/sqlite/sqlite_migrations.hpp"
#include "mink/store/store_url.hpp"

using namespace mink;

namespace {

bool contains(const std::string& x, const std::string& part) {
  return x.find(part) != std::string::npos;
}

/// A directory of its own, removed at the end.
struct temp_dir {
  std::filesystem::path path;
  temp_dir() {
    std::string tmpl = (std::filesystem::temp_directory_path()
                        / "mink-url-XXXXXX")
                         .string();
    path = mkdtemp(tmpl.data());
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

} // namespace

BOOST_AUTO_TEST_SUITE(store_urls)

BOOST_AUTO_TEST_CASE(each_scheme_names_its_adapter) {
  auto mem = parse_store_url("memory:");
  BOOST_REQUIRE(mem);
  BOOST_TEST((mem->kind == store_kind::memory));
  auto sq = parse_store_url("sqlite:./data/bank.db");
  BOOST_REQUIRE(sq);
  BOOST_TEST((sq->kind == store_kind::sqlite));
  BOOST_TEST(sq->path == "./data/bank.db");
  auto abs = parse_store_url("sqlite:///var/lib/bank.db");
  BOOST_REQUIRE(abs);
  BOOST_TEST(abs->path == "/var/lib/bank.db");
  auto pg = parse_store_url(
    "postgresql://bank@db.example:5433/ledger?sslmode=require&schema=bank"
    "&connect_timeout=3");
  BOOST_REQUIRE(pg);
  BOOST_TEST((pg->kind == store_kind::postgres));
  BOOST_TEST(pg->schema == "bank");
  BOOST_TEST(pg->schema_given);
  // The schema is mink's: libpq would refuse it as an unknown parameter.
  BOOST_TEST(pg->conninfo
             == "postgresql://bank@db.example:5433/ledger?sslmode=require"
                "&connect_timeout=3");
  auto plain = parse_store_url("postgres://h/db");
  BOOST_REQUIRE(plain);
  BOOST_TEST(plain->schema == "mink");
  BOOST_TEST(!plain->schema_given);
  BOOST_TEST(plain->conninfo == "postgres://h/db");
  auto kw = parse_store_url("pg:host=h dbname=db");
  BOOST_REQUIRE(kw);
  BOOST_TEST(kw->conninfo == "host=h dbname=db");
}

BOOST_AUTO_TEST_CASE(bad_urls_get_an_error_that_names_the_problem) {
  struct bad {
    const char* url;
    const char* says;
  };
  for (auto x : {bad{"mysql://h/db", "unknown store URL"},
                 bad{"", "unknown store URL"},
                 bad{"memory:x", "takes nothing"},
                 bad{"sqlite:", "needs a path"},
                 bad{"pg:", "connection string is empty"},
                 bad{"postgresql://h/db?schema=", "schema parameter is empty"},
                 bad{"postgresql://h/db?schema=Bank", "schema name"},
                 bad{"postgresql://h/db?schema=a;drop", "schema name"}}) {
    auto res = parse_store_url(x.url);
    BOOST_TEST_CONTEXT(x.url) {
      BOOST_REQUIRE(!res);
      BOOST_TEST((code_of(res.error()) == errc::invalid_argument));
      BOOST_TEST(contains(message_of(res.error()), x.says),
                 message_of(res.error()));
    }
  }
}

BOOST_AUTO_TEST_CASE(a_password_never_shows) {
  auto bad = parse_store_url("mysql://u:hunter2@h/db");
  BOOST_REQUIRE(!bad);
  BOOST_TEST(!contains(message_of(bad.error()), "hunter2"));
  auto pg = parse_store_url("postgresql://u:hunter2@h/db?schema=bank");
  BOOST_REQUIRE(pg);
  BOOST_TEST(!contains(pg->describe(), "hunter2"), pg->describe());
  BOOST_TEST(contains(pg->describe(), "schema bank"), pg->describe());
  auto kw = parse_store_url("pg:host=h password=hunter2");
  BOOST_REQUIRE(kw);
  BOOST_TEST(!contains(kw->describe(), "hunter2"), kw->describe());
}

BOOST_AUTO_TEST_CASE(memory_opens_three_empty_stores) {
  auto x = open_stores("memory:");
  BOOST_REQUIRE(x);
  BOOST_REQUIRE(x->events && x->snapshots && x->checkpoints);
  BOOST_TEST(!x->sql);
  auto head = x->events->last_position();
  BOOST_REQUIRE(head);
  BOOST_TEST(*head == 0);
}

BOOST_AUTO_TEST_CASE(sqlite_opens_creates_and_refuses_a_missing_file) {
  temp_dir dir;
  auto path = (dir.path / "bank.db").string();
  open_options no_migrate;
  no_migrate.migrate = false;
  // Without `migrate`, nothing is created.
  auto missing = open_stores("sqlite:" + path, no_migrate);
  BOOST_REQUIRE(!missing);
  BOOST_TEST((code_of(missing.error()) == errc::store_unavailable));
  BOOST_TEST(contains(message_of(missing.error()), "no database at " + path));
  BOOST_TEST(!std::filesystem::exists(path));
  // With it, the file is made and migrated; the stores share it.
  auto x = open_stores("sqlite:" + path);
  BOOST_REQUIRE(x);
  BOOST_REQUIRE(x->sql);
  BOOST_TEST(x->table_prefix.empty());
  auto v = sqlite_schema_version(path);
  BOOST_REQUIRE(v);
  BOOST_TEST(*v == sqlite_latest_schema_version());
  event_data ev;
  ev.type = "noted";
  ev.data = "{}";
  BOOST_REQUIRE(x->events->append("note-1", expected_version::no_stream(),
                                  {ev}));
  // Opened again without `migrate`: up to date, and the event is there.
  auto again = open_event_store(*parse_store_url("sqlite:" + path),
                                no_migrate);
  BOOST_REQUIRE(again);
  auto head = (*again)->last_position();
  BOOST_REQUIRE(head);
  BOOST_TEST(*head == 1);
}

BOOST_AUTO_TEST_SUITE_END()
