// Commits of other processes reach this one as they commit: the PostgreSQL
// store's commit watch (LISTEN/NOTIFY), and the event feed it wakes.

#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "../support/eventually.hpp"
#include "../support/pg_test_env.hpp"
#include "mink/actors/feed.hpp"
#include "mink/adapters/memory/memory_event_store.hpp"
#include "mink/adapters/postgres/postgres_event_store.hpp"
#include "mink/errc.hpp"

using namespace mink;
using namespace mink::test_support;
using namespace std::chrono_literals;

namespace {

struct watch_fixture {
  std::string schema = "watch_" + std::to_string(getpid());
  std::shared_ptr<postgres_event_store> here;  // this process's store
  std::shared_ptr<postgres_event_store> other; // another process's, as it were

  watch_fixture() {
    pg_test_drop_schema(schema);
    auto a = postgres_event_store::open(pg_test_config(schema));
    BOOST_REQUIRE_MESSAGE(a, (a ? "" : to_text(a.error())));
    here = std::move(*a);
    auto b = postgres_event_store::open(pg_test_config(schema));
    BOOST_REQUIRE(b);
    other = std::move(*b);
  }

  ~watch_fixture() {
    here.reset();
    other.reset();
    pg_test_drop_schema(schema);
  }

  /// Appends `n` events to one stream through the other store; returns
  /// the last position.
  int64_t append_elsewhere(int n, const std::string& stream = "note-1") {
    std::vector<event_data> events(static_cast<size_t>(n));
    for (auto& e : events) {
      e.type = "noted";
      e.data = R"({"text":"x"})";
    }
    auto res = other->append(stream, expected_version::any(), std::move(events));
    BOOST_REQUIRE_MESSAGE(res, (res ? "" : to_text(res.error())));
    return res->positions.back();
  }
};

/// What a watch was told, in order.
struct told {
  std::mutex mtx;
  std::vector<int64_t> positions;

  commit_callback callback() {
    return [this](int64_t pos) {
      std::lock_guard<std::mutex> guard{mtx};
      positions.push_back(pos);
    };
  }

  size_t count(int64_t pos) {
    std::lock_guard<std::mutex> guard{mtx};
    return static_cast<size_t>(
      std::count(positions.begin(), positions.end(), pos));
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(postgres_commit_watch, watch_fixture)

BOOST_AUTO_TEST_CASE(a_watch_tells_of_each_committed_append_once) {
  told t;
  auto watch = here->watch_commits(t.callback());
  BOOST_REQUIRE(watch);
  // It says 0 once it listens: what came before may have been missed.
  BOOST_REQUIRE(eventually([&] { return t.count(0) == 1; }));
  auto first = append_elsewhere(3);
  auto second = append_elsewhere(2, "note-2");
  // A refused append commits nothing and tells nothing.
  auto refused = other->append("note-2", expected_version::exact(1),
                               {event_data{{}, "noted", 1, "{}", {}}});
  BOOST_REQUIRE(!refused);
  auto third = append_elsewhere(1);
  BOOST_REQUIRE(eventually([&] { return t.count(third) == 1; }));
  BOOST_CHECK_EQUAL(t.count(first), 1u);
  BOOST_CHECK_EQUAL(t.count(second), 1u);
  std::lock_guard<std::mutex> guard{t.mtx};
  BOOST_CHECK((t.positions == std::vector<int64_t>{0, first, second, third}));
}

BOOST_AUTO_TEST_CASE(a_watch_listens_again_after_losing_its_connection) {
  told t;
  auto watch = here->watch_commits(t.callback());
  BOOST_REQUIRE(eventually([&] { return t.count(0) == 1; }));
  // An operator (or a failover) ends the watch's session.
  auto killed = pg_test_query(
    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE "
    "query = 'LISTEN \"mink_commits." + schema + "\"'");
  BOOST_REQUIRE_GE(std::stoi(killed), 1);
  // Back within a second or two, saying 0 again: something may be missed.
  BOOST_REQUIRE(eventually([&] { return t.count(0) == 2; }));
  auto last = append_elsewhere(4);
  BOOST_CHECK(eventually([&] { return t.count(last) == 1; }));
}

BOOST_AUTO_TEST_CASE(a_feed_reads_another_processs_commits_when_told) {
  // The feed polls once an hour here (and answers a waiting request only
  // when it reads): only the notification can bring the events.
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  feed_config fc;
  fc.poll_interval = std::chrono::hours{1};
  auto feed = spawn_feed(sys, here, fc);
  // Ends the feed however the test ends (it would keep the system alive
  // for its hourly poll).
  std::shared_ptr<void> stop_feed{nullptr, [&](void*) {
    caf::anon_send_exit(feed, caf::exit_reason::user_shutdown);
  }};
  caf::scoped_actor self{sys};
  std::vector<recorded_event> got;
  int64_t last = 0;
  auto deadline = std::chrono::steady_clock::now() + 30s;
  // Until the feed listens, a commit may be missed: commit again until
  // one is read (each is read whole, from the store, in order).
  while (got.empty() && std::chrono::steady_clock::now() < deadline) {
    last = append_elsewhere(5);
    self->request(feed, 2s, next_atom::value, int64_t{1}, uint32_t{1000})
      .receive([&](feed_batch& b) { got = std::move(b.events); },
               [&](caf::error& err) {
                 BOOST_REQUIRE(err == caf::sec::request_timeout);
               });
  }
  BOOST_REQUIRE(!got.empty());
  for (size_t i = 0; i < got.size(); ++i)
    BOOST_CHECK_EQUAL(got[i].global_position, static_cast<int64_t>(i + 1));
  BOOST_CHECK_EQUAL(got.back().global_position % 5, 0);
  BOOST_CHECK(got.back().global_position <= last);
}

BOOST_AUTO_TEST_CASE(stores_of_one_process_have_no_watch) {
  memory_event_store memory;
  BOOST_CHECK(memory.watch_commits([](int64_t) {}) == nullptr);
  BOOST_CHECK(here->watch_commits({}) == nullptr); // no callback
}

BOOST_AUTO_TEST_SUITE_END()
