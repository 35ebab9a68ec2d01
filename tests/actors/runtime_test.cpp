// The runtime: one call wires stores, actors, command bus and projection
// engine; commands reach their aggregate; misuse is refused by name.

#include <boost/test/unit_test.hpp>

#include "../support/error_text.hpp"
#include "actor_fixture.hpp" // operator<< for errc
#include "../support/test_account.hpp"
#include "mink/actors/runtime.hpp"
#include "mink/errc.hpp"

using namespace mink;
using mink::test_support::why;

namespace {

struct runtime_fixture {
  std::shared_ptr<event_registry> registry
    = std::make_shared<event_registry>();
  runtime_config cfg;

  runtime_fixture() {
    BOOST_REQUIRE(!test_domain::register_events(*registry));
    auto where = parse_store_url("memory:");
    BOOST_REQUIRE(where);
    cfg.store = *where;
    cfg.threads = 2;
  }

  /// A runtime with the test account's router and the command bus running.
  std::unique_ptr<runtime> started() {
    auto rt = runtime::start(cfg, registry);
    BOOST_REQUIRE_MESSAGE(rt, why(rt));
    BOOST_REQUIRE((*rt)->add_aggregate<test_domain::account_decider>(
      "account", {"account_command"}));
    BOOST_REQUIRE(!(*rt)->start_commands({}));
    return std::move(*rt);
  }
};

/// A projection that fails on every event and faults at once.
struct failing_projection : async_projection {
  std::string name() const override {
    return "always-fails";
  }

  error_policy policy() const override {
    error_policy x;
    x.action = error_action::fault;
    return x;
  }

  caf::error handle(const std::vector<recorded_event>&) override {
    return make_error(errc::handler_failed, "the read model is gone");
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(runtime_tests, runtime_fixture)

BOOST_AUTO_TEST_CASE(commands_reach_their_aggregate_and_are_stored) {
  auto rt = runtime::start(cfg, registry);
  BOOST_REQUIRE_MESSAGE(rt, why(rt));
  auto stats = (*rt)->add_aggregate<test_domain::account_decider>(
    "account", {"account_command"});
  BOOST_REQUIRE_MESSAGE(stats, why(stats));
  BOOST_REQUIRE(!(*rt)->commands());
  BOOST_REQUIRE(!(*rt)->start_commands({}));
  auto client = (*rt)->commands();
  BOOST_REQUIRE(client);
  auto opened = client->send_wait(
    test_domain::make_command("r1", test_domain::open_account{"R"}));
  BOOST_REQUIRE_MESSAGE(opened, why(opened));
  auto deposited = client->send_wait(
    test_domain::make_command("r1", test_domain::deposit{25}));
  BOOST_REQUIRE_MESSAGE(deposited, why(deposited));
  BOOST_TEST(deposited->version == 2);
  auto events = (*rt)->stores().events->read_stream("account-r1", 1, 10);
  BOOST_REQUIRE(events);
  BOOST_TEST(events->size() == 2u);
  BOOST_TEST((*stats)->spawned.load() == 1u);
  BOOST_TEST((*rt)->routers().count("account") == 1u);
  (*rt)->stop();
  (*rt)->stop(); // idempotent
}

BOOST_AUTO_TEST_CASE(misuse_is_refused_by_name) {
  auto rt = runtime::start(cfg, registry);
  BOOST_REQUIRE_MESSAGE(rt, why(rt));
  auto& r = **rt;
  BOOST_REQUIRE(r.add_aggregate<test_domain::account_decider>(
    "account", {"account_command"}));
  auto twice = r.add_aggregate<test_domain::account_decider>("account", {});
  BOOST_REQUIRE(!twice);
  BOOST_TEST(code_of(twice.error()) == errc::invalid_argument);
  BOOST_TEST(to_text(twice.error()).find("'account' added twice")
             != std::string::npos);
  auto routed = r.add_aggregate<test_domain::account_decider>(
    "other", {"account_command"});
  BOOST_REQUIRE(!routed);
  BOOST_TEST(to_text(routed.error()).find("'account_command' is routed")
             != std::string::npos);
  BOOST_REQUIRE(!r.start_commands({}));
  auto again = r.start_commands({});
  BOOST_TEST(code_of(again) == errc::invalid_argument);
  auto late = r.add_aggregate<test_domain::account_decider>("late", {"x"});
  BOOST_REQUIRE(!late);
  BOOST_TEST(to_text(late.error()).find("after start_commands")
             != std::string::npos);
}

BOOST_AUTO_TEST_CASE(health_names_a_faulted_projection) {
  auto rt = started();
  auto& r = *rt;
  auto before = r.health();
  BOOST_TEST(before.healthy(), before.reason());
  BOOST_TEST(before.checks.size() == 2u); // store, committer
  BOOST_REQUIRE(!r.projections().add(std::make_shared<failing_projection>()));
  BOOST_REQUIRE(r.commands()->send_wait(
    test_domain::make_command("h1", test_domain::open_account{"H"})));
  BOOST_REQUIRE(testing::eventually([&] { return !r.health().healthy(); }));
  auto after = r.health();
  BOOST_TEST(after.position == 1);
  BOOST_TEST(after.reason()
               == "projection always-fails: faulted: event at position 1 "
                  "(AccountOpened of account-h1): handler_failed: the read "
                  "model is gone",
             after.reason());
  r.stop();
  BOOST_TEST(!r.health().healthy());
}

BOOST_AUTO_TEST_CASE(a_store_that_cannot_open_stops_the_start) {
  auto where = parse_store_url("sqlite:/etc/passwd/y.db");
  BOOST_REQUIRE(where);
  cfg.store = *where;
  auto rt = runtime::start(cfg, registry);
  BOOST_REQUIRE(!rt);
  BOOST_TEST(code_of(rt.error()) != errc::none);
  BOOST_TEST(!runtime::start(cfg, nullptr));
}

BOOST_AUTO_TEST_SUITE_END()
