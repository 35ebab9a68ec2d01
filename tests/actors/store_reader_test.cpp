// The store reader: concurrent loads are gathered into batches, and each is
// answered with its own stream (missing, long, from a snapshot) or error.

#include <boost/test/unit_test.hpp>

#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "actor_fixture.hpp"
#include "gated_store.hpp"
#include "mink/actors/atoms.hpp"
#include "mink/actors/message_types.hpp"

using namespace mink;
using namespace mink::testing;
using namespace std::chrono_literals;

namespace {

/// A memory store whose batched reads wait at `gate` (size: the streams
/// read).
class read_gate_store : public memory_event_store {
public:
  test_gate gate;

protected:
  void do_read_streams(const std::vector<stream_read>& reads, size_t limit,
                       stream_reads& out) override {
    gate.pass(reads.size());
    memory_event_store::do_read_streams(reads, limit, out);
  }
};

/// Appends `n` events to `stream`, 500 per call.
void fill(event_store& store, const std::string& stream, int64_t n) {
  for (int64_t v = 0; v < n;) {
    std::vector<event_data> evs;
    for (; v < n && evs.size() < 500; ++v)
      evs.push_back(event_data{"", "noted", 1,
                               R"({"v":)" + std::to_string(v + 1) + "}", {}});
    BOOST_REQUIRE(store.append(stream, expected_version::any(), evs));
  }
}

/// Checks that `events` are versions `first` to `last` of `stream`.
void check_versions(const std::vector<recorded_event>& events,
                    const std::string& stream, int64_t first, int64_t last) {
  BOOST_REQUIRE_EQUAL(events.size(), static_cast<size_t>(last - first + 1));
  for (size_t i = 0; i < events.size(); ++i) {
    BOOST_CHECK_EQUAL(events[i].stream_id, stream);
    BOOST_CHECK_EQUAL(events[i].stream_version,
                      first + static_cast<int64_t>(i));
  }
}

struct load_call {
  std::string stream;
  int64_t from;
  bool snapshot;
};

} // namespace

BOOST_AUTO_TEST_CASE(store_reader_batches_concurrent_loads) {
  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", 2);
  caf::actor_system sys{cfg};
  auto store = std::make_shared<read_gate_store>();
  auto snapshots = std::make_shared<memory_snapshot_store>();
  fill(*store, "acct-long", 2600);
  fill(*store, "acct-snap", 30);
  BOOST_REQUIRE(!snapshots->save(
    snapshot{"acct-snap", 25, "account", 1, R"({"balance":25})", 0}));
  const int small = 200;
  for (int i = 0; i < small; ++i)
    if (i % 5 != 0)
      fill(*store, "acct-" + std::to_string(i), i % 5);
  auto stats = std::make_shared<store_reader_stats>();
  auto reader = spawn_store_reader(sys, store, snapshots, 1, stats);
  caf::scoped_actor self{sys};
  // The first load holds the reader at the gate while the others queue.
  auto first = self->request(reader, caf::infinite, load_atom::value,
                             std::string{"acct-1"}, int64_t{1}, true);
  if (!store->gate.wait_entered(1, 30s)) {
    store->gate.open();
    BOOST_FAIL("the first load never reached the store");
  }
  std::vector<load_call> calls{{"acct-long", 1, true},
                               {"acct-snap", 1, true},
                               {"acct-snap", 1, false},
                               {"acct-snap", 28, true},
                               {"acct-missing", 1, true},
                               {"", 1, true},
                               {"acct-long", 2590, false}};
  for (int i = 0; i < small; ++i)
    calls.push_back({"acct-" + std::to_string(i), 1, i % 2 == 0});
  using handle = decltype(first);
  std::vector<handle> handles;
  for (auto& c : calls)
    handles.push_back(self->request(reader, caf::infinite, load_atom::value,
                                    c.stream, c.from, c.snapshot));
  store->gate.open();
  std::vector<caf::expected<load_result>> answers;
  auto receive = [&](handle& h) {
    caf::expected<load_result> got{make_error(errc::timeout, "no answer")};
    h.receive([&](load_result& r) { got = std::move(r); },
              [&](caf::error& err) { got = std::move(err); });
    return got;
  };
  auto head = receive(first);
  BOOST_REQUIRE(head);
  check_versions(head->events, "acct-1", 1, 1);
  for (auto& h : handles)
    answers.push_back(receive(h));
  caf::anon_send_exit(reader, caf::exit_reason::user_shutdown);
  // A long stream: its first batch page, then pages of its own.
  BOOST_REQUIRE(answers[0]);
  BOOST_CHECK(!answers[0]->snap);
  check_versions(answers[0]->events, "acct-long", 1, 2600);
  // The snapshot and the events after it; without it, every event; a
  // from-version past the snapshot ignores it.
  BOOST_REQUIRE(answers[1]);
  BOOST_REQUIRE(answers[1]->snap);
  BOOST_CHECK_EQUAL(answers[1]->snap->version, 25);
  BOOST_CHECK_EQUAL(answers[1]->snap->data, R"({"balance":25})");
  check_versions(answers[1]->events, "acct-snap", 26, 30);
  BOOST_REQUIRE(answers[2]);
  BOOST_CHECK(!answers[2]->snap);
  check_versions(answers[2]->events, "acct-snap", 1, 30);
  BOOST_REQUIRE(answers[3]);
  BOOST_CHECK(!answers[3]->snap);
  check_versions(answers[3]->events, "acct-snap", 28, 30);
  // A stream that does not exist: nothing, and no error.
  BOOST_REQUIRE(answers[4]);
  BOOST_CHECK(!answers[4]->snap);
  BOOST_CHECK(answers[4]->events.empty());
  // A bad stream id fails alone.
  BOOST_REQUIRE(!answers[5]);
  BOOST_CHECK(code_of(answers[5].error()) == errc::invalid_argument);
  BOOST_REQUIRE(answers[6]);
  check_versions(answers[6]->events, "acct-long", 2590, 2600);
  for (int i = 0; i < small; ++i) {
    auto& a = answers[7 + static_cast<size_t>(i)];
    BOOST_REQUIRE(a);
    check_versions(a->events, "acct-" + std::to_string(i), 1, i % 5);
  }
  // The first load alone, then everything that queued behind it in batches
  // of at most max_load_batch: one event query each. (The bad id never
  // reaches the store.)
  auto total = calls.size();
  std::vector<size_t> expected{1};
  for (size_t left = total; left > 0;) {
    auto n = std::min(left, max_load_batch);
    expected.push_back(n);
    left -= n;
  }
  expected[1] -= 1; // the bad id is in the first full batch
  auto sizes = store->gate.sizes();
  BOOST_TEST(sizes == expected, boost::test_tools::per_element());
  BOOST_CHECK_EQUAL(stats->loads.load(), total + 1);
  BOOST_CHECK_EQUAL(stats->batches.load(), expected.size());
  BOOST_CHECK_EQUAL(stats->largest_batch.load(), uint64_t{max_load_batch});
  // acct-long from 1: 256 in the batch, then 1000, 1000 and 344 alone.
  BOOST_CHECK_EQUAL(stats->extra_pages.load(), 3u);
}
