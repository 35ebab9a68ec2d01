// Memory bounds by bytes: the feed's window and the snapshot writer's queue
// (one snapshot per stream, the newest).

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "actor_fixture.hpp"
#include "gated_store.hpp"
#include "mink/actors/feed.hpp"

using namespace mink;
using namespace mink::testing;

namespace {

using namespace std::chrono_literals;


/// A memory snapshot store whose saves wait at `gate`.
class gate_snapshot_store : public memory_snapshot_store {
public:
  test_gate gate;

protected:
  caf::error do_save(snapshot& s) override {
    gate.pass(1);
    return memory_snapshot_store::do_save(s);
  }
};

snapshot make_snapshot(const std::string& stream, int64_t version,
                       size_t size = 10) {
  snapshot snap;
  snap.stream_id = stream;
  snap.version = version;
  snap.state_type = "account";
  snap.data = R"({"pad":")" + std::string(size, 'x') + R"("})";
  return snap;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(bounds, actor_fixture)

BOOST_AUTO_TEST_CASE(the_feed_window_is_bounded_by_bytes) {
  feed_config fcfg;
  fcfg.max_cached_events = 50000;
  fcfg.max_cached_bytes = 64 * 1024;
  fcfg.poll_interval = std::chrono::hours{1};
  auto feed = spawn_feed(*sys, store, fcfg);
  caf::scoped_actor self{*sys};
  // The feed reads the store's head when it starts, on its own thread: an
  // answer (here the refusal of position 0) says it has started, so the
  // events below come after its head and are published to it.
  self->request(feed, caf::infinite, next_atom::value, int64_t{0}, uint32_t{1})
    .receive([](feed_batch&) {}, [](caf::error&) {});
  // 100 events of 10 KB each: the count bound alone would keep them all.
  std::vector<event_data> events;
  for (int i = 0; i < 100; ++i) {
    event_data e;
    e.type = "noted";
    e.data = R"({"pad":")" + std::string(10 * 1024, 'x') + R"("})";
    events.push_back(std::move(e));
  }
  BOOST_REQUIRE(store->append("big-1", expected_version::any(),
                              std::move(events)));
  auto stored = store->read_all(1, 1000);
  BOOST_REQUIRE(stored);
  self->send(feed, publish_atom::value, std::move(*stored));
  self->request(feed, caf::infinite, next_atom::value, int64_t{1}, uint32_t{10})
    .receive(
      [&](feed_batch& b) {
        BOOST_TEST(b.head == 100);
        BOOST_TEST(b.behind);
        BOOST_TEST_MESSAGE("window " << b.oldest << ".." << b.head);
        // At most 64 KB of 10 KB events.
        BOOST_TEST(b.head - b.oldest + 1 <= 6);
        BOOST_TEST(b.head - b.oldest + 1 >= 1);
      },
      [&](caf::error& err) { BOOST_ERROR(to_text(err)); });
  // The newest events are served from memory.
  self->request(feed, caf::infinite, next_atom::value, int64_t{100},
                uint32_t{10})
    .receive([&](feed_batch& b) { BOOST_TEST(b.events.size() == 1u); },
             [&](caf::error& err) { BOOST_ERROR(to_text(err)); });
  caf::anon_send_exit(feed, caf::exit_reason::user_shutdown);
}

BOOST_AUTO_TEST_CASE(the_snapshot_queue_keeps_the_newest_per_stream_and_is_bounded) {
  auto gated = std::make_shared<gate_snapshot_store>();
  auto stats = std::make_shared<snapshot_stats>();
  snapshot_writer_config wcfg;
  wcfg.max_pending = 2;
  wcfg.max_pending_bytes = 64 * 1024;
  auto writer = spawn_snapshot_writer(*sys, gated, stats, wcfg);
  caf::scoped_actor self{*sys};
  // s1 v10 goes to the saver, which waits at the gate.
  self->send(writer, snapshot_atom::value, make_snapshot("account-s1", 10));
  BOOST_REQUIRE(gated->gate.wait_entered(1, 30s));
  // Waiting: s1 v20 is replaced by v30; s2 fits; s3 does not (2 streams).
  self->send(writer, snapshot_atom::value, make_snapshot("account-s1", 20));
  self->send(writer, snapshot_atom::value, make_snapshot("account-s1", 30));
  self->send(writer, snapshot_atom::value, make_snapshot("account-s2", 10));
  self->send(writer, snapshot_atom::value, make_snapshot("account-s3", 10));
  // And by bytes: a 100 KB snapshot never fits in 64 KB.
  self->send(writer, snapshot_atom::value,
             make_snapshot("account-s2", 40, 100 * 1024));
  BOOST_REQUIRE(eventually([&] {
    return stats->coalesced.load() == 2u && stats->dropped.load() == 2u;
  }));
  gated->gate.open();
  BOOST_REQUIRE(eventually([&] { return stats->written.load() == 3u; }));
  auto s1 = gated->load("account-s1");
  BOOST_REQUIRE(s1);
  BOOST_REQUIRE(s1->has_value());
  BOOST_TEST((*s1)->version == 30);
  auto s2 = gated->load("account-s2");
  BOOST_REQUIRE(s2);
  BOOST_REQUIRE(s2->has_value());
  BOOST_TEST((*s2)->version == 10);
  auto s3 = gated->load("account-s3");
  BOOST_REQUIRE(s3);
  BOOST_TEST(!s3->has_value());
  BOOST_TEST(stats->failed.load() == 0u);
  caf::anon_send_exit(writer, caf::exit_reason::user_shutdown);
}

BOOST_AUTO_TEST_SUITE_END()
