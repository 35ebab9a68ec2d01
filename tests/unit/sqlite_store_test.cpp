// Adapter-specific tests of the SQLite event store: files, directories,
// migrations and several connections on one file. The behavior that every
// store shares is in tests/conformance.

#include <boost/test/unit_test.hpp>

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "mink/errc.hpp"
#include "mink/adapters/sqlite/sqlite_event_store.hpp"
#include "mink/adapters/sqlite/sqlite_migrations.hpp"
#include "../support/error_text.hpp"

using namespace mink;
using namespace mink::test_support;
namespace fs = std::filesystem;

namespace {

/// Returns `ok` for a value, the readable error otherwise. (Boost.Test
/// evaluates message arguments even when the assertion holds.)
template <class T>
std::string describe(const caf::expected<T>& x) {
  return x ? std::string{"ok"} : to_text(x.error());
}

/// A fresh temporary directory, removed at the end of the test.
struct temp_dir_fixture {
  temp_dir_fixture() {
    auto pattern = (fs::temp_directory_path() / "mink-sqlite-ut-XXXXXX").string();
    BOOST_REQUIRE(mkdtemp(pattern.data()) != nullptr);
    dir = pattern;
  }

  ~temp_dir_fixture() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }

  std::unique_ptr<sqlite_event_store> open_ok(const fs::path& path) {
    auto result = sqlite_event_store::open(sqlite_config{path.string()});
    BOOST_REQUIRE_MESSAGE(static_cast<bool>(result),
                          "open failed: " << describe(result));
    return std::move(*result);
  }

  fs::path dir;
};

event_data make_event(int n) {
  event_data result;
  result.type = "test_event";
  result.data = R"({"n":)" + std::to_string(n) + "}";
  result.meta.correlation_id = "corr-" + std::to_string(n);
  return result;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(sqlite_store, temp_dir_fixture)

BOOST_AUTO_TEST_CASE(migrations_run_twice_are_a_noop_and_recorded) {
  auto path = (dir / "events.db").string();
  auto latest = sqlite_latest_schema_version();
  BOOST_TEST(latest >= 1);
  // Inspecting a missing file reports version 0 and creates nothing.
  auto none = sqlite_schema_version(path);
  BOOST_REQUIRE(static_cast<bool>(none));
  BOOST_TEST(*none == 0);
  BOOST_TEST(!fs::exists(path));
  auto first = apply_sqlite_migrations(path);
  BOOST_REQUIRE_MESSAGE(static_cast<bool>(first), describe(first));
  BOOST_TEST(*first == latest);
  auto second = apply_sqlite_migrations(path);
  BOOST_REQUIRE_MESSAGE(static_cast<bool>(second), describe(second));
  BOOST_TEST(*second == 0);
  auto applied = sqlite_applied_migrations(path);
  BOOST_REQUIRE(static_cast<bool>(applied));
  BOOST_REQUIRE_EQUAL(applied->size(), static_cast<size_t>(latest));
  for (int i = 0; i < latest; ++i) {
    BOOST_TEST((*applied)[i].version == i + 1);
    BOOST_TEST(!(*applied)[i].name.empty());
    BOOST_TEST((*applied)[i].applied_at_us > 0);
  }
  // Opening the store twice migrates nothing more.
  open_ok(path);
  open_ok(path);
  auto again = sqlite_applied_migrations(path);
  BOOST_REQUIRE(static_cast<bool>(again));
  BOOST_REQUIRE_EQUAL(again->size(), applied->size());
  for (size_t i = 0; i < again->size(); ++i)
    BOOST_TEST((*again)[i].applied_at_us == (*applied)[i].applied_at_us);
  auto version = sqlite_schema_version(path);
  BOOST_REQUIRE(static_cast<bool>(version));
  BOOST_TEST(*version == latest);
}

BOOST_AUTO_TEST_CASE(open_creates_missing_parent_directories) {
  auto path = dir / "a" / "b" / "c" / "events.db";
  auto store = open_ok(path);
  BOOST_TEST(fs::is_regular_file(path));
  BOOST_TEST(store->path() == path.string());
  auto res = store->append("acct-1", expected_version::no_stream(),
                           {make_event(1)});
  BOOST_TEST(static_cast<bool>(res));
}

BOOST_AUTO_TEST_CASE(open_directory_is_store_unavailable) {
  auto result = sqlite_event_store::open(sqlite_config{dir.string()});
  BOOST_REQUIRE(!result);
  BOOST_TEST(code(result.error()) == "store_unavailable");
  BOOST_TEST(contains(to_text(result.error()), dir.string()),
             to_text(result.error()));
}

BOOST_AUTO_TEST_CASE(open_below_regular_file_is_store_unavailable) {
  auto file = dir / "plain-file";
  std::ofstream{file} << "not a directory\n";
  auto path = (file / "sub" / "events.db").string();
  auto result = sqlite_event_store::open(sqlite_config{path});
  BOOST_REQUIRE(!result);
  BOOST_TEST(code(result.error()) == "store_unavailable");
  BOOST_TEST(contains(to_text(result.error()), path), to_text(result.error()));
}

BOOST_AUTO_TEST_CASE(open_empty_path_is_invalid_argument) {
  auto result = sqlite_event_store::open(sqlite_config{});
  BOOST_REQUIRE(!result);
  BOOST_TEST(code(result.error()) == "invalid_argument");
}

BOOST_AUTO_TEST_CASE(open_file_that_is_no_database_fails_cleanly) {
  auto path = dir / "garbage.db";
  {
    std::ofstream out{path};
    for (int i = 0; i < 200; ++i)
      out << "this is not an SQLite database file\n";
  }
  auto result = sqlite_event_store::open(sqlite_config{path.string()});
  BOOST_REQUIRE(!result);
  BOOST_TEST(code(result.error()) == "storage_failure");
  BOOST_TEST(contains(to_text(result.error()), path.string()),
             to_text(result.error()));
}

BOOST_AUTO_TEST_CASE(reopening_a_file_keeps_its_events) {
  auto path = dir / "with space" / "events.db";
  std::vector<std::string> ids;
  {
    auto store = open_ok(path);
    auto a = store->append("acct-1", expected_version::no_stream(),
                           {make_event(1), make_event(2)});
    BOOST_REQUIRE(static_cast<bool>(a));
    auto b = store->append("order-7", expected_version::any(), {make_event(3)});
    BOOST_REQUIRE(static_cast<bool>(b));
    auto all = store->read_all(1, 100);
    BOOST_REQUIRE(static_cast<bool>(all));
    for (const auto& ev : *all)
      ids.push_back(ev.event_id);
  }
  auto store = open_ok(path);
  auto last = store->last_position();
  BOOST_REQUIRE(static_cast<bool>(last));
  BOOST_TEST(*last == 3);
  auto all = store->read_all(1, 100);
  BOOST_REQUIRE(static_cast<bool>(all));
  BOOST_REQUIRE_EQUAL(all->size(), 3u);
  for (size_t i = 0; i < all->size(); ++i) {
    const auto& ev = (*all)[i];
    BOOST_TEST(ev.event_id == ids[i]);
    BOOST_TEST(ev.global_position == static_cast<int64_t>(i + 1));
    BOOST_TEST(ev.data == R"({"n":)" + std::to_string(i + 1) + "}");
    BOOST_TEST(ev.meta.correlation_id == "corr-" + std::to_string(i + 1));
    BOOST_TEST(ev.timestamp_us > 0);
  }
  auto info = store->stream_info("acct-1");
  BOOST_REQUIRE(static_cast<bool>(info));
  BOOST_TEST(info->version == 2);
  auto next = store->append("acct-1", expected_version::exact(2),
                            {make_event(4)});
  BOOST_REQUIRE(static_cast<bool>(next));
  BOOST_TEST(next->version == 3);
  BOOST_TEST(next->positions == std::vector<int64_t>{4},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(two_connections_write_dense_positions) {
  auto path = dir / "events.db";
  auto first = open_ok(path);
  auto second = open_ok(path);
  constexpr int threads = 4;
  constexpr int appends = 40;
  // Boost.Test assertions are not thread-safe: the workers only record.
  std::vector<std::string> errors(threads);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t)
    workers.emplace_back([&, t] {
      auto& store = t % 2 == 0 ? *first : *second;
      auto stream = "acct-" + std::to_string(t);
      for (int i = 0; i < appends && errors[t].empty(); ++i) {
        auto res = store.append(stream, expected_version::exact(2 * i),
                                {make_event(i), make_event(i)});
        if (!res)
          errors[t] = to_text(res.error());
      }
    });
  for (auto& w : workers)
    w.join();
  for (const auto& err : errors)
    BOOST_TEST(err.empty(), "append failed: " << err);
  auto all = first->read_all(1, 100000);
  BOOST_REQUIRE(static_cast<bool>(all));
  BOOST_REQUIRE_EQUAL(all->size(), size_t{threads * appends * 2});
  for (size_t i = 0; i < all->size(); ++i)
    BOOST_TEST((*all)[i].global_position == static_cast<int64_t>(i + 1));
  for (int t = 0; t < threads; ++t) {
    auto events = second->read_stream("acct-" + std::to_string(t), 1, 1000);
    BOOST_REQUIRE(static_cast<bool>(events));
    BOOST_REQUIRE_EQUAL(events->size(), size_t{appends * 2});
    for (size_t i = 0; i < events->size(); ++i)
      BOOST_TEST((*events)[i].stream_version == static_cast<int64_t>(i + 1));
  }
}

BOOST_AUTO_TEST_SUITE_END()
