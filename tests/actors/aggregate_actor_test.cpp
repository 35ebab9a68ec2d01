// Aggregate actors behind a router: concurrency, retries, passivation,
// metadata, overload.

#include <boost/test/unit_test.hpp>

#include <map>
#include <vector>

#include "actor_fixture.hpp"
#include "gated_store.hpp"
#include "mink/business_error.hpp"

using namespace mink;
using namespace mink::testing;

namespace {

struct router_fixture : actor_fixture {
  explicit router_fixture(persistence_config pcfg = {})
    : actor_fixture(pcfg) {
    // nop
  }

  /// Replays an account's stream from the store.
  test_domain::account load(const std::string& id) {
    test_domain::account acc;
    auto events = store->read_stream("account-" + id, 1, 1000000);
    BOOST_REQUIRE_MESSAGE(events, "read account-" << id);
    BOOST_REQUIRE(!replay(acc, *registry, *events));
    return acc;
  }
};

std::string why(const caf::expected<command_result>& x) {
  return x ? "ok" : to_text(x.error());
}

/// A repeated command's answer is the first one's.
void check_same_answer(const command_result& first,
                       const caf::expected<command_result>& again) {
  BOOST_REQUIRE_MESSAGE(again, why(again));
  BOOST_TEST(again->version == first.version);
  BOOST_TEST(again->position == first.position);
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(aggregate_actors, router_fixture)

BOOST_AUTO_TEST_CASE(ten_thousand_concurrent_commands_over_100_aggregates) {
  auto router = make_router();
  constexpr int accounts = 100;
  constexpr int commands = 10000;
  for (int a = 0; a < accounts; ++a) {
    auto res = call(router, make_command(std::to_string(a),
                                         test_domain::open_account{"owner"}));
    BOOST_REQUIRE_MESSAGE(res, why(res));
  }
  caf::scoped_actor self{*sys};
  std::map<std::string, int64_t> expected_balance;
  for (int i = 0; i < commands; ++i) {
    auto id = std::to_string(i % accounts);
    expected_balance[id] += i + 1;
    self->send(router, command_atom::value,
               make_command(id, test_domain::deposit{i + 1}));
  }
  size_t ok = 0;
  size_t n = 0;
  self->receive_for(n, static_cast<size_t>(commands))([&](command_result&) { ++ok; },
                                 [&](caf::error& err) {
                                   BOOST_ERROR("command failed: "
                                               << to_text(err));
                                 });
  BOOST_TEST(ok == static_cast<size_t>(commands));
  for (auto& [id, balance] : expected_balance) {
    auto acc = load(id);
    BOOST_TEST(acc.state().balance == balance);
    BOOST_TEST(acc.version() == 1 + commands / accounts);
  }
  BOOST_TEST(*store->last_position() == accounts + commands);
  auto& ws = *ctx.writer.stats;
  BOOST_TEST(ws.batches.load() < ws.appends.load());
  BOOST_TEST_MESSAGE(ws.appends.load() << " appends in " << ws.batches.load()
                                       << " transactions, largest "
                                       << ws.max_batch_appends.load());
}

BOOST_AUTO_TEST_CASE(events_carry_correlation_and_causation) {
  auto router = make_router();
  auto env = make_command("m1", test_domain::open_account{"Ada"});
  env.meta.user_id = "user-7";
  env.meta.tenant_id = "tenant-3";
  auto command_id = env.command_id;
  auto res = call(router, env);
  BOOST_REQUIRE_MESSAGE(res, why(res));
  BOOST_TEST(res->version == 1);
  BOOST_TEST(res->position == 1);
  auto events = store->read_stream("account-m1", 1, 10);
  BOOST_REQUIRE(events);
  BOOST_REQUIRE(events->size() == 1u);
  const auto& meta = events->front().meta;
  BOOST_TEST(meta.causation_id == command_id);
  BOOST_TEST(meta.correlation_id == "corr-m1");
  BOOST_TEST(meta.user_id == "user-7");
  BOOST_TEST(meta.tenant_id == "tenant-3");
}

BOOST_AUTO_TEST_CASE(business_errors_are_returned_and_write_nothing) {
  auto router = make_router();
  BOOST_REQUIRE(call(router, make_command("b1", test_domain::open_account{"Bo"})));
  BOOST_REQUIRE(call(router, make_command("b1", test_domain::deposit{10})));
  auto res = call(router, make_command("b1", test_domain::withdraw{11}));
  BOOST_REQUIRE(!res);
  BOOST_TEST(is_business_error(res.error()));
  BOOST_TEST(*store->last_position() == 2);
  BOOST_TEST(ctx.writer.stats->appends.load() == 2u); // never retried
}

BOOST_AUTO_TEST_CASE(a_conflict_with_another_writer_is_retried) {
  auto router = make_router();
  BOOST_REQUIRE(call(router, make_command("c1", test_domain::open_account{"Cy"})));
  // Another process deposits behind the actor's back.
  auto foreign = to_event_data(*registry,
                               std::vector<test_domain::account_event>{
                                 test_domain::money_deposited{5}},
                               {});
  BOOST_REQUIRE(foreign);
  BOOST_REQUIRE(store->append("account-c1", expected_version::exact(1),
                              std::move(*foreign)));
  auto res = call(router, make_command("c1", test_domain::deposit{7}));
  BOOST_REQUIRE_MESSAGE(res, why(res));
  BOOST_TEST(res->version == 3);
  auto acc = load("c1");
  BOOST_TEST(acc.state().balance == 12);
  // The first append failed, the retry succeeded.
  BOOST_TEST(ctx.writer.stats->appends.load() == 3u);
}

BOOST_AUTO_TEST_CASE(passivated_aggregates_come_back_with_their_state) {
  router_config rcfg;
  rcfg.max_alive = 10;
  rcfg.min_idle_to_evict = std::chrono::milliseconds{0}; // strict LRU
  auto router = make_router(rcfg);
  for (int a = 0; a < 50; ++a) {
    auto id = "p" + std::to_string(a);
    BOOST_REQUIRE(call(router, make_command(id, test_domain::open_account{"P"})));
    BOOST_REQUIRE(call(router, make_command(id, test_domain::deposit{a + 1})));
  }
  BOOST_TEST(stats->alive.load() <= 10u);
  BOOST_TEST(stats->passivated.load() >= 40u);
  for (int a = 0; a < 50; ++a) {
    auto id = "p" + std::to_string(a);
    auto res = call(router, make_command(id, test_domain::withdraw{a + 1}));
    BOOST_REQUIRE_MESSAGE(res, why(res));
    BOOST_TEST(res->version == 3);
  }
  BOOST_TEST(stats->spawned.load() > 50u); // rehydrated ones were respawned
}

BOOST_AUTO_TEST_CASE(commands_keep_their_order_across_passivation) {
  // Two actors alive for six busy accounts: actors are passivated while
  // they still hold commands. Each account gets deposit k, then withdraw
  // k, round after round; a withdrawal run before its deposit would be
  // refused (no overdraft), so every command succeeds only if each
  // account's commands run in the order they were sent.
  router_config rcfg;
  rcfg.max_alive = 2;
  rcfg.min_idle_to_evict = std::chrono::milliseconds{0}; // strict LRU
  auto router = make_router(rcfg);
  constexpr int accounts = 6;
  constexpr int rounds = 40;
  for (int a = 0; a < accounts; ++a)
    BOOST_REQUIRE(call(router, make_command("q" + std::to_string(a),
                                            test_domain::open_account{"Q"})));
  caf::scoped_actor self{*sys};
  for (int r = 1; r <= rounds; ++r)
    for (int a = 0; a < accounts; ++a) {
      auto id = "q" + std::to_string(a);
      self->send(router, command_atom::value,
                 make_command(id, test_domain::deposit{r}));
      self->send(router, command_atom::value,
                 make_command(id, test_domain::withdraw{r}));
    }
  size_t ok = 0;
  size_t n = 0;
  self->receive_for(n, static_cast<size_t>(2 * rounds * accounts))(
    [&](command_result&) { ++ok; },
    [&](caf::error& err) { BOOST_ERROR("command failed: " << to_text(err)); });
  BOOST_TEST(ok == static_cast<size_t>(2 * rounds * accounts));
  for (int a = 0; a < accounts; ++a) {
    auto acc = load("q" + std::to_string(a));
    BOOST_TEST(acc.version() == 1 + 2 * rounds);
    BOOST_TEST(acc.state().balance == 0);
  }
  BOOST_TEST(stats->passivated.load() > 0u);
}

BOOST_AUTO_TEST_CASE(idle_aggregates_are_passivated) {
  router_config rcfg;
  rcfg.idle_timeout = std::chrono::milliseconds{50};
  rcfg.tick_interval = std::chrono::milliseconds{10};
  auto router = make_router(rcfg);
  BOOST_REQUIRE(call(router, make_command("i1", test_domain::open_account{"I"})));
  // Not "alive right after the command": on a loaded machine 50 ms may
  // pass before anyone looks. One actor was spawned, and goes idle.
  BOOST_TEST(stats->spawned.load() == 1u);
  BOOST_TEST(eventually([&] {
    return stats->alive.load() == 0u && stats->passivated.load() == 1u;
  }));
  // The next command spawns it again, from its events.
  auto res = call(router, make_command("i1", test_domain::deposit{3}));
  BOOST_REQUIRE_MESSAGE(res, why(res));
  BOOST_TEST(res->version == 2);
  BOOST_TEST(stats->spawned.load() == 2u);
}

BOOST_AUTO_TEST_CASE(a_repeated_command_id_returns_the_first_result) {
  auto router = make_router();
  BOOST_REQUIRE(call(router, make_command("r1", test_domain::open_account{"R"})));
  auto deposit = make_command("r1", test_domain::deposit{5});
  auto first = call(router, deposit);
  BOOST_REQUIRE(first);
  BOOST_REQUIRE(call(router, make_command("r1", test_domain::deposit{1})));
  auto before = *store->last_position();
  auto appends_before = ctx.writer.stats->appends.load();
  // The same command again: to the live actor, then to a fresh one that
  // learns it from the events' causation ids.
  for (auto r : {router, make_router()}) {
    auto again = call(r, deposit);
    check_same_answer(*first, again);
  }
  BOOST_TEST(*store->last_position() == before);
  // Answered from memory: nothing even reached the store.
  BOOST_TEST(ctx.writer.stats->appends.load() == appends_before);
  BOOST_TEST(load("r1").state().balance == 6);
}

BOOST_AUTO_TEST_CASE(an_old_repeat_is_answered_from_the_store_record) {
  auto router = make_router();
  BOOST_REQUIRE(call(router, make_command("r2", test_domain::open_account{"R"})));
  auto deposit = make_command("r2", test_domain::deposit{5});
  auto first = call(router, deposit);
  BOOST_REQUIRE(first);
  // Enough later commands that no actor remembers the first one.
  for (int i = 0; i < 100; ++i)
    BOOST_REQUIRE(call(router, make_command("r2", test_domain::deposit{1})));
  auto before = *store->last_position();
  auto appends_before = ctx.writer.stats->appends.load();
  auto again = call(make_router(), deposit);
  check_same_answer(*first, again);
  BOOST_TEST(*store->last_position() == before);
  // The fresh actor no longer remembered it: the store refused the append.
  BOOST_TEST(ctx.writer.stats->appends.load() == appends_before + 1);
  auto record = store->find_command(deposit.command_id);
  BOOST_REQUIRE(record);
  BOOST_REQUIRE(record->has_value());
  BOOST_TEST((*record)->version == first->version);
}

BOOST_AUTO_TEST_CASE(a_repeat_after_100_later_commands_gets_the_first_answer) {
  auto router = make_router();
  BOOST_REQUIRE(call(router, make_command("w1", test_domain::open_account{"W"})));
  BOOST_REQUIRE(call(router, make_command("w1", test_domain::deposit{100})));
  auto withdrawal = make_command("w1", test_domain::withdraw{100});
  auto first = call(router, withdrawal);
  BOOST_REQUIRE_MESSAGE(first, why(first));
  // 100 later commands that write: the actor no longer remembers the
  // withdrawal, and the balance (0) would refuse it if it were decided
  // again (insufficient_funds, as the old code answered).
  for (int i = 0; i < 50; ++i) {
    BOOST_REQUIRE(call(router, make_command("w1", test_domain::deposit{1})));
    BOOST_REQUIRE(call(router, make_command("w1", test_domain::withdraw{1})));
  }
  auto before = *store->last_position();
  // To the live actor, then to a fresh one that rehydrates.
  for (auto r : {router, make_router()}) {
    auto again = call(r, withdrawal);
    check_same_answer(*first, again);
  }
  BOOST_TEST(*store->last_position() == before);
  BOOST_TEST(load("w1").state().balance == 0);
}

BOOST_AUTO_TEST_CASE(a_refused_command_leaves_no_record_and_is_decided_again) {
  // docs/commands.md: only commands that wrote events are recorded. A
  // repeat of a refused one is decided again, on the state it finds.
  auto router = make_router();
  BOOST_REQUIRE(call(router, make_command("w2", test_domain::open_account{"W"})));
  auto withdrawal = make_command("w2", test_domain::withdraw{10});
  auto refused = call(router, withdrawal);
  BOOST_REQUIRE(!refused);
  BOOST_TEST(is_business_error(refused.error()));
  auto record = store->find_command(withdrawal.command_id);
  BOOST_REQUIRE(record);
  BOOST_TEST(!record->has_value());
  BOOST_REQUIRE(call(router, make_command("w2", test_domain::deposit{10})));
  auto again = call(router, withdrawal);
  BOOST_REQUIRE_MESSAGE(again, why(again));
  BOOST_TEST(again->version == 3);
  // From then on it is a command that wrote: its repeats get this answer.
  for (int i = 0; i < 70; ++i)
    BOOST_REQUIRE(call(router, make_command("w2", test_domain::deposit{1})));
  auto third = call(router, withdrawal);
  BOOST_REQUIRE_MESSAGE(third, why(third));
  BOOST_TEST(third->version == again->version);
  BOOST_TEST(third->position == again->position);
  BOOST_TEST(load("w2").state().balance == 70);
}

BOOST_AUTO_TEST_CASE(commands_for_another_aggregate_type_are_refused) {
  auto router = make_router();
  auto env = make_command("x", test_domain::open_account{"X"});
  env.aggregate_type = "order";
  auto res = call(router, env);
  BOOST_REQUIRE(!res);
  BOOST_TEST(code_of(res.error()) == errc::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(overload_is_refused_at_once_and_loses_nothing) {
  persistence_config pcfg;
  pcfg.max_queued_appends = 4;
  router_fixture f{pcfg};
  // The writer's store holds every append at its gate until the test opens
  // it: the queue fills up for certain, and stays full.
  auto gated = std::make_shared<gated_store>();
  gate_opener opener{gated->gate};
  caf::anon_send_exit(f.ctx.writer.actor, caf::exit_reason::user_shutdown);
  f.ctx.writer = spawn_persistence(*f.sys, gated, pcfg);
  auto router = f.make_router();
  constexpr size_t accounts = 200;
  constexpr size_t admitted = 4; // max_queued_appends
  caf::scoped_actor self{*f.sys};
  for (size_t a = 0; a < accounts; ++a)
    self->send(router, command_atom::value,
               f.make_command("o" + std::to_string(a),
                              test_domain::open_account{"O"}));
  size_t ok = 0;
  size_t overloaded = 0;
  auto on_ok = [&](command_result&) { ++ok; };
  auto on_error = [&](caf::error& err) {
    if (code_of(err) == errc::overloaded)
      ++overloaded;
    else
      BOOST_ERROR("unexpected: " << to_text(err));
  };
  // Refused at once: every command beyond the queue is answered while the
  // store has not finished a single append.
  size_t n = 0;
  self->receive_for(n, accounts - admitted)(
    on_ok, on_error, caf::after(std::chrono::seconds{30}) >> [&] {
      BOOST_ERROR("commands beyond the queue were not refused at once");
      n = accounts;
    });
  BOOST_TEST(overloaded == accounts - admitted);
  BOOST_TEST(ok == 0u);
  // Nothing lost: the admitted ones commit once the store moves.
  gated->gate.open();
  n = 0;
  self->receive_for(n, admitted)(
    on_ok, on_error, caf::after(std::chrono::seconds{30}) >> [&] {
      BOOST_ERROR("an admitted command was never answered");
      n = admitted;
    });
  BOOST_TEST_MESSAGE(ok << " accepted, " << overloaded << " overloaded");
  BOOST_TEST(ok == admitted);
  BOOST_TEST(ok + overloaded == accounts);
  // Everything accepted is stored, nothing else.
  BOOST_TEST(*gated->last_position() == static_cast<int64_t>(ok));
}
