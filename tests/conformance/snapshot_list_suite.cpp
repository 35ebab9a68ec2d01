// Conformance of the snapshot store: listing (order, paging, categories),
// purging, several handles on one storage, and concurrent saves.

#include "snapshot_fixture.hpp"
#include "threads.hpp"

#include <algorithm>
#include <limits>
#include <random>
#include <thread>

#include "mink/stream_id.hpp"

using namespace mink;
using namespace mink::conformance;

namespace {

/// Stream ids that sort differently by bytes, by locale and by category,
/// including neighbours of '-' ('!' ',' '.') and multi-byte characters.
std::vector<std::string> tricky_ids() {
  return {"a",      "a-1",   "a-10",   "a-2",      "a!x",    "a,b",
          "a.b",    "a-",    "a-é",    "a-日本",   "ab-1",   "b-1",
          "B-1",    "Z-9",   "é-1",    "日本-1",   "😀-1",   "ä-1",
          "a-1-2",  "b",     "b-1-a",  "account-7"};
}

/// Returns `xs` sorted by bytes, as `list` returns them.
std::vector<std::string> sorted(std::vector<std::string> xs) {
  std::sort(xs.begin(), xs.end());
  return xs;
}

/// Returns the ids of `xs` whose category is `category`.
std::vector<std::string> of_category(const std::vector<std::string>& xs,
                                     const std::string& category) {
  std::vector<std::string> result;
  for (const auto& x : xs)
    if (category_of(x) == category)
      result.push_back(x);
  return result;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(snapshot_list_suite, snapshot_fixture)

BOOST_AUTO_TEST_CASE(list_orders_by_stream_id_bytes_and_pages) {
  auto ids = tricky_ids();
  auto shuffled = ids;
  std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937{7});
  for (const auto& id : shuffled)
    save_ok(make_snapshot(id, 1));
  auto expected = sorted(ids);
  for (size_t page : {size_t{1}, size_t{2}, size_t{3}, size_t{7},
                      size_t{1000}}) {
    BOOST_TEST_CONTEXT("page size " << page) {
      BOOST_TEST(ids_of(list_all({}, page)) == expected,
                 boost::test_tools::per_element());
    }
  }
  // One page from the start, one from the middle, one past the end.
  auto first = list_ok("", 3);
  BOOST_TEST(ids_of(first)
               == std::vector<std::string>(expected.begin(),
                                           expected.begin() + 3),
             boost::test_tools::per_element());
  auto middle = list_ok(expected[4], 2);
  BOOST_TEST(ids_of(middle)
               == std::vector<std::string>(expected.begin() + 5,
                                           expected.begin() + 7),
             boost::test_tools::per_element());
  BOOST_TEST(list_ok(expected.back(), 10).empty());
  // The cursor need not be a stored id.
  auto after_absent = list_ok("a-15", 1);
  BOOST_REQUIRE_EQUAL(after_absent.size(), 1u);
  BOOST_TEST(after_absent[0].stream_id == "a-2");
  BOOST_TEST(list_ok("", 0).empty());
  BOOST_TEST(list_ok("", std::numeric_limits<size_t>::max()).size()
             == ids.size());
}

BOOST_AUTO_TEST_CASE(list_reports_what_each_snapshot_holds) {
  // 2 + 6 + 2 + 1 bytes: "é" and "日" are multi-byte.
  std::string data = R"({"é":"日"})";
  save_ok(make_snapshot("order-1", 12, data, "order", 4));
  save_ok(make_snapshot("order-2", 3, "[]", "order_v2", 1));
  auto infos = list_ok("", 10);
  BOOST_REQUIRE_EQUAL(infos.size(), 2u);
  auto loaded = load_existing("order-1");
  BOOST_TEST(infos[0].stream_id == "order-1");
  BOOST_TEST(infos[0].version == 12);
  BOOST_TEST(infos[0].state_type == "order");
  BOOST_TEST(infos[0].schema_version == 4);
  BOOST_TEST(infos[0].size_bytes == data.size());
  BOOST_TEST(infos[0].timestamp_us == loaded.timestamp_us);
  BOOST_TEST(infos[1].stream_id == "order-2");
  BOOST_TEST(infos[1].version == 3);
  BOOST_TEST(infos[1].state_type == "order_v2");
  BOOST_TEST(infos[1].schema_version == 1);
  BOOST_TEST(infos[1].size_bytes == 2u);
}

BOOST_AUTO_TEST_CASE(list_filters_by_category) {
  auto ids = tricky_ids();
  for (const auto& id : ids)
    save_ok(make_snapshot(id, 2));
  for (std::string category : {"a", "b", "B", "ab", "é", "日本", "😀",
                               "account", "Z", "x", "ä"}) {
    BOOST_TEST_CONTEXT("category " << category) {
      auto expected = sorted(of_category(ids, category));
      BOOST_TEST(ids_of(list_all(category)) == expected,
                 boost::test_tools::per_element());
      BOOST_TEST(ids_of(list_all(category, 2)) == expected,
                 boost::test_tools::per_element());
    }
  }
  // Paging within a category starts after the cursor.
  BOOST_TEST(ids_of(list_ok("a-1", 2, "a"))
               == (std::vector<std::string>{"a-1-2", "a-10"}),
             boost::test_tools::per_element());
  BOOST_TEST(ids_of(list_ok("a!x", 1, "a"))
               == (std::vector<std::string>{"a-"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(invalid_list_and_purge_arguments_are_rejected) {
  save_ok(make_snapshot("a-1", 1));
  for (std::string category :
       {std::string{"a-b"}, std::string{"-"}, std::string{"a\tb"},
        std::string{"\xff"}, std::string(201, 'c')}) {
    BOOST_TEST_CONTEXT("category " << category) {
      MINK_CHECK_ERRC(snaps->list("", 10, category), errc::invalid_argument);
      MINK_CHECK_ERRC(snaps->purge(category), errc::invalid_argument);
    }
  }
  for (std::string after : {std::string{"a-\n"}, std::string{"a-\xc0\xaf"},
                            "a-" + std::string(max_stream_id_size, 'x')}) {
    MINK_CHECK_ERRC(snaps->list(after, 10), errc::invalid_argument);
  }
  BOOST_TEST(load_existing("a-1").version == 1);
}

BOOST_AUTO_TEST_CASE(purge_deletes_everything_and_counts) {
  BOOST_TEST(purge_ok() == 0u);
  auto ids = tricky_ids();
  for (const auto& id : ids)
    save_ok(make_snapshot(id, 3));
  BOOST_TEST(purge_ok() == ids.size());
  BOOST_TEST(list_all().empty());
  for (const auto& id : ids)
    BOOST_TEST(!load_ok(id).has_value(), id);
  BOOST_TEST(purge_ok() == 0u);
  // The store works as before.
  save_ok(make_snapshot("a-1", 1));
  BOOST_TEST(load_existing("a-1").version == 1);
}

BOOST_AUTO_TEST_CASE(purge_by_category_deletes_only_that_category) {
  auto ids = tricky_ids();
  for (const auto& id : ids)
    save_ok(make_snapshot(id, 3));
  auto remaining = ids;
  for (std::string category : {"a", "日本", "x", "b"}) {
    BOOST_TEST_CONTEXT("category " << category) {
      auto doomed = of_category(remaining, category);
      BOOST_TEST(purge_ok(category) == doomed.size());
      remaining.erase(std::remove_if(remaining.begin(), remaining.end(),
                                     [&](const std::string& id) {
                                       return category_of(id) == category;
                                     }),
                      remaining.end());
      BOOST_TEST(ids_of(list_all()) == sorted(remaining),
                 boost::test_tools::per_element());
      for (const auto& id : doomed)
        BOOST_TEST(!load_ok(id).has_value(), id);
      BOOST_TEST(purge_ok(category) == 0u);
    }
  }
  // Neighbours of a purged category stay: "a!x", "a,b", "a.b", "ab-1".
  for (std::string id : {"a!x", "a,b", "a.b", "ab-1"})
    BOOST_TEST(load_ok(id).has_value(), id);
}

BOOST_AUTO_TEST_CASE(two_handles_see_each_others_snapshots) {
  auto other = open_another();
  save_ok(make_snapshot("account-1", 4));
  auto seen = load_ok(*other, "account-1");
  BOOST_REQUIRE(seen.has_value());
  BOOST_TEST(seen->version == 4);
  MINK_REQUIRE_NO_ERROR(other->save(make_snapshot("account-1", 8)));
  BOOST_TEST(load_existing("account-1").version == 8);
  // An older snapshot through either handle is ignored.
  MINK_CHECK_NO_ERROR(other->save(make_snapshot("account-1", 6)));
  MINK_CHECK_NO_ERROR(snaps->save(make_snapshot("account-1", 7)));
  BOOST_TEST(load_ok(*other, "account-1")->version == 8);
  MINK_REQUIRE_NO_ERROR(other->save(make_snapshot("account-2", 1)));
  BOOST_TEST(ids_of(list_all())
               == (std::vector<std::string>{"account-1", "account-2"}),
             boost::test_tools::per_element());
  MINK_CHECK_NO_ERROR(other->remove("account-1"));
  BOOST_TEST(!load_ok("account-1").has_value());
  auto purged = other->purge("account");
  MINK_REQUIRE_OK(purged);
  BOOST_TEST(*purged == 1u);
  BOOST_TEST(list_all().empty());
}

BOOST_AUTO_TEST_CASE(concurrent_saves_end_with_the_highest_version) {
  constexpr size_t num_threads = 4;
  constexpr int64_t top = 400;
  const std::string stream = "account-1";
  std::vector<std::unique_ptr<snapshot_store>> handles;
  for (size_t t = 0; t < num_threads; ++t)
    handles.push_back(open_another());
  std::vector<std::vector<std::string>> problems(num_threads);
  start_gate gate;
  std::vector<std::thread> threads;
  for (size_t t = 0; t < num_threads; ++t) {
    threads.emplace_back([&, t] {
      // Each thread saves every version in a random order, so all of them
      // race on every version, newer and older ones arrive interleaved.
      std::vector<int64_t> versions;
      for (int64_t v = 1; v <= top; ++v)
        versions.push_back(v);
      std::shuffle(versions.begin(), versions.end(),
                   std::mt19937{static_cast<unsigned>(t + 1)});
      auto& st = *handles[t];
      gate.wait();
      for (auto v : versions) {
        if (auto err = st.save(make_snapshot(stream, v)))
          problems[t].push_back("save " + std::to_string(v) + ": "
                                + describe(err));
        // Once a save returned, no load sees an older snapshot.
        auto x = st.load(stream);
        if (!x)
          problems[t].push_back("load: " + describe(x));
        else if (!x->has_value() || (*x)->version < v)
          problems[t].push_back("load after save " + std::to_string(v)
                                + " saw an older snapshot");
        else if ((*x)->data != make_snapshot(stream, (*x)->version).data)
          problems[t].push_back("data of version "
                                + std::to_string((*x)->version)
                                + " is another version's");
        if (problems[t].size() > 10)
          return;
      }
    });
  }
  gate.open();
  join_all(threads);
  for (size_t t = 0; t < num_threads; ++t)
    BOOST_CHECK_MESSAGE(problems[t].empty(),
                        "thread " << t << ": " << first_of(problems[t]));
  auto x = load_existing(stream);
  BOOST_TEST(x.version == top);
  BOOST_TEST(x.data == make_snapshot(stream, top).data);
  BOOST_TEST(list_all().size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
