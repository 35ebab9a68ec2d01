// Aggregate actors on PostgreSQL: many concurrent commands in one process,
// and two processes commanding the same aggregates (conflicts retried, no
// update lost).

#include <boost/test/unit_test.hpp>
#include <caf/all.hpp>

#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include <libpq-fe.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../support/test_account.hpp"
#include "mink/actors/actor_list.hpp"
#include "mink/actors/persistence.hpp"
#include "mink/actors/router.hpp"
#include "mink/actors/store_reader.hpp"
#include "mink/errc.hpp"
#include "mink/adapters/postgres/postgres_event_store.hpp"
#include "mink/uuid.hpp"
#include "../support/pg_test_env.hpp"

using namespace mink;
using namespace mink::test_support;

namespace {

std::shared_ptr<postgres_event_store> open_store(const std::string& schema) {
  auto store = postgres_event_store::open(pg_test_config(schema, 3));
  if (!store)
    return nullptr;
  return std::shared_ptr<postgres_event_store>{std::move(*store)};
}

/// An actor system with the write side of the bank on a PostgreSQL store.
struct bank_service {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::shared_ptr<event_registry> registry = std::make_shared<event_registry>();
  aggregate_context ctx;
  router_actor router;
  /// Stopped before the actor system goes (declared after it).
  actor_list actors;

  explicit bank_service(std::shared_ptr<event_store> store,
                        int max_retries = 5) {
    cfg.set("scheduler.max-threads", 2);
    sys = std::make_unique<caf::actor_system>(cfg);
    if (auto err = test_domain::register_events(*registry))
      std::abort();
    ctx.writer = spawn_persistence(*sys, store);
    ctx.reader = spawn_store_reader(*sys, store, nullptr, 2);
    ctx.registry = registry;
    ctx.retry.max_retries = max_retries;
    router = spawn_router<test_domain::account_decider>(
      *sys, "account", ctx, {}, std::make_shared<router_stats>());
    actors.add(ctx.writer.actor);
    actors.add(ctx.reader);
    actors.add(router);
  }

  static command_envelope command(const std::string& id,
                                  test_domain::account_command cmd) {
    return test_domain::make_command(id, std::move(cmd));
  }

  /// Sends all commands at once; returns (successes, failures by code).
  std::pair<size_t, std::map<std::string, size_t>>
  send_all(std::vector<command_envelope> cmds) {
    caf::scoped_actor self{*sys};
    for (auto& c : cmds)
      self->send(router, command_atom::value, std::move(c));
    size_t ok = 0;
    std::map<std::string, size_t> failed;
    size_t i = 0;
    self->receive_for(i, cmds.size())(
      [&](command_result&) { ++ok; },
      [&](caf::error& err) { ++failed[to_string(code_of(err))]; });
    return {ok, failed};
  }
};

test_domain::account replay_account(event_store& store, const event_registry& reg,
                             const std::string& id) {
  test_domain::account acc;
  auto events = store.read_stream("account-" + id, 1, 1000000);
  BOOST_REQUIRE(events);
  BOOST_REQUIRE(!replay(acc, reg, *events));
  return acc;
}

/// One round of `two_processes_lose_no_update`: two processes, each with
/// its own bank service, deposit 1 into accounts t0..t(accounts-1),
/// `deposits` times, starting together once both are ready. Returns the
/// successes and the retries of both.
std::pair<uint32_t, uint32_t> two_process_round(const std::string& schema,
                                                int accounts, int deposits) {
  int result_pipe[2];
  int ready_pipe[2];
  int start_pipe[2];
  BOOST_REQUIRE(pipe(result_pipe) == 0);
  BOOST_REQUIRE(pipe(ready_pipe) == 0);
  BOOST_REQUIRE(pipe(start_pipe) == 0);
  std::vector<pid_t> children;
  for (int p = 0; p < 2; ++p) {
    auto pid = fork();
    BOOST_REQUIRE(pid >= 0);
    if (pid == 0) {
      close(result_pipe[0]);
      close(ready_pipe[0]);
      close(start_pipe[1]);
      int status = 2;
      {
        auto store = open_store(schema);
        if (store) {
          // Many retries: two processes hammer ten streams.
          bank_service svc{store, 50};
          std::vector<command_envelope> cmds;
          for (int i = 0; i < deposits; ++i)
            cmds.push_back(bank_service::command("t" + std::to_string(i % accounts),
                                                 test_domain::deposit{1}));
          char go;
          if (write(ready_pipe[1], "r", 1) == 1
              && read(start_pipe[0], &go, 1) == 0) {
            auto [ok, failed] = svc.send_all(std::move(cmds));
            // Report successes and retries; only conflicts may fail.
            uint32_t report[2] = {static_cast<uint32_t>(ok),
                                  static_cast<uint32_t>(
                                    svc.ctx.counters->retries.load())};
            status = write(result_pipe[1], report, sizeof(report))
                         == sizeof(report)
                       ? 0
                       : 3;
            for (auto& [code, count] : failed)
              if (code != "wrong_expected_version")
                status = 4;
          }
        }
      }
      _exit(status);
    }
    children.push_back(pid);
  }
  close(result_pipe[1]);
  close(ready_pipe[1]);
  close(start_pipe[0]);
  // Both ready (or gone: read returns 0 and the exit status tells), then
  // go: closing the pipe ends both children's reads at once.
  char ready;
  for (int p = 0; p < 2; ++p)
    if (read(ready_pipe[0], &ready, 1) != 1)
      break;
  close(ready_pipe[0]);
  close(start_pipe[1]);
  for (auto pid : children) {
    int status = 0;
    BOOST_REQUIRE(waitpid(pid, &status, 0) == pid);
    BOOST_REQUIRE_MESSAGE(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                          "command process failed, status " << status);
  }
  uint32_t successes = 0;
  uint32_t retries = 0;
  uint32_t report[2];
  while (read(result_pipe[0], report, sizeof(report)) == sizeof(report)) {
    successes += report[0];
    retries += report[1];
  }
  close(result_pipe[0]);
  return {successes, retries};
}

struct schema_fixture {
  std::string schema = "actors_" + std::to_string(getpid());
  schema_fixture() {
    BOOST_REQUIRE_MESSAGE(!pg_test_conninfo().empty(),
                          "MINK_TEST_PG is not set: run scripts/test.sh");
  }
  ~schema_fixture() { pg_test_drop_schema(schema); }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(postgres_actors, schema_fixture)

BOOST_AUTO_TEST_CASE(ten_thousand_concurrent_commands_over_100_aggregates) {
  auto store = open_store(schema);
  BOOST_REQUIRE(store);
  bank_service svc{store};
  std::vector<command_envelope> opens;
  for (int a = 0; a < 100; ++a)
    opens.push_back(bank_service::command(std::to_string(a),
                                          test_domain::open_account{"O"}));
  auto [opened, open_failed] = svc.send_all(std::move(opens));
  BOOST_REQUIRE(opened == 100u);
  std::vector<command_envelope> deposits;
  std::map<std::string, int64_t> expected;
  for (int i = 0; i < 10000; ++i) {
    auto id = std::to_string(i % 100);
    expected[id] += i + 1;
    deposits.push_back(bank_service::command(id, test_domain::deposit{i + 1}));
  }
  auto [ok, failed] = svc.send_all(std::move(deposits));
  BOOST_TEST(ok == 10000u);
  BOOST_TEST(failed.empty());
  for (auto& [id, balance] : expected) {
    auto acc = replay_account(*store, *svc.registry, id);
    BOOST_TEST(acc.state().balance == balance);
    BOOST_TEST(acc.version() == 101);
  }
  auto& ws = *svc.ctx.writer.stats;
  BOOST_TEST_MESSAGE(ws.appends.load() << " appends in " << ws.batches.load()
                                       << " PostgreSQL transactions");
  BOOST_TEST(ws.batches.load() < ws.appends.load());
}

BOOST_AUTO_TEST_CASE(two_processes_lose_no_update) {
  constexpr int accounts = 10;
  constexpr int deposits = 200; // per process and round
  constexpr int max_rounds = 20;
  {
    // Open the accounts, then close every connection before forking.
    auto store = open_store(schema);
    BOOST_REQUIRE(store);
    auto reg = std::make_shared<event_registry>();
    BOOST_REQUIRE(!test_domain::register_events(*reg));
    for (int a = 0; a < accounts; ++a) {
      auto data = to_event_data(*reg,
                                std::vector<test_domain::account_event>{
                                  test_domain::account_opened{"T"}},
                                {});
      BOOST_REQUIRE(store->append("account-t" + std::to_string(a),
                                  expected_version::no_stream(),
                                  std::move(*data)));
    }
  }
  // A retry follows a conflict, and only the other process can cause one:
  // rounds go on until the processes did write the same streams at the
  // same time. A loaded machine may run one process's round before the
  // other's starts; it cannot do so twenty times.
  uint32_t successes = 0;
  uint32_t retries = 0;
  int rounds = 0;
  while (retries == 0 && rounds < max_rounds) {
    ++rounds;
    auto [ok, retried] = two_process_round(schema, accounts, deposits);
    successes += ok;
    retries += retried;
  }
  BOOST_TEST_MESSAGE(successes << " of " << 2 * deposits * rounds
                               << " deposits succeeded after " << retries
                               << " retries in " << rounds << " rounds");
  BOOST_TEST(retries > 0u);
  // Every success is in the store, and nothing else: no update lost.
  auto store = open_store(schema);
  BOOST_REQUIRE(store);
  event_registry reg;
  BOOST_REQUIRE(!test_domain::register_events(reg));
  int64_t total = 0;
  for (int a = 0; a < accounts; ++a)
    total += replay_account(*store, reg, "t" + std::to_string(a)).state().balance;
  BOOST_TEST(total == static_cast<int64_t>(successes));
  BOOST_TEST(successes == 2u * deposits * static_cast<uint32_t>(rounds));
}

BOOST_AUTO_TEST_SUITE_END()
