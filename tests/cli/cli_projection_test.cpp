// Projection controls through the CLI: stored requests, unknown names, dead
// letters, and a projection engine running in this process obeying them.

#include "cli_fixture.hpp"

#include <atomic>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include "mink/actors/projection_engine.hpp"
#include "mink/adapters/sqlite/sqlite_checkpoint_store.hpp"

using namespace mink;
using namespace mink::cli_test;

namespace {

/// Counts the events it applied; a rebuild clears the count.
class counter : public async_projection {
public:
  std::string name() const override { return "counter"; }

  caf::error handle(const std::vector<recorded_event>& events) override {
    applied += static_cast<int64_t>(events.size());
    return {};
  }

  caf::error clear() override {
    applied = 0;
    ++clears;
    return {};
  }

  std::atomic<int64_t> applied{0};
  std::atomic<int> clears{0};
};

struct projection_fixture : sqlite_fixture {
  std::unique_ptr<checkpoint_store> open_checkpoints() {
    auto ck = sqlite_checkpoint_store::open(config());
    BOOST_REQUIRE(static_cast<bool>(ck));
    return std::move(*ck);
  }

  projection_record record(checkpoint_store& ck, const std::string& name) {
    auto rec = ck.load(name);
    BOOST_REQUIRE(rec && *rec);
    return **rec;
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(cli_projections, projection_fixture)

BOOST_AUTO_TEST_CASE(controls_are_stored_for_the_runner) {
  auto store = open_store();
  append(*store, "account-1", 10);
  auto ck = open_checkpoints();
  BOOST_REQUIRE(static_cast<bool>(ck->ensure("balances")));
  BOOST_REQUIRE(!ck->save("balances", 0, 7));
  auto list = mink({"projections", "list"});
  CLI_CHECK_EXIT(list, 0);
  BOOST_TEST(contains(list.out, "balances\tstopped\trunning\t7\t3\t-\t-\t-"));
  BOOST_TEST(contains(list.out, "head position: 10"));
  CLI_CHECK_EXIT(mink({"projections", "pause", "balances"}), 0);
  BOOST_TEST((record(*ck, "balances").desired == projection_desired::paused));
  CLI_CHECK_EXIT(mink({"projections", "resume", "balances"}), 0);
  BOOST_TEST((record(*ck, "balances").desired == projection_desired::running));
  CLI_CHECK_EXIT(mink({"projections", "reset", "balances", "--to", "3"}), 0);
  BOOST_TEST((record(*ck, "balances").reset_to == std::optional<int64_t>{3}));
  auto too_far = mink({"projections", "reset", "balances", "--to", "11"});
  CLI_CHECK_EXIT(too_far, 2);
  BOOST_TEST(contains(too_far.err, "the last position is 10"));
  CLI_CHECK_EXIT(mink({"projections", "rebuild", "balances"}), 0);
  BOOST_TEST(record(*ck, "balances").rebuild_requested);
  auto pending = mink({"projections", "list"});
  BOOST_TEST(contains(pending.out, "reset_to=3,rebuild"));
}

BOOST_AUTO_TEST_CASE(unknown_projections_are_errors) {
  open_store();
  for (auto args : std::vector<std::vector<std::string>>{
         {"projections", "pause", "nope"},
         {"projections", "resume", "nope"},
         {"projections", "reset", "nope", "--to", "0"},
         {"projections", "rebuild", "nope"},
         {"projections", "dead-letters", "list", "nope"},
         {"projections", "dead-letters", "replay", "nope", "1"}}) {
    BOOST_TEST_CONTEXT(args[1]) {
      auto res = mink(args);
      CLI_CHECK_EXIT(res, 1);
      BOOST_TEST(contains(res.err, "unknown projection 'nope'"));
    }
  }
}

BOOST_AUTO_TEST_CASE(dead_letters_list_replay_and_remove) {
  auto store = open_store();
  append(*store, "account-1", 3);
  auto ck = open_checkpoints();
  BOOST_REQUIRE(static_cast<bool>(ck->ensure("balances")));
  auto events = store->read_all(1, 3);
  BOOST_REQUIRE(static_cast<bool>(events));
  BOOST_REQUIRE(!ck->park("balances", (*events)[1], "bad amount"));
  auto list = mink({"projections", "dead-letters", "list"});
  CLI_CHECK_EXIT(list, 0);
  BOOST_TEST(contains(list.out, "balances\t2\taccount-1\tdeposited\t"));
  BOOST_TEST(contains(list.out, "\t-\tbad amount"));
  CLI_CHECK_EXIT(mink({"projections", "dead-letters", "replay", "balances",
                       "2"}),
                 0);
  auto letters = ck->dead_letters("balances", 10);
  BOOST_REQUIRE(letters && letters->size() == 1);
  BOOST_TEST(letters->front().replay_requested);
  auto missing = mink({"projections", "dead-letters", "replay", "balances",
                       "3"});
  CLI_CHECK_EXIT(missing, 1);
  CLI_CHECK_EXIT(mink({"projections", "dead-letters", "remove", "balances",
                       "2"}),
                 0);
  letters = ck->dead_letters("balances", 10);
  BOOST_REQUIRE(static_cast<bool>(letters));
  BOOST_TEST(letters->empty());
}

BOOST_AUTO_TEST_CASE(a_running_engine_obeys_the_cli) {
  std::shared_ptr<event_store> store{open_store()};
  append(*store, "account-1", 50);
  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", 2);
  caf::actor_system sys{cfg};
  std::shared_ptr<checkpoint_store> ck{open_checkpoints()};
  runner_config rcfg;
  rcfg.control_interval = std::chrono::milliseconds{50};
  rcfg.report_interval = std::chrono::milliseconds{100};
  projection_engine engine{sys, store, ck, {}, rcfg};
  auto proj = std::make_shared<counter>();
  BOOST_REQUIRE(!engine.add(proj));
  auto state = [&] { return engine.status("counter")->state(); };
  auto position = [&] { return engine.status("counter")->position(); };
  BOOST_REQUIRE(eventually([&] { return position() == 50; }));
  BOOST_REQUIRE(eventually([&] {
    auto list = mink({"projections", "list"});
    return contains(list.out, "counter\trunning\trunning\t50\t0");
  }));
  // Pause: new events are not applied until resumed.
  CLI_CHECK_EXIT(mink({"projections", "pause", "counter"}), 0);
  BOOST_REQUIRE(eventually([&] { return state() == projection_state::paused; }));
  append(*store, "account-2", 5);
  BOOST_REQUIRE(eventually([&] {
    return contains(mink({"projections", "list"}).out,
                    "counter\tpaused\tpaused\t50\t5");
  }));
  BOOST_TEST(position() == 50);
  CLI_CHECK_EXIT(mink({"projections", "resume", "counter"}), 0);
  BOOST_REQUIRE(eventually([&] { return position() == 55; }));
  BOOST_TEST(proj->applied == 55);
  // Reset to 45: ten events again.
  CLI_CHECK_EXIT(mink({"projections", "reset", "counter", "--to", "45"}), 0);
  BOOST_REQUIRE(eventually([&] { return proj->applied == 65; }));
  BOOST_REQUIRE(eventually([&] { return position() == 55; }));
  BOOST_TEST(proj->applied == 65);
  // Rebuild and wait: cleared once, every event applied once more.
  auto rebuilt = mink({"projections", "rebuild", "counter", "--wait",
                       "--timeout", "60"});
  CLI_CHECK_EXIT(rebuilt, 0);
  BOOST_TEST(contains(rebuilt.out, "rebuilt counter up to position 55"));
  BOOST_TEST(contains(rebuilt.err, "rebuild counter: done"));
  BOOST_TEST(proj->clears == 1);
  BOOST_REQUIRE(eventually([&] { return position() == 55; }));
  BOOST_TEST(proj->applied == 55);
  auto diag = mink({"diagnose"});
  CLI_CHECK_EXIT(diag, 0);
  engine.stop();
}

BOOST_AUTO_TEST_CASE(rebuild_wait_gives_up_after_its_timeout) {
  auto store = open_store();
  append(*store, "account-1", 3);
  auto ck = open_checkpoints();
  BOOST_REQUIRE(static_cast<bool>(ck->ensure("idle")));
  // No runner: the request stays pending.
  auto res = mink({"projections", "rebuild", "idle", "--wait", "--timeout",
                   "0.3"});
  CLI_CHECK_EXIT(res, 1);
  BOOST_TEST(contains(res.err, "timed out waiting for the rebuild of idle"));
  BOOST_TEST(contains(res.err, "no runner reports for idle"));
}

BOOST_AUTO_TEST_SUITE_END()
