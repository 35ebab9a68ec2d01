// The router's bounds: no passivation of busy actors, no thrashing of a hot
// set larger than max_alive, bounded commands held for stopping actors.

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "actor_fixture.hpp"
#include "gated_store.hpp"
#include "mink/actors/detail/router_state.hpp"

using namespace mink;
using namespace mink::testing;

namespace {

using namespace std::chrono_literals;


struct router_test_fixture : actor_fixture {
  router_actor make_router(router_config rcfg,
                           std::shared_ptr<router_stats> counts,
                           const aggregate_context& c) {
    return actors.add(spawn_router<test_domain::account_decider>(
      *sys, "account", c, rcfg, std::move(counts)));
  }

  /// Runs `rounds` deposits over `hot` accounts in turn (each answered
  /// before the next), after opening them.
  void hot_loop(const router_actor& router, const std::string& prefix, int hot,
                int rounds) {
    for (int a = 0; a < hot; ++a)
      BOOST_REQUIRE(call(router, make_command(prefix + std::to_string(a),
                                              test_domain::open_account{"H"})));
    for (int r = 0; r < rounds; ++r)
      for (int a = 0; a < hot; ++a) {
        auto res = call(router, make_command(prefix + std::to_string(a),
                                             test_domain::deposit{1}));
        BOOST_REQUIRE_MESSAGE(res, (res ? "" : to_text(res.error())));
      }
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(router, router_test_fixture)

BOOST_AUTO_TEST_CASE(a_hot_set_larger_than_max_alive_does_not_thrash) {
  constexpr int hot = 20;
  constexpr int rounds = 20;
  constexpr size_t max_alive = 5;
  // Strict LRU (the old behaviour): every command of the cycle finds its
  // actor passivated and rehydrates it.
  router_config strict;
  strict.max_alive = max_alive;
  strict.min_idle_to_evict = 0ms;
  auto strict_stats = std::make_shared<router_stats>();
  hot_loop(make_router(strict, strict_stats, ctx), "t", hot, rounds);
  // The default: actors used within `min_idle_to_evict` stay.
  router_config kept;
  kept.max_alive = max_alive;
  kept.min_idle_to_evict = std::chrono::minutes{1};
  auto kept_stats = std::make_shared<router_stats>();
  hot_loop(make_router(kept, kept_stats, ctx), "k", hot, rounds);
  BOOST_TEST_MESSAGE(hot << " hot aggregates, max_alive " << max_alive << ", "
                         << hot * (rounds + 1) << " commands: strict LRU "
                         << strict_stats->passivated.load() << " passivations, "
                         << strict_stats->spawned.load() << " spawns; kept "
                         << kept_stats->passivated.load() << " passivations, "
                         << kept_stats->spawned.load() << " spawns");
  BOOST_TEST(strict_stats->passivated.load() > uint64_t{hot * rounds / 2});
  BOOST_TEST(kept_stats->spawned.load() == uint64_t{hot});
  BOOST_TEST(kept_stats->passivated.load() == 0u);
  BOOST_TEST(kept_stats->alive.load() == size_t{hot});
  // Once idle long enough, the tick brings the count back to max_alive.
  router_config soft;
  soft.max_alive = max_alive;
  soft.min_idle_to_evict = 50ms;
  soft.tick_interval = 10ms;
  auto soft_stats = std::make_shared<router_stats>();
  hot_loop(make_router(soft, soft_stats, ctx), "s", hot, 2);
  BOOST_TEST(eventually([&] { return soft_stats->alive.load() <= max_alive; }));
}

BOOST_AUTO_TEST_CASE(a_busy_actor_is_not_passivated) {
  auto gated = std::make_shared<gated_store>();
  auto c = ctx;
  c.writer = spawn_persistence(*sys, gated);
  c.reader = spawn_store_reader(*sys, gated);
  actors.add(c.writer.actor);
  actors.add(c.reader);
  router_config rcfg;
  rcfg.max_alive = 1;
  rcfg.min_idle_to_evict = 0ms;
  auto stats = std::make_shared<router_stats>();
  auto router = make_router(rcfg, stats, c);
  caf::scoped_actor self{*sys};
  // b1's command waits in the store: its actor is busy.
  self->send(router, command_atom::value,
             make_command("b1", test_domain::open_account{"B"}));
  BOOST_REQUIRE(gated->gate.wait_entered(1, 30s));
  // A second aggregate's actor puts the router over max_alive.
  self->send(router, command_atom::value,
             make_command("b2", test_domain::open_account{"B"}));
  // The router answers this at once, after it has handled b2's command.
  auto other = make_command("x", test_domain::open_account{"X"});
  other.aggregate_type = "order";
  BOOST_TEST(!call(router, other));
  BOOST_TEST(stats->spawned.load() == 2u);
  // Neither b1 (waiting for the store) nor b2 (waiting behind it) went.
  BOOST_TEST(stats->passivated.load() == 0u);
  BOOST_TEST(stats->alive.load() == 2u);
  gated->gate.open();
  size_t ok = 0;
  size_t n = 0;
  self->receive_for(n, size_t{2})(
    [&](command_result&) { ++ok; },
    [&](caf::error& err) { BOOST_ERROR("command failed: " << to_text(err)); });
  BOOST_TEST(ok == 2u);
  // Idle now: the next tick (1 s) may passivate one; nothing waits for it.
}

BOOST_AUTO_TEST_CASE(commands_held_for_stopping_actors_are_bounded) {
  detail::router_state st;
  router_config cfg;
  cfg.max_held_commands = 3;
  detail::router_state::stopping_entry stopping;
  caf::typed_response_promise<command_result> rp;
  for (int i = 0; i < 3; ++i) {
    auto cmd = make_command("h", test_domain::deposit{1});
    BOOST_TEST(detail::try_hold(st, cfg, stopping, cmd, rp));
  }
  auto fourth = make_command("h", test_domain::deposit{1});
  BOOST_TEST(!detail::try_hold(st, cfg, stopping, fourth, rp));
  BOOST_TEST(stopping.held.size() == 3u);
  BOOST_TEST(st.held_commands == 3u);
  // By bytes: a command whose metadata is large counts by its size.
  detail::router_state by_bytes;
  cfg.max_held_commands = 1000;
  cfg.max_held_bytes = 64 * 1024;
  auto big = make_command("h", test_domain::deposit{1});
  big.meta.custom["note"] = std::string(40 * 1024, 'x');
  auto big2 = big;
  detail::router_state::stopping_entry s2;
  BOOST_TEST(detail::try_hold(by_bytes, cfg, s2, big, rp));
  BOOST_TEST(!detail::try_hold(by_bytes, cfg, s2, big2, rp));
  BOOST_TEST(by_bytes.held_bytes >= 40u * 1024);
}

BOOST_AUTO_TEST_SUITE_END()
