// Conformance: `storage_usage` counts the events a store holds and, for
// stores on disk, the bytes of its parts, which grow as events are added.

#include "fixture.hpp"

#include <set>

using namespace mink;
using namespace mink::conformance;

namespace {

using ev = expected_version;

/// `n` events with 1 KiB of data each that does not compress (ids).
std::vector<event_data> bulky_events(size_t n) {
  std::vector<event_data> out;
  for (size_t i = 0; i < n; ++i) {
    std::string text;
    while (text.size() < 1024)
      text += make_uuid();
    out.push_back(make_event("bulky", R"({"text":")" + text + R"("})"));
  }
  return out;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(storage_suite, store_fixture)

BOOST_AUTO_TEST_CASE(counts_the_events_stored) {
  auto empty = store->storage_usage();
  MINK_REQUIRE_OK(empty);
  BOOST_TEST(empty->events == 0);
  append_n("acct-a", 3);
  append_n("acct-b", 2);
  auto x = store->storage_usage();
  MINK_REQUIRE_OK(x);
  BOOST_TEST(x->events == 5);
  // Another handle (connection) sees the same.
  auto y = open_another()->storage_usage();
  MINK_REQUIRE_OK(y);
  BOOST_TEST(y->events == 5);
}

BOOST_AUTO_TEST_CASE(names_the_parts_of_the_store) {
  append_n("acct-a", 1);
  auto x = store->storage_usage();
  MINK_REQUIRE_OK(x);
  std::set<std::string> names;
  for (const auto& p : x->parts) {
    names.insert(p.name);
    BOOST_TEST(p.bytes >= 0, p.name);
  }
  BOOST_TEST(names.size() == x->parts.size()); // each part once
  auto kind = storage->name();
  if (kind == "memory") {
    BOOST_TEST(x->parts.empty());
  } else if (kind == "sqlite") {
    BOOST_TEST((names == std::set<std::string>{"file", "wal"}));
  } else {
    const std::set<std::string> known{"events",  "snapshots",   "commands",
                                      "checkpoints", "sagas",   "cluster",
                                      "read_models", "other"};
    for (const auto& n : names)
      BOOST_TEST(known.count(n) == 1, n);
    BOOST_TEST(names.count("events") == 1);
    BOOST_TEST(names.count("commands") == 1);
  }
}

BOOST_AUTO_TEST_CASE(bytes_grow_with_the_events) {
  if (storage->name() == "memory")
    return; // nothing on disk
  auto before = store->storage_usage();
  MINK_REQUIRE_OK(before);
  for (int i = 0; i < 4; ++i)
    MINK_REQUIRE_OK(store->append("bulky-" + std::to_string(i), ev::any(),
                                  bulky_events(250)));
  auto after = store->storage_usage();
  MINK_REQUIRE_OK(after);
  BOOST_TEST(after->events == before->events + 1000);
  // 1000 events of 1 KiB: at least that much more on disk (in the WAL or
  // the file for SQLite, the events part for PostgreSQL).
  BOOST_TEST(after->total_bytes() >= before->total_bytes() + 1000 * 1024,
             before->total_bytes() << " -> " << after->total_bytes());
}

BOOST_AUTO_TEST_SUITE_END()
