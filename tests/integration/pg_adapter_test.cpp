// PostgreSQL adapter specifics that the conformance suite does not cover:
// configuration checks, migrations, connection failures.

#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>
#include <unistd.h>

#include <libpq-fe.h>

#include "mink/errc.hpp"
#include "mink/adapters/postgres/pg_migrations.hpp"
#include "mink/adapters/postgres/pg_pool.hpp"
#include "mink/adapters/postgres/pg_result.hpp"
#include "mink/adapters/open_stores.hpp"
#include "mink/adapters/postgres/postgres_event_store.hpp"
#include "../support/pg_test_env.hpp"

namespace mink {

std::ostream& operator<<(std::ostream& out, errc x) {
  return out << to_string(x);
}

} // namespace mink

using namespace mink;
using namespace mink::test_support;

namespace {

struct schema_fixture {
  std::string schema = "adapter_" + std::to_string(getpid());
  postgres_config cfg = pg_test_config(schema, 2);
  ~schema_fixture() { pg_test_drop_schema(schema); }
};

std::string why(const caf::error& err) { return to_text(err); }

} // namespace

BOOST_FIXTURE_TEST_SUITE(postgres_adapter, schema_fixture)

BOOST_AUTO_TEST_CASE(bad_schema_names_are_rejected_before_connecting) {
  // Nothing listens on port 1: a name checked only after connecting would
  // come back as store_unavailable.
  cfg.conninfo = "host=127.0.0.1 port=1 dbname=x connect_timeout=2";
  std::vector<std::string> bad_names{"",           "Mink",       "1abc",
                                     "a-b",        "a;drop x",   "pg_catalog",
                                     "a\"b",       std::string(64, 'a')};
  for (const auto& bad : bad_names) {
    cfg.schema = bad;
    auto store = postgres_event_store::open(cfg);
    BOOST_REQUIRE_MESSAGE(!store, "schema '" << bad << "' accepted");
    BOOST_TEST(code_of(store.error()) == errc::invalid_argument);
  }
  cfg.schema = std::string(63, 'a');
  BOOST_TEST(!pg::validate_schema_name(cfg.schema));
}

BOOST_AUTO_TEST_CASE(migrations_are_recorded_and_idempotent) {
  auto first = postgres_event_store::open(cfg);
  BOOST_REQUIRE_MESSAGE(first, (first ? "" : why(first.error())));
  auto res = (*first)->append("order-1", expected_version::no_stream(),
                              {event_data{"", "created", 1, "{}", {}}});
  BOOST_REQUIRE(res);
  // A second open (a second process would do the same) migrates nothing and
  // keeps the events.
  auto second = postgres_event_store::open(cfg);
  BOOST_REQUIRE_MESSAGE(second, (second ? "" : why(second.error())));
  BOOST_TEST(*(*second)->last_position() == 1);
  BOOST_TEST(pg_test_query("SELECT count(*) FROM " + schema + ".schema_migrations")
             == std::to_string(pg::migrations().size()));
  auto lease = (*second)->connections().acquire(std::chrono::seconds(1));
  BOOST_REQUIRE(lease);
  auto status = pg::migration_status(lease->conn(), schema);
  BOOST_REQUIRE(status);
  BOOST_REQUIRE(status->size() == pg::migrations().size());
  BOOST_TEST(status->front().version == 1);
  BOOST_TEST(!status->front().applied_at.empty());
}

BOOST_AUTO_TEST_CASE(a_schema_from_a_newer_build_is_refused) {
  BOOST_REQUIRE(postgres_event_store::open(cfg));
  pg_test_query("INSERT INTO " + schema + ".schema_migrations (version, name) "
        "VALUES (9999, 'from the future')");
  auto store = postgres_event_store::open(cfg);
  BOOST_REQUIRE(!store);
  BOOST_TEST(code_of(store.error()) == errc::storage_failure);
  BOOST_TEST(to_text(store.error()).find("9999") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(status_of_an_unmigrated_schema_is_empty) {
  auto store = postgres_event_store::open(cfg);
  BOOST_REQUIRE(store);
  auto lease = (*store)->connections().acquire(std::chrono::seconds(1));
  BOOST_REQUIRE(lease);
  auto status = pg::migration_status(lease->conn(), "never_created_here");
  BOOST_REQUIRE(status);
  BOOST_TEST(status->empty());
}

BOOST_AUTO_TEST_CASE(unreachable_server_is_store_unavailable_without_password) {
  cfg.conninfo = "host=127.0.0.1 port=1 user=someone password=s3cret-pw "
                 "dbname=x connect_timeout=2";
  auto store = postgres_event_store::open(cfg);
  BOOST_REQUIRE(!store);
  BOOST_TEST(code_of(store.error()) == errc::store_unavailable);
  auto text = to_text(store.error());
  BOOST_TEST_MESSAGE(text);
  BOOST_TEST(text.find("s3cret-pw") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(zero_pool_size_is_invalid) {
  cfg.pool_size = 0;
  auto store = postgres_event_store::open(cfg);
  BOOST_REQUIRE(!store);
  BOOST_TEST(code_of(store.error()) == errc::invalid_argument);
}

BOOST_AUTO_TEST_CASE(terminated_connections_are_reestablished) {
  cfg.pool_size = 1;
  auto store = postgres_event_store::open(cfg);
  BOOST_REQUIRE(store);
  BOOST_REQUIRE((*store)->last_position());
  // Kill the pool's backend, as a server restart or a DBA would.
  auto killed = pg_test_query("SELECT count(pg_terminate_backend(pid)) FROM "
                      "pg_stat_activity WHERE pid <> pg_backend_pid() AND "
                      "query LIKE '%" + schema + "%'");
  BOOST_TEST(killed == "1");
  // The first call finds the connection dead and says so; the pool then
  // reconnects for the next one.
  auto first = (*store)->last_position();
  BOOST_REQUIRE(!first);
  BOOST_TEST(code_of(first.error()) == errc::store_unavailable);
  auto again = (*store)->last_position();
  BOOST_TEST_REQUIRE(static_cast<bool>(again));
  BOOST_TEST(*again == 0);
}

/// A `postgresql://` URL for the test server (MINK_TEST_PG is in keyword
/// form: host=... port=... user=... dbname=...).
std::string test_server_url(const std::string& schema) {
  std::string host = "127.0.0.1", port = "5432", user = "postgres",
              db = "postgres";
  std::istringstream in{require_pg_test_conninfo()};
  for (std::string kv; in >> kv;) {
    auto eq = kv.find('=');
    auto k = kv.substr(0, eq);
    auto v = kv.substr(eq + 1);
    if (k == "host") host = v;
    else if (k == "port") port = v;
    else if (k == "user") user = v;
    else if (k == "dbname") db = v;
  }
  return "postgresql://" + user + "@" + host + ":" + port + "/" + db
         + "?connect_timeout=5&schema=" + schema;
}

BOOST_AUTO_TEST_CASE(one_url_opens_every_store_and_migrates_only_when_asked) {
  auto url = test_server_url(schema);
  open_options no_migrate;
  no_migrate.migrate = false;
  no_migrate.pool_size = 1;
  // The schema does not exist yet: without `migrate` nothing is created.
  auto refused = open_stores(url, no_migrate);
  BOOST_REQUIRE(!refused);
  BOOST_CHECK_EQUAL(code_of(refused.error()), errc::store_unavailable);
  BOOST_CHECK_MESSAGE(why(refused.error()).find("mink migrate up")
                        != std::string::npos,
                      why(refused.error()));
  BOOST_CHECK_EQUAL(pg_test_query("SELECT count(*) FROM pg_namespace WHERE "
                                  "nspname = '" + schema + "'"),
                    "0");
  open_options opts;
  opts.pool_size = 1;
  auto x = open_stores(url, opts);
  // The message is evaluated even when the check passes.
  BOOST_REQUIRE_MESSAGE(x, (x ? std::string{} : why(x.error())));
  BOOST_REQUIRE(x->sql);
  BOOST_CHECK_EQUAL(x->table_prefix, schema + ".");
  event_data ev;
  ev.type = "noted";
  ev.data = "{}";
  BOOST_REQUIRE(x->events->append("note-1", expected_version::no_stream(), {ev}));
  // Up to date now: opening without `migrate` works and sees the event.
  auto again = open_stores(url, no_migrate);
  BOOST_REQUIRE_MESSAGE(again, (again ? std::string{} : why(again.error())));
  auto head = again->events->last_position();
  BOOST_REQUIRE(head);
  BOOST_CHECK_EQUAL(*head, 1);
  // A schema behind this build is refused without `migrate`.
  pg_test_query("DELETE FROM " + schema + ".schema_migrations WHERE version = "
                "(SELECT max(version) FROM " + schema + ".schema_migrations)");
  auto behind = open_stores(url, no_migrate);
  BOOST_REQUIRE(!behind);
  BOOST_CHECK_MESSAGE(why(behind.error()).find("needs") != std::string::npos,
                      why(behind.error()));
}

BOOST_AUTO_TEST_SUITE_END()
