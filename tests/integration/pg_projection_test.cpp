// Projections on PostgreSQL across processes: exactly-once SQL read models
// while two processes write and the runner is killed mid-batch; controls
// from another process; takeover when the runner's process dies; a poison
// event under the skip and fault policies.

#include <boost/test/unit_test.hpp>

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <caf/all.hpp>
#include <libpq-fe.h>
#include <soci/soci.h>

#include "mink/actors/projection_engine.hpp"
#include "mink/errc.hpp"
#include "mink/adapters/postgres/postgres_checkpoint_store.hpp"
#include "mink/adapters/postgres/postgres_event_store.hpp"
#include "../support/eventually.hpp"
#include "../support/pg_test_env.hpp"

using namespace mink;
using namespace mink::test_support;
using namespace std::chrono_literals;

namespace {

postgres_config config(const std::string& schema) {
  return pg_test_config(schema, 2);
}

int64_t query_int(const std::string& sql) {
  auto x = pg_test_query(sql);
  return x.empty() ? -1 : std::stoll(x);
}

/// Records every position it applies in `<schema>.proj_seen`, one
/// set-based statement per batch. No unique key on purpose: an event
/// applied twice shows as a duplicate row. Fails on events of type
/// `poison`; sleeps `delay` inside the transaction after writing, so a
/// kill lands mid-batch.
class seen_projection : public sql_projection {
public:
  seen_projection(std::string schema, std::string name, error_policy policy,
                  std::chrono::milliseconds delay = 0ms)
    : schema_(std::move(schema)),
      name_(std::move(name)),
      policy_(policy),
      delay_(delay) {
    // nop
  }

  std::string name() const override { return name_; }

  error_policy policy() const override { return policy_; }

  caf::error setup(soci::session& sql) override {
    sql << "CREATE TABLE IF NOT EXISTS " + table() + " (position bigint NOT NULL)";
    return {};
  }

  caf::error handle(soci::session& sql,
                    const std::vector<recorded_event>& events) override {
    std::string positions = "{";
    for (const auto& ev : events) {
      if (ev.type == "poison")
        return make_error(errc::invalid_argument,
                          "poison at " + std::to_string(ev.global_position));
      if (positions.size() > 1)
        positions += ',';
      positions += std::to_string(ev.global_position);
    }
    positions += '}';
    sql << "INSERT INTO " + table()
             + " (position) SELECT unnest(CAST(:p AS bigint[]))",
      soci::use(positions);
    if (delay_.count() > 0)
      std::this_thread::sleep_for(delay_);
    return {};
  }

  caf::error clear(soci::session& sql) override {
    sql << "DELETE FROM " + table();
    return {};
  }

  std::string table() const { return schema_ + ".seen_" + name_; }

private:
  std::string schema_;
  std::string name_;
  error_policy policy_;
  std::chrono::milliseconds delay_;
};

struct pg_projection_fixture {
  std::string schema = "mink_proj_" + std::to_string(getpid());

  pg_projection_fixture() {
    drop();
    // Migrate once, before any process forks.
    auto store = postgres_event_store::open(config(schema));
    if (!store)
      BOOST_FAIL(to_text(store.error()));
    auto ck = postgres_checkpoint_store::open(config(schema));
    if (!ck)
      BOOST_FAIL(to_text(ck.error()));
  }

  /// The test schema's event store and checkpoint store, opened anew;
  /// both null when either does not open.
  struct store_pair {
    std::shared_ptr<event_store> events;
    std::shared_ptr<checkpoint_store> checkpoints;
  };
  store_pair open_store_pair() const {
    auto store = postgres_event_store::open(config(schema));
    auto ck = postgres_checkpoint_store::open(config(schema));
    if (!store || !ck)
      return {};
    return {std::move(*store), std::move(*ck)};
  }

  /// A projection engine of this process on the test schema, on an actor
  /// system of its own (two scheduler threads).
  struct engine_here {
    caf::actor_system_config cfg;
    std::unique_ptr<caf::actor_system> sys;
    std::unique_ptr<projection_engine> engine;

    engine_here(const store_pair& stores, const runner_config& rcfg) {
      cfg.set("scheduler.max-threads", 2);
      sys = std::make_unique<caf::actor_system>(cfg);
      engine = std::make_unique<projection_engine>(
        *sys, stores.events, stores.checkpoints, feed_actor{}, rcfg);
    }
  };

  ~pg_projection_fixture() {
    // A failed check must not leave a runner looping forever.
    for (auto pid : children)
      kill_and_reap(pid);
    drop();
  }

  /// Processes forked by this test that still run.
  std::vector<pid_t> children;

  void drop() {
    pg_test_drop_schema(schema);
  }

  /// Appends `n` events of `type` spread over streams of `prefix`.
  int64_t append(int n, const std::string& prefix = "acct",
                 const std::string& type = "noted") {
    auto store = postgres_event_store::open(config(schema));
    BOOST_REQUIRE(store);
    int64_t last = 0;
    for (int i = 0; i < n;) {
      std::vector<event_data> events;
      for (int k = 0; k < 10 && i < n; ++k, ++i) {
        event_data e;
        e.type = type;
        e.data = "{}";
        events.push_back(std::move(e));
      }
      auto res = (*store)->append(prefix + "-" + std::to_string(i % 7),
                                  expected_version::any(), std::move(events));
      if (!res)
        BOOST_FAIL("append failed: " << to_text(res.error()));
      last = res->positions.back();
    }
    return last;
  }

  /// Forks a process that runs `projection` (made in the child) until it
  /// is killed. The parent must hold no actor system when it forks.
  pid_t spawn_runner(const std::function<std::shared_ptr<sql_projection>()>& make,
                     runner_config rcfg = {}) {
    auto pid = fork();
    BOOST_REQUIRE(pid >= 0);
    if (pid != 0) {
      children.push_back(pid);
      return pid;
    }
    // Dies with the test process, even when that one is killed.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    {
      auto stores = open_store_pair();
      if (!stores.events)
        _exit(2);
      engine_here here{stores, rcfg};
      auto& engine = *here.engine;
      if (engine.add(make()))
        _exit(3);
      for (;;)
        std::this_thread::sleep_for(1s);
    }
  }

  /// Polls `pred` until it holds, at most `timeout`; returns whether it did.
  static bool wait_for(const std::function<bool()>& pred,
                       std::chrono::seconds timeout = 30s) {
    return test_support::eventually(pred, timeout);
  }

  /// Waits until the stored record of `name` satisfies `pred`.
  bool wait_record(const std::string& name,
                   const std::function<bool(const projection_record&)>& pred,
                   std::chrono::seconds timeout = 30s) {
    auto ck = postgres_checkpoint_store::open(config(schema));
    BOOST_REQUIRE(ck);
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      auto rec = (*ck)->load(name);
      if (rec && *rec && pred(**rec))
        return true;
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }

  void kill_and_reap(pid_t pid) {
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    children.erase(std::remove(children.begin(), children.end(), pid),
                   children.end());
  }
};

runner_config fast_config() {
  runner_config rcfg;
  rcfg.control_interval = 50ms;
  rcfg.lead_retry = 100ms;
  rcfg.report_interval = 100ms;
  rcfg.idle_poll = 20ms;
  rcfg.catchup_batch = 500;
  return rcfg;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(pg_projections, pg_projection_fixture)

BOOST_AUTO_TEST_CASE(exactly_once_with_two_writers_and_a_runner_killed_mid_batch) {
  // Two writer processes, two threads each, appends of 1 to 20 events to
  // 50 streams: transactions start and commit interleaved.
  int start_pipe[2];
  BOOST_REQUIRE(pipe(start_pipe) == 0);
  std::vector<pid_t> writers;
  for (int w = 0; w < 2; ++w) {
    auto pid = fork();
    BOOST_REQUIRE(pid >= 0);
    if (pid == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      close(start_pipe[1]);
      char go;
      if (read(start_pipe[0], &go, 1) != 1)
        _exit(3);
      auto store = postgres_event_store::open(config(schema));
      if (!store)
        _exit(2);
      std::atomic<int> failures{0};
      std::vector<std::thread> threads;
      for (int t = 0; t < 2; ++t)
        threads.emplace_back([&, t] {
          std::mt19937 rng(static_cast<unsigned>(getpid() * 31 + t));
          for (int i = 0; i < 150; ++i) {
            std::vector<event_data> events(1 + rng() % 20);
            for (auto& e : events) {
              e.type = "noted";
              e.data = "{}";
            }
            auto res = (*store)->append("acct-" + std::to_string(rng() % 50),
                                        expected_version::any(),
                                        std::move(events));
            if (!res)
              ++failures;
          }
        });
      for (auto& t : threads)
        t.join();
      _exit(failures == 0 ? 0 : 4);
    }
    writers.push_back(pid);
    children.push_back(pid);
  }
  close(start_pipe[0]);
  auto rcfg = fast_config();
  // The first runner sleeps 100 ms inside each batch's transaction, so
  // the kill lands mid-batch.
  auto runner = spawn_runner(
    [this] {
      return std::make_shared<seen_projection>(schema, "counts",
                                               error_policy{}, 100ms);
    },
    rcfg);
  // Writers go (a byte each: the runner holds the pipe open too).
  BOOST_REQUIRE(write(start_pipe[1], "gg", 2) == 2);
  close(start_pipe[1]);
  // Kill it once it committed a batch, while it works on the next: its
  // rows are written and its transaction waits (the projection's sleep).
  BOOST_REQUIRE(wait_record("counts", [](const projection_record& r) {
    return r.position > 0;
  }));
  BOOST_REQUIRE(wait_for([&] {
    return query_int("SELECT count(*) FROM pg_stat_activity WHERE state = "
                     "'idle in transaction' AND query LIKE 'INSERT INTO "
                     + schema + ".seen_counts %'")
           > 0;
  }));
  kill_and_reap(runner);
  auto at_kill = query_int("SELECT position FROM " + schema
                           + ".projections WHERE name = 'counts'");
  BOOST_TEST_MESSAGE("runner killed at checkpoint "
                     << at_kill << ", "
                     << query_int("SELECT last FROM " + schema + ".positions")
                     << " events written by then");
  runner = spawn_runner(
    [this] {
      return std::make_shared<seen_projection>(schema, "counts",
                                               error_policy{});
    },
    rcfg);
  for (auto pid : writers) {
    int status = 0;
    BOOST_REQUIRE(waitpid(pid, &status, 0) == pid);
    children.erase(std::remove(children.begin(), children.end(), pid),
                   children.end());
    BOOST_REQUIRE_MESSAGE(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                          "writer failed, status " << status);
  }
  auto last = query_int("SELECT last FROM " + schema + ".positions");
  BOOST_TEST_MESSAGE(last << " events written");
  BOOST_CHECK(at_kill > 0 && at_kill < last);
  BOOST_CHECK(wait_record("counts", [&](const projection_record& r) {
    return r.position == last;
  }));
  kill_and_reap(runner);
  auto table = schema + ".seen_counts";
  BOOST_CHECK_EQUAL(query_int("SELECT count(*) FROM " + table), last);
  BOOST_CHECK_EQUAL(query_int("SELECT count(DISTINCT position) FROM " + table),
                    last);
  BOOST_CHECK_EQUAL(query_int("SELECT max(position) FROM " + table), last);
}

BOOST_AUTO_TEST_CASE(controls_from_another_process_and_takeover) {
  auto rcfg = fast_config();
  auto make = [this] {
    return std::make_shared<seen_projection>(schema, "ctl", error_policy{});
  };
  auto last = append(1000);
  auto runner = spawn_runner(make, rcfg);
  BOOST_REQUIRE(wait_record("ctl", [&](const projection_record& r) {
    return r.position == last;
  }));
  auto ck = postgres_checkpoint_store::open(config(schema));
  BOOST_REQUIRE(ck);
  auto& ctl = **ck; // the operator's handle, as the CLI uses
  auto table = schema + ".seen_ctl";
  // Pause: events written meanwhile are not applied.
  BOOST_REQUIRE(!ctl.set_desired("ctl", projection_desired::paused));
  BOOST_REQUIRE(wait_record("ctl", [](const projection_record& r) {
    return r.state == projection_state::paused;
  }));
  // The paused runner sees them (it reports the lag) and leaves them.
  auto more = append(500);
  BOOST_REQUIRE(wait_record("ctl", [&](const projection_record& r) {
    return r.state == projection_state::paused && r.lag_events == more - last;
  }));
  BOOST_CHECK_EQUAL(query_int("SELECT count(*) FROM " + table), last);
  // Resume.
  BOOST_REQUIRE(!ctl.set_desired("ctl", projection_desired::running));
  BOOST_REQUIRE(wait_record("ctl", [&](const projection_record& r) {
    return r.position == more;
  }));
  BOOST_CHECK_EQUAL(query_int("SELECT count(*) FROM " + table), more);
  // Reset to 1200: the 300 events after it are applied again.
  BOOST_REQUIRE(!ctl.request_reset("ctl", 1200));
  BOOST_REQUIRE(wait_record("ctl", [&](const projection_record& r) {
    return !r.reset_to && r.position == more
           && query_int("SELECT count(*) FROM " + table) == more + 300;
  }));
  // Rebuild: cleared and replayed, each event once.
  BOOST_REQUIRE(!ctl.request_rebuild("ctl"));
  BOOST_REQUIRE(wait_record("ctl", [&](const projection_record& r) {
    return !r.rebuild_requested && r.position == more
           && r.state == projection_state::running;
  }));
  BOOST_CHECK_EQUAL(query_int("SELECT count(*) FROM " + table), more);
  BOOST_CHECK_EQUAL(query_int("SELECT count(DISTINCT position) FROM " + table),
                    more);
  // Takeover: this process waits as a standby; the runner's process dies.
  {
    auto stores = open_store_pair();
    BOOST_REQUIRE(stores.events);
    engine_here here{stores, rcfg};
    auto& standby = *here.engine;
    BOOST_REQUIRE(!standby.add(make()));
    // It asked for the lease, twice, and was refused: the runner has it.
    auto st = standby.status("ctl");
    BOOST_REQUIRE(wait_for([&] { return st->lease_refusals() >= 2; }));
    BOOST_CHECK(!st->leader());
    kill_and_reap(runner);
    auto after = append(200);
    BOOST_REQUIRE(!standby.wait_for("ctl", after, 30s));
    BOOST_CHECK(standby.status("ctl")->leader());
    BOOST_CHECK_EQUAL(query_int("SELECT count(*) FROM " + table), after);
    BOOST_CHECK_EQUAL(query_int("SELECT count(DISTINCT position) FROM " + table),
                      after);
  }
}

BOOST_AUTO_TEST_CASE(a_poison_event_under_skip_and_fault) {
  append(20);
  auto poison = append(1, "acct", "poison");
  auto last = append(20);
  error_policy skip;
  skip.action = error_action::skip;
  error_policy fault;
  fault.action = error_action::fault;
  auto stores = open_store_pair();
  BOOST_REQUIRE(stores.events);
  engine_here here{stores, fast_config()};
  auto& engine = *here.engine;
  BOOST_REQUIRE(!engine.add(std::make_shared<seen_projection>(schema, "skipper", skip)));
  BOOST_REQUIRE(!engine.add(std::make_shared<seen_projection>(schema, "faulter", fault)));
  BOOST_REQUIRE(!engine.wait_for("skipper", last, 30s));
  BOOST_CHECK_EQUAL(query_int("SELECT count(*) FROM " + schema + ".seen_skipper"),
                    last - 1);
  auto letters = stores.checkpoints->dead_letters("skipper", 10);
  BOOST_REQUIRE(letters);
  BOOST_REQUIRE_EQUAL(letters->size(), 1u);
  BOOST_CHECK_EQUAL(letters->front().position, poison);
  BOOST_CHECK(letters->front().error.find("poison at") != std::string::npos);
  auto st = engine.status("faulter");
  BOOST_REQUIRE(wait_record("faulter", [&](const projection_record& r) {
    return r.state == projection_state::faulted;
  }));
  BOOST_CHECK_EQUAL(st->position(), poison - 1);
  BOOST_CHECK_EQUAL(query_int("SELECT count(*) FROM " + schema + ".seen_faulter"),
                    poison - 1);
}

BOOST_AUTO_TEST_SUITE_END()
