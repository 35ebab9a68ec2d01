// Events delivered live equal the stored events on PostgreSQL (memory and
// SQLite: tests/actors/live_events_test.cpp).

#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include "../actors/live_equals_stored.hpp"
#include "../support/pg_test_env.hpp"
#include "mink/adapters/postgres/postgres_event_store.hpp"

using namespace mink;
using namespace mink::testing;
using namespace mink::test_support;

namespace {

struct live_schema {
  std::string schema = "live_" + std::to_string(getpid());
  live_schema() { require_pg_test_conninfo(); }
  ~live_schema() { pg_test_drop_schema(schema); }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(postgres_live_events, live_schema)

BOOST_AUTO_TEST_CASE(live_events_equal_stored_events_on_postgres) {
  auto store = postgres_event_store::open(pg_test_config(schema));
  BOOST_REQUIRE_MESSAGE(store, (store ? "" : to_text(store.error())));
  check_live_events_equal_stored(
    std::shared_ptr<event_store>{std::move(*store)}, true);
}

BOOST_AUTO_TEST_SUITE_END()
