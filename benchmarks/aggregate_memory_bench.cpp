// Memory of aggregate actors on PostgreSQL (events live in the database,
// not in this process):
//   1. the heap an idle live aggregate actor costs: the CAF actor, mink's
//      state beside the user's, the router's bookkeeping; measured as the
//      allocator's bytes in use after N aggregates each handled one command,
//      divided by N, and beside it the user's state (sizeof the decider's
//      state; the ledger's has no heap part);
//   2. the resident set while M aggregates are touched once each with
//      passivation on (the router keeps at most --max-alive).

#include <cstdio>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include <CLI/CLI.hpp>
#include <caf/all.hpp>

#ifdef MINK_JEMALLOC
#include <jemalloc/jemalloc.h>
#else
#include <malloc.h>
#endif

#include "bench_pg.hpp"
#include "test_ledger.hpp"
#include "mink/actors/aggregate_actor_state.hpp"
#include "mink/actors/command_client.hpp"
#include "mink/actors/persistence.hpp"
#include "mink/actors/router.hpp"
#include "mink/actors/store_reader.hpp"
#include "mink/adapters/postgres/postgres_event_store.hpp"
#include "mink/bench/load_run.hpp"
#include "mink/uuid.hpp"

using namespace mink;
using namespace mink::bench;
using namespace mink::test_domain;

namespace {

/// Bytes the program holds from the allocator.
size_t heap_in_use() {
#ifdef MINK_JEMALLOC
  uint64_t epoch = 1;
  size_t len = sizeof(epoch);
  mallctl("epoch", &epoch, &len, &epoch, len);
  size_t allocated = 0;
  len = sizeof(allocated);
  mallctl("stats.allocated", &allocated, &len, nullptr, 0);
  return allocated;
#else
  return mallinfo2().uordblks;
#endif
}

/// A line of /proc/self/status in KiB (VmRSS, VmHWM).
size_t status_kib(const std::string& key) {
  std::ifstream in{"/proc/self/status"};
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(key + ":", 0) == 0)
      return std::stoul(line.substr(key.size() + 1));
  return 0;
}

/// Sends one note to each of `count` aggregates `prefix<i>` (the first
/// command of each: it expects no stream), `in_flight` at a time, and dies
/// on failures; returns the seconds.
double touch(caf::actor_system& sys, const command_handler_actor& router,
             const std::string& prefix, size_t count, size_t in_flight) {
  command_client client{sys, router, std::chrono::minutes{10}};
  load_config cfg;
  cfg.in_flight = in_flight;
  cfg.count = count;
  auto res = run_load(
    client,
    [&](uint64_t n) {
      command_envelope env;
      env.type = "note";
      env.aggregate_type = "ledger";
      env.aggregate_id = prefix + std::to_string(n);
      env.command_id = make_uuid();
      env.payload = note{"x"};
      env.expects_no_stream = true;
      return env;
    },
    cfg);
  if (!res)
    die(to_text(res.error()));
  for (const auto& [kind, n] : res->errors)
    die(std::to_string(n) + " commands failed: " + kind);
  return res->seconds;
}

struct options {
  std::string pg_conninfo;
  size_t aggregates = 100000;
  size_t touched = 1000000;
  size_t max_alive = 100000;
  size_t in_flight = 1024;
  size_t scheduler_threads = 1;
};

} // namespace

int main(int argc, char** argv) {
  options opt;
  CLI::App app{"mink aggregate actor memory benchmark (PostgreSQL)"};
  add_pg_option(app, opt.pg_conninfo);
  app.add_option("--aggregates", opt.aggregates,
                 "live aggregates measured for the per-actor heap")
    ->check(CLI::Range(1000, 10000000));
  app.add_option("--touched", opt.touched,
                 "aggregates touched with passivation on (0: skip)")
    ->check(CLI::Range(0, 100000000));
  app.add_option("--max-alive", opt.max_alive,
                 "the router's max_alive while touching")
    ->check(CLI::Range(1, 100000000));
  app.add_option("--in-flight", opt.in_flight, "commands kept in flight")
    ->check(CLI::Range(1, 100000));
  CLI11_PARSE(app, argc, argv);
  require_pg(opt.pg_conninfo);
  auto registry = std::make_shared<event_registry>();
  if (auto err = register_ledger(*registry))
    die(to_text(err));
  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", opt.scheduler_threads);
  caf::actor_system sys{cfg};
  pg_drop_schema(opt.pg_conninfo, "bench_mem");
  auto es = postgres_event_store::open(
    pg_store_config(opt.pg_conninfo, "bench_mem", 2));
  if (!es)
    die(to_text(es.error()));
  std::shared_ptr<event_store> store = std::move(*es);
  aggregate_context ctx;
  ctx.writer = spawn_persistence(sys, store);
  ctx.reader = spawn_store_reader(sys, store);
  ctx.registry = registry;
  // 1. Live actors: nothing passivated.
  router_config live;
  live.max_alive = opt.aggregates * 2;
  live.idle_timeout = std::chrono::hours{1};
  auto stats = std::make_shared<router_stats>();
  auto router = spawn_router<ledger_decider>(sys, "ledger", ctx, live, stats);
  touch(sys, router, "warm", 2000, opt.in_flight); // pools, connections
  auto heap0 = heap_in_use();
  auto rss0 = status_kib("VmRSS");
  auto secs = touch(sys, router, "a", opt.aggregates, opt.in_flight);
  auto heap1 = heap_in_use();
  auto rss1 = status_kib("VmRSS");
  auto n = static_cast<double>(opt.aggregates);
  auto per = static_cast<double>(heap1 - heap0) / n;
  std::printf("aggregate memory: %zu ledger aggregates, one command each "
              "(%.0f commands/s), %s\n",
              opt.aggregates, n / secs,
#ifdef MINK_JEMALLOC
              "heap from jemalloc's stats.allocated"
#else
              "heap from mallinfo2"
#endif
  );
  std::printf("  heap per live aggregate:           %8.0f bytes\n", per);
  std::printf("  of which the user's state:         %8zu bytes "
              "(sizeof ledger_state, no heap part)\n",
              sizeof(ledger_state));
  std::printf("  beyond the user's state:           %8.0f bytes\n",
              per - static_cast<double>(sizeof(ledger_state)));
  std::printf("  sizeof the actor (CAF + state):    %8zu bytes\n",
              sizeof(std::remove_pointer_t<detail::aggregate_self>));
  std::printf("  sizeof the decider's model:        %8zu bytes\n",
              sizeof(decider_model<ledger_decider>));
  std::printf("  RSS per live aggregate:            %8.0f bytes\n",
              static_cast<double>(rss1 - rss0) * 1024 / n);
  caf::anon_send_exit(router, caf::exit_reason::user_shutdown);
  // 2. Passivation on: touch many more than may live.
  if (opt.touched > 0) {
    router_config bounded;
    bounded.max_alive = opt.max_alive;
    auto stats2 = std::make_shared<router_stats>();
    auto r2 = spawn_router<ledger_decider>(sys, "ledger", ctx, bounded, stats2);
    auto rss_before = status_kib("VmRSS");
    auto s2 = touch(sys, r2, "t", opt.touched, opt.in_flight);
    std::printf("touched %zu aggregates once each with max_alive %zu in "
                "%.1f s (%.0f commands/s): RSS %zu MiB before, %zu MiB "
                "after, peak %zu MiB; %zu alive, %llu passivated\n",
                opt.touched, opt.max_alive, s2,
                static_cast<double>(opt.touched) / s2, rss_before / 1024,
                status_kib("VmRSS") / 1024, status_kib("VmHWM") / 1024,
                stats2->alive.load(),
                static_cast<unsigned long long>(stats2->passivated.load()));
    caf::anon_send_exit(r2, caf::exit_reason::user_shutdown);
  }
  caf::anon_send_exit(ctx.writer.actor, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(ctx.reader, caf::exit_reason::user_shutdown);
  pg_drop_schema(opt.pg_conninfo, "bench_mem");
  return 0;
}
