// The command bus: routing by type, middleware, timeouts.

#include <boost/test/unit_test.hpp>

#include "actor_fixture.hpp"
#include "mink/actors/command_bus.hpp"
#include "mink/actors/command_client.hpp"
#include "mink/command/append_command.hpp"
#include "mink/command/declared_commands.hpp"
#include "mink/serialization/describe.hpp"
#include "mink/uuid.hpp"
#include "mink/command/middleware/correlation.hpp"
#include "mink/command/middleware/recovery.hpp"
#include "mink/command/middleware/validation.hpp"

using namespace mink;
using namespace mink::testing;

namespace {

/// Takes commands and never answers them.
command_handler_actor::behavior_type
silent_router(command_handler_actor::pointer self) {
  return {
    [self](command_atom, command_envelope&) {
      return self->make_response_promise<command_result>();
    },
  };
}

using bus_fixture = actor_fixture;

namespace routed {
struct ping {};
MINK_COMMAND(ping)
struct pong { int64_t n = 0; };
MINK_COMMAND(pong, n)
struct decider {
  using command_type = std::variant<ping, pong>;
};
struct pinged {};
MINK_EVENT(pinged, "Pinged")
struct with_events : decider {
  using event_type = std::variant<pinged>;
  static constexpr const char* category = "pingable";
};
} // namespace routed

/// The test account under category `account`, for append commands.
struct categorized_account : test_domain::account_decider {
  static constexpr const char* category = "account";
};

command_envelope typed(command_envelope env, std::string type) {
  env.type = std::move(type);
  return env;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(command_bus, bus_fixture)

BOOST_AUTO_TEST_CASE(commands_reach_their_aggregate_through_the_pipeline) {
  auto router = actors.add(spawn_router<test_domain::account_decider>(
    *sys, "account", ctx, {}, std::make_shared<router_stats>()));
  command_bus_config cfg;
  for (auto type : {"open_account", "deposit"})
    cfg.routes[type] = router;
  cfg.pipeline.use(exception_recovery()).use(validation()).use(correlation());
  auto bus = actors.add(spawn_command_bus(*sys, cfg));
  auto open = typed(make_command("k1", test_domain::open_account{"K"}),
                    "open_account");
  open.meta.correlation_id.clear();
  auto command_id = open.command_id;
  auto res = call(bus, open);
  BOOST_REQUIRE_MESSAGE(res, (res ? "" : to_text(res.error())));
  BOOST_TEST(res->version == 1);
  auto dep = call(bus, typed(make_command("k1", test_domain::deposit{4}), "deposit"));
  BOOST_REQUIRE(dep);
  BOOST_TEST(dep->version == 2);
  // The correlation middleware started a chain at the first command.
  auto events = store->read_stream("account-k1", 1, 10);
  BOOST_REQUIRE(events);
  BOOST_TEST(events->front().meta.correlation_id == command_id);
  BOOST_TEST(events->front().meta.causation_id == command_id);
}

BOOST_AUTO_TEST_CASE(a_dropped_command_client_leaves_its_bus_running) {
  // Found by a benchmark that made a client per run: the client's bridge
  // actor was linked to the bus, and when a dropped client's bridge ended
  // (unreachable, after its last timeout sweep) it took the bus along.
  auto router = actors.add(spawn_router<test_domain::account_decider>(
    *sys, "account", ctx, {}, std::make_shared<router_stats>()));
  BOOST_REQUIRE(call(router, make_command("c1", test_domain::open_account{"C"})));
  // Actors now: the fixture's, the router and c1's aggregate.
  auto running = [&] { return sys->registry().running(); };
  auto before = running();
  std::atomic<bool> succeeded{false};
  std::atomic<bool> failed{false};
  {
    command_client client{*sys, router, std::chrono::seconds{30}};
    BOOST_REQUIRE_EQUAL(running(), before + 1); // its bridge
    auto res = client.send_wait(make_command("c1", test_domain::deposit{1}));
    BOOST_REQUIRE_MESSAGE(res, (res ? "" : to_text(res.error())));
    // One still in flight when the client goes gets its answer.
    client.send(make_command("c1", test_domain::deposit{1}),
                [&](caf::expected<command_result> r) {
                  (r ? succeeded : failed) = true;
                });
  }
  BOOST_REQUIRE(eventually([&] { return succeeded || failed; }));
  BOOST_CHECK(succeeded);
  // The bridge ends once nothing refers to it.
  BOOST_REQUIRE(eventually([&] { return running() <= before; }));
  auto res = call(router, make_command("c1", test_domain::deposit{1}));
  BOOST_REQUIRE_MESSAGE(res, (res ? "" : to_text(res.error())));
  BOOST_TEST(res->version == 4);
  BOOST_TEST(running() == before);
}

BOOST_AUTO_TEST_CASE(a_client_answers_its_waiting_callers_when_the_bus_goes) {
  auto silent = sys->spawn(silent_router);
  command_client client{*sys, silent, std::chrono::minutes{10}};
  std::atomic<int> unavailable{0};
  for (int i = 0; i < 3; ++i)
    client.send(make_command("s" + std::to_string(i),
                             test_domain::deposit{1}),
                [&](caf::expected<command_result> r) {
                  if (!r && code_of(r.error()) == errc::store_unavailable)
                    ++unavailable;
                });
  caf::anon_send_exit(silent, caf::exit_reason::user_shutdown);
  BOOST_CHECK(eventually([&] { return unavailable.load() == 3; }));
}

BOOST_AUTO_TEST_CASE(an_unknown_command_type_is_named_in_the_error) {
  auto bus = actors.add(spawn_command_bus(*sys, {}));
  auto res = call(bus, typed(make_command("u1", test_domain::deposit{1}), "teleport"));
  BOOST_REQUIRE(!res);
  BOOST_TEST(code_of(res.error()) == errc::invalid_argument);
  BOOST_TEST(to_text(res.error()).find("teleport") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(route_adds_every_declared_command_and_the_append_command) {
  command_bus_config cfg;
  command_handler_actor router = actors.add(sys->spawn(silent_router));
  BOOST_REQUIRE(!route<routed::decider>(cfg, router));
  BOOST_TEST(cfg.routes.size() == 2u);
  BOOST_TEST(cfg.routes.count("ping") == 1u);
  BOOST_TEST(cfg.routes.count("pong") == 1u);
  auto again = route<routed::decider>(cfg, router);
  BOOST_TEST(code_of(again) == errc::invalid_argument);
  BOOST_TEST(to_text(again).find("'ping' is routed already")
             != std::string::npos);
  // A decider with events and a category also takes append commands.
  command_bus_config with_events;
  BOOST_REQUIRE(!route<routed::with_events>(with_events, router));
  BOOST_TEST(with_events.routes.size() == 3u);
  BOOST_TEST(with_events.routes.count("mink.append.pingable") == 1u);
}

BOOST_AUTO_TEST_CASE(an_append_writes_its_events_once_the_decider_sees_them) {
  auto router = actors.add(spawn_router<test_domain::account_decider>(
    *sys, "account", ctx, {}, std::make_shared<router_stats>()));
  command_bus_config cfg;
  cfg.routes["account_command"] = router;
  cfg.routes[append_command_name("account")] = router;
  auto bus = actors.add(spawn_command_bus(*sys, cfg));
  BOOST_REQUIRE(call(bus, make_command("p1", test_domain::open_account{"P"})));
  auto id = make_uuid();
  auto append = make_append_command<categorized_account>(
    "p1", {test_domain::money_deposited{7}, test_domain::money_deposited{5}},
    id);
  BOOST_TEST(append.type == "mink.append.account");
  auto first = call(bus, append);
  BOOST_REQUIRE_MESSAGE(first, (first ? "" : to_text(first.error())));
  BOOST_TEST(first->version == 3);
  // The same command id again writes nothing and gives the same answer.
  auto again = call(bus, append);
  BOOST_REQUIRE(again);
  BOOST_TEST(again->version == 3);
  BOOST_TEST(again->position == first->position);
  auto events = store->read_stream("account-p1", 1, 10);
  BOOST_REQUIRE(events);
  BOOST_REQUIRE_EQUAL(events->size(), 3u);
  BOOST_TEST(events->at(1).type == "MoneyDeposited");
  BOOST_TEST(events->at(2).meta.causation_id == id);
  // The decider's state has them: 12 may go, one more cent may not.
  auto take = call(bus, make_command("p1", test_domain::withdraw{12}));
  BOOST_REQUIRE(take);
  BOOST_TEST(take->version == 4);
  auto more = call(bus, make_command("p1", test_domain::withdraw{1}));
  BOOST_REQUIRE(!more);
  BOOST_TEST(test_domain::describe(more.error()).find("insufficient_funds")
             != std::string::npos);
}

BOOST_AUTO_TEST_CASE(invalid_commands_never_reach_a_router) {
  command_bus_config cfg;
  cfg.routes["deposit"] = actors.add(sys->spawn(silent_router));
  cfg.pipeline.use(validation());
  auto bus = actors.add(spawn_command_bus(*sys, cfg));
  auto cmd = typed(make_command("v1", test_domain::deposit{1}), "deposit");
  cmd.aggregate_id.clear();
  auto res = call(bus, cmd);
  BOOST_REQUIRE(!res);
  BOOST_TEST(code_of(res.error()) == errc::invalid_argument);
}

BOOST_AUTO_TEST_CASE(a_router_that_does_not_answer_times_out) {
  command_bus_config cfg;
  cfg.routes["deposit"] = actors.add(sys->spawn(silent_router));
  cfg.timeout = std::chrono::milliseconds{50};
  auto bus = actors.add(spawn_command_bus(*sys, cfg));
  auto res = call(bus, typed(make_command("t1", test_domain::deposit{1}), "deposit"));
  BOOST_REQUIRE(!res);
  BOOST_TEST(code_of(res.error()) == errc::timeout);
}

BOOST_AUTO_TEST_SUITE_END()
