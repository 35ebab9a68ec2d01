// The persistence actor: group commit, per-stream failure, overload.

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <vector>

#include "actor_fixture.hpp"
#include "gated_store.hpp"

using namespace mink;
using namespace mink::testing;

namespace {

stream_append one_event(const std::string& stream, expected_version ev) {
  stream_append sa;
  sa.stream_id = stream;
  sa.expected = ev;
  event_data e;
  e.type = "noted";
  e.data = "{}";
  sa.events.push_back(std::move(e));
  return sa;
}

/// Reserves a slot for `sa` (required) and sends it to `writer`.
void send_append(caf::scoped_actor& self, const persistence& writer,
                 stream_append sa) {
  auto reserved = writer.try_reserve(std::move(sa));
  BOOST_REQUIRE(reserved);
  self->send(writer.actor, append_atom::value, std::move(*reserved));
}

/// A persistence actor on a gated store; stopped, and its gate opened, when
/// the test ends.
struct gated_writer {
  explicit gated_writer(caf::actor_system& sys)
    : writer(spawn_persistence(sys, gated)) {
    stopper.add(writer.actor);
  }

  std::shared_ptr<gated_store> gated = std::make_shared<gated_store>();
  gate_opener opener{gated->gate};
  persistence writer;
  actor_list stopper;
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(persistence_actor, actor_fixture)

BOOST_AUTO_TEST_CASE(a_stopped_persistence_actor_answers_every_append) {
  gated_writer g{*sys};
  auto& gated = g.gated;
  auto& writer = g.writer;
  caf::scoped_actor self{*sys};
  // The first append goes to the committer alone and stays at the store;
  // the rest wait for it.
  send_append(self, writer, one_event("slow-0", expected_version::any()));
  BOOST_REQUIRE(gated->gate.wait_entered(1, std::chrono::seconds{30}));
  constexpr size_t waiting = 20;
  for (size_t i = 1; i <= waiting; ++i) {
    send_append(self, writer,
                one_event("slow-" + std::to_string(i), expected_version::any()));
  }
  // Queued behind the appends (one mailbox, in order): the actor holds all
  // of them when it stops.
  caf::anon_send_exit(writer.actor, caf::exit_reason::user_shutdown);
  // Every append is answered, while the first is still at the store: none
  // was written but the first, which may or may not have committed; the
  // answers say which is which.
  size_t not_written = 0;
  size_t maybe = 0;
  size_t i = 0;
  self->receive_for(i, waiting + 1)(
    [&](append_result&) { ++maybe; },
    [&](caf::error& err) {
      BOOST_TEST(code_of(err) == errc::storage_failure);
      auto text = to_text(err);
      if (text.find("was not written") != std::string::npos)
        ++not_written;
      else if (text.find("may have committed") != std::string::npos)
        ++maybe;
      else
        BOOST_ERROR("unexpected answer: " << text);
    },
    caf::after(std::chrono::seconds{30}) >> [&] {
      BOOST_ERROR("an append was never answered");
      i = waiting; // the loop counts this one and ends
    });
  BOOST_TEST(not_written == waiting);
  BOOST_TEST(maybe == 1u);
  // Every reserved slot was given back.
  BOOST_TEST(writer.stats->queued.load() == 0u);
  // Only the first batch, of one append, reached the store.
  gated->gate.open();
  BOOST_TEST(gated->gate.sizes() == std::vector<size_t>{1},
             boost::test_tools::per_element());
  BOOST_TEST(*gated->last_position() <= 1);
}

BOOST_AUTO_TEST_CASE(concurrent_appends_are_committed_in_groups) {
  constexpr size_t n = 2000;
  // The store holds the first batch while the rest arrive.
  gated_writer g{*sys};
  auto& gated = g.gated;
  auto& writer = g.writer;
  caf::scoped_actor self{*sys};
  for (size_t i = 0; i < n; ++i) {
    send_append(self, writer,
                one_event("note-" + std::to_string(i % 100),
                          expected_version::any()));
  }
  // An append the actor refuses at once (no stream id), sent last: its
  // answer means the actor took in every append before it.
  send_append(self, writer, one_event("", expected_version::any()));
  self->receive(
    [&](append_result&) { BOOST_FAIL("an append passed the closed gate"); },
    [&](caf::error& err) {
      BOOST_REQUIRE_EQUAL(code_of(err), errc::invalid_argument);
    },
    caf::after(std::chrono::seconds{30}) >> [&] {
      BOOST_FAIL("the bad append was not refused");
    });
  BOOST_REQUIRE(gated->gate.wait_entered(1, std::chrono::seconds{30}));
  gated->gate.open();
  size_t ok = 0;
  size_t i = 0;
  self->receive_for(i, n)([&](append_result&) { ++ok; },
                          [&](caf::error& err) {
                            BOOST_ERROR("append failed: " << to_text(err));
                          });
  BOOST_TEST(ok == n);
  auto& stats = *writer.stats;
  BOOST_TEST(stats.appends.load() == n);
  BOOST_TEST(stats.queued.load() == 0u);
  // Appends that arrived during a commit went into one later commit.
  BOOST_TEST(stats.batches.load() < n);
  BOOST_TEST(stats.max_batch_appends.load() > 1u);
  BOOST_TEST_MESSAGE(n << " appends in " << stats.batches.load()
                       << " transactions, largest "
                       << stats.max_batch_appends.load());
  BOOST_TEST(*gated->last_position() == static_cast<int64_t>(n));
}

BOOST_AUTO_TEST_CASE(a_conflict_fails_only_its_append) {
  caf::scoped_actor self{*sys};
  BOOST_REQUIRE(store->append("note-x", expected_version::any(),
                              one_event("note-x", expected_version::any())
                                .events));
  // Sent back to back, the three land in one batch most of the time; the
  // stale one must fail alone either way.
  for (auto ev : {expected_version::any(), expected_version::exact(0),
                  expected_version::any()}) {
    send_append(self, ctx.writer, one_event("note-x", ev));
  }
  std::vector<std::string> outcomes;
  size_t i = 0;
  self->receive_for(i, size_t{3})(
    [&](append_result& r) { outcomes.push_back(std::to_string(r.version)); },
    [&](caf::error& err) { outcomes.push_back(to_string(code_of(err))); });
  std::vector<std::string> expected{"2", "wrong_expected_version", "3"};
  BOOST_TEST(outcomes == expected, boost::test_tools::per_element());
  // Counted (for mink_append_conflicts_total) before the answers went out.
  BOOST_TEST(ctx.writer.stats->conflicts.load() == 1u);
}

BOOST_AUTO_TEST_CASE(a_full_queue_refuses_reservations) {
  persistence_config pcfg;
  pcfg.max_queued_appends = 2;
  auto writer = spawn_persistence(*sys, store, pcfg);
  auto a = writer.try_reserve(one_event("full-1", expected_version::any()));
  auto b = writer.try_reserve(one_event("full-2", expected_version::any()));
  BOOST_TEST(a.has_value());
  BOOST_TEST(b.has_value());
  BOOST_TEST(!writer.try_reserve(one_event("full-3", expected_version::any())));
  BOOST_TEST(writer.stats->queued.load() == 2u);
  // Slots that are never sent go back with their appends.
  a.reset();
  BOOST_TEST(writer.stats->queued.load() == 1u);
  b.reset();
  BOOST_TEST(writer.stats->queued.load() == 0u);
  caf::anon_send_exit(writer.actor, caf::exit_reason::user_shutdown);
}

BOOST_AUTO_TEST_CASE(an_append_without_a_slot_cannot_break_the_count) {
  caf::scoped_actor self{*sys};
  auto& writer = ctx.writer;
  // Before slots travelled with appends, this append was taken and its
  // answer lowered a count nobody had raised: the count wrapped around
  // and every later append was refused as overloaded.
  // The typed handle does not compile such a message; an untyped one
  // (another process's bug, a cast) still must not break the count.
  self->request(caf::actor_cast<caf::actor>(writer.actor), caf::infinite,
                append_atom::value,
                one_event("bare-1", expected_version::any()))
    .receive([&](append_result&) { BOOST_ERROR("an unreserved append ran"); },
             [&](caf::error&) { /* refused: expected */ });
  BOOST_TEST(writer.stats->queued.load() == 0u);
  // An append sent twice with one slot: the copy is refused.
  auto reserved = writer.try_reserve(
    one_event("twice-1", expected_version::any()));
  BOOST_REQUIRE(reserved);
  std::vector<std::string> outcomes;
  for (int i = 0; i < 2; ++i)
    self->request(writer.actor, caf::infinite, append_atom::value, *reserved)
      .receive([&](append_result&) { outcomes.push_back("ok"); },
               [&](caf::error& err) {
                 outcomes.push_back(to_string(code_of(err)));
               });
  reserved.reset();
  std::vector<std::string> expected{"ok", "invalid_argument"};
  BOOST_TEST(outcomes == expected, boost::test_tools::per_element());
  BOOST_TEST(writer.stats->queued.load() == 0u);
  // An append to a persistence actor that is down gives its slot back.
  auto gone = spawn_persistence(*sys, store);
  caf::anon_send_exit(gone.actor, caf::exit_reason::user_shutdown);
  self->wait_for(gone.actor);
  auto late = gone.try_reserve(one_event("late-1", expected_version::any()));
  BOOST_REQUIRE(late);
  self->request(gone.actor, caf::infinite, append_atom::value, std::move(*late))
    .receive([&](append_result&) { BOOST_ERROR("a stopped actor answered"); },
             [&](caf::error&) { /* the actor is down: expected */ });
  BOOST_TEST(gone.stats->queued.load() == 0u);
  // And the writer still takes appends.
  send_append(self, writer, one_event("after-1", expected_version::any()));
  self->receive([&](append_result& r) { BOOST_TEST(r.version == 1); },
                [&](caf::error& err) { BOOST_ERROR(to_text(err)); });
}

BOOST_AUTO_TEST_SUITE_END()
