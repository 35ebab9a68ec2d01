// Events delivered live equal the stored events, on the memory and SQLite
// stores (PostgreSQL: tests/integration/pg_live_events_test.cpp).

#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>

#include "live_equals_stored.hpp"
#include "mink/adapters/memory/memory_event_store.hpp"
#include "mink/adapters/sqlite/sqlite_event_store.hpp"

using namespace mink;
using namespace mink::testing;

namespace {

/// A fresh directory under the system's temporary directory, removed with
/// the fixture.
struct temp_dir {
  std::filesystem::path path;

  temp_dir() {
    auto pattern = (std::filesystem::temp_directory_path()
                    / "mink-live-XXXXXX")
                     .string();
    BOOST_REQUIRE(mkdtemp(pattern.data()) != nullptr);
    path = pattern;
  }

  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

} // namespace

BOOST_AUTO_TEST_SUITE(live_events)

BOOST_AUTO_TEST_CASE(live_events_equal_stored_events_on_memory) {
  check_live_events_equal_stored(std::make_shared<memory_event_store>(), false);
}

BOOST_FIXTURE_TEST_CASE(live_events_equal_stored_events_on_sqlite, temp_dir) {
  auto store = sqlite_event_store::open(
    sqlite_config{(path / "events.db").string()});
  BOOST_REQUIRE(store);
  check_live_events_equal_stored(std::shared_ptr<event_store>{std::move(*store)},
                                 true);
}

BOOST_AUTO_TEST_SUITE_END()
