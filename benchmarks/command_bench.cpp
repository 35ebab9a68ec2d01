// End-to-end command benchmark: C clients keep commands in flight against
// A aggregate actors on PostgreSQL (durable commits); one 200-byte event per
// command. In the same run: the raw COPY limit and one transaction per
// command, and the rehydration of an aggregate with 100 000 events.
// Phases per in-flight value: cold (the first command of each aggregate,
// whose stream does not exist yet; it says so, expects_no_stream, so
// nothing is read), warm (the aggregates are alive), and
// cold-ex (a fresh service on the same schema: the first command of each
// aggregate loads its existing events).

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <caf/all.hpp>

#include "bench_load.hpp"
#include "bench_pg.hpp"
#include "bench_util.hpp"
#include "test_ledger.hpp"
#include "bench_metrics.hpp"
#include "mink/actors/actor_list.hpp"
#include "mink/actors/command_bus.hpp"
#include "mink/actors/message_types.hpp"
#include "mink/actors/router.hpp"
#include "mink/actors/snapshot_writer.hpp"
#include "mink/actors/store_reader.hpp"
#include "mink/aggregate_events.hpp"
#include "mink/adapters/postgres/postgres_event_store.hpp"
#include "mink/adapters/postgres/postgres_snapshot_store.hpp"
#include "mink/uuid.hpp"

using namespace mink;
using namespace mink::bench;
using namespace mink::test_domain;

namespace {

struct load_state {
  size_t sent = 0;
  size_t answered = 0;
  load_summary summary;
  std::chrono::steady_clock::time_point start;
  caf::typed_response_promise<load_summary> done;
};

/// Keeps `in_flight` commands outstanding until `total` were answered.
caf::behavior load_generator(caf::stateful_actor<load_state>* self,
                             command_handler_actor router, size_t total, size_t in_flight,
                             size_t aggregates, std::string text,
                             bool creates) {
  auto send_one = std::make_shared<std::function<void()>>();
  *send_one = [=] {
    auto& st = self->state;
    auto i = st.sent++;
    command_envelope env;
    env.type = "note";
    env.aggregate_type = "ledger";
    env.aggregate_id = std::to_string(i % aggregates);
    env.command_id = make_uuid();
    env.payload = note{text};
    env.expects_no_stream = creates;
    auto t0 = std::chrono::steady_clock::now();
    auto on_answer = [=](const caf::error* err) {
      auto& st = self->state;
      st.summary.record(err, t0);
      if (++st.answered == total) {
        st.summary.seconds = seconds_since(st.start);
        st.done.deliver(std::move(st.summary));
      } else if (st.sent < total) {
        (*send_one)();
      }
    };
    self->request(router, caf::infinite, command_atom::value, std::move(env))
      .then([=](command_result&) { on_answer(nullptr); },
            [=](caf::error& err) { on_answer(&err); });
  };
  return {
    [=](run_atom) {
      auto& st = self->state;
      st.start = std::chrono::steady_clock::now();
      st.done = self->make_response_promise<load_summary>();
      for (size_t i = 0; i < std::min(in_flight, total); ++i)
        (*send_one)();
      return st.done;
    },
  };
}

struct options {
  std::string pg_conninfo;
  size_t commands = 100000;
  size_t aggregates = 10000;
  std::vector<size_t> in_flight{64, 256, 1024};
  size_t naive_commands = 3000;
  int64_t rehydrate_events = 100000;
  int64_t snapshot_every = 1000;
  size_t readers = 4;
  // Half the cores: PostgreSQL runs on the same machine and needs the rest.
  size_t scheduler_threads
    = std::max<size_t>(1, std::thread::hardware_concurrency() / 2);
  size_t moderate_polls = 1;
  /// direct: commands go straight to the router; bus: through the command
  /// bus with an empty pipeline; metrics: through the bus with the command
  /// metrics middleware, append histograms and a scrape every second.
  std::string path = "direct";
  std::string codec = "hand";
};

std::string note_text() {
  // {"text":"..."} of 200 bytes.
  return std::string(200 - 11, 'x');
}

/// The stack a service runs: store, persistence, reader, snapshot writer and
/// the ledger router, on the bench_cmd schema.
struct service {
  std::shared_ptr<postgres_event_store> store;
  std::shared_ptr<postgres_snapshot_store> snapshots;
  std::shared_ptr<store_reader_stats> reader_stats
    = std::make_shared<store_reader_stats>();
  aggregate_context ctx;
  router_actor router;
  command_bus_actor bus;
  std::unique_ptr<bench_metrics> metrics;

  /// Where the load generator sends commands.
  command_handler_actor entry() const {
    return bus ? caf::actor_cast<command_handler_actor>(bus)
               : caf::actor_cast<command_handler_actor>(router);
  }

  service(caf::actor_system& sys, const options& opt,
          std::shared_ptr<event_registry> registry) {
    if (opt.path == "metrics")
      metrics = std::make_unique<bench_metrics>();
    // One connection for the persistence actor, the rest for the readers.
    auto cfg = pg_store_config(opt.pg_conninfo, "bench_cmd", 1 + opt.readers);
    auto es = postgres_event_store::open(cfg);
    if (!es)
      die(to_text(es.error()));
    store = std::move(*es);
    auto ss = postgres_snapshot_store::open(cfg);
    if (!ss)
      die(to_text(ss.error()));
    snapshots = std::move(*ss);
    persistence_config pcfg;
    if (metrics)
      pcfg.on_batch = metrics->on_batch();
    ctx.writer = spawn_persistence(sys, store, std::move(pcfg));
    ctx.reader = spawn_store_reader(sys, store, snapshots, opt.readers,
                                    reader_stats);
    ctx.registry = std::move(registry);
    ctx.snapshot_writer = spawn_snapshot_writer(sys, snapshots,
                                                ctx.snapshot_counters);
    ctx.snapshots.every_events = opt.snapshot_every;
    router = spawn_router<ledger_decider>(sys, "ledger", ctx, {},
                                          std::make_shared<router_stats>());
    if (opt.path != "direct") {
      command_bus_config bcfg;
      bcfg.routes.emplace("note", router);
      if (metrics)
        bcfg.pipeline.use(metrics->command_middleware());
      bus = spawn_command_bus(sys, std::move(bcfg));
    }
  }

  ~service() {
    actor_list all;
    all.add(ctx.writer.actor);
    all.add(ctx.reader);
    all.add(ctx.snapshot_writer);
    all.add(router);
    all.add(bus);
  }
};

void report_load(const char* phase, size_t in_flight, const load_summary& sum,
                 uint64_t appends, uint64_t batches, double copy_rate,
                 double naive_rate);

/// Runs one phase on `svc`: `total` commands over the aggregates.
void run_phase(caf::actor_system& sys, const options& opt, service& svc,
               const char* phase, size_t total, size_t in_flight,
               double copy_rate, double naive_rate, bool creates = false) {
  auto batches0 = svc.ctx.writer.stats->batches.load();
  auto appends0 = svc.ctx.writer.stats->appends.load();
  auto loads0 = svc.reader_stats->loads.load();
  auto reads0 = svc.reader_stats->batches.load();
  auto busy0 = svc.reader_stats->busy_us.load();
  auto gen = sys.spawn(load_generator, svc.entry(), total, in_flight,
                       opt.aggregates, note_text(), creates);
  caf::scoped_actor self{sys};
  load_summary sum;
  self->request(gen, caf::infinite, run_atom::value)
    .receive([&](load_summary& s) { sum = std::move(s); },
             [&](caf::error& err) { die(to_text(err)); });
  caf::anon_send_exit(gen, caf::exit_reason::user_shutdown);
  if (svc.metrics)
    std::printf("        metrics: %zu series after %zu scrapes\n",
                svc.metrics->series(), svc.metrics->scrapes());
  report_load(phase, in_flight, sum,
              svc.ctx.writer.stats->appends.load() - appends0,
              svc.ctx.writer.stats->batches.load() - batches0, copy_rate,
              naive_rate);
  auto loads = svc.reader_stats->loads.load() - loads0;
  auto reads = svc.reader_stats->batches.load() - reads0;
  auto busy = static_cast<double>(svc.reader_stats->busy_us.load() - busy0)
              / 1e6;
  if (loads > 0)
    std::printf("        reader: %llu loads in %llu batches (%.1f per batch,"
                " largest so far %llu), %llu extra pages; readers busy"
                " %.0f%% of the phase\n",
                static_cast<unsigned long long>(loads),
                static_cast<unsigned long long>(reads),
                static_cast<double>(loads)
                  / static_cast<double>(std::max<uint64_t>(reads, 1)),
                static_cast<unsigned long long>(
                  svc.reader_stats->largest_batch.load()),
                static_cast<unsigned long long>(
                  svc.reader_stats->extra_pages.load()),
                100.0 * busy
                  / (sum.seconds * static_cast<double>(opt.readers)));
}

void run_load(caf::actor_system& sys, const options& opt,
              std::shared_ptr<event_registry> registry, size_t in_flight,
              double copy_rate, double naive_rate) {
  auto conn = pg_connect(opt.pg_conninfo);
  pg_must(conn, "DROP SCHEMA IF EXISTS bench_cmd CASCADE");
  {
    service svc{sys, opt, registry};
    pg_checkpoint(conn);
    // Cold: every aggregate's first command creates it (one command per
    // aggregate; no stream exists yet, and the command says so). Warm: the
    // aggregates are alive.
    run_phase(sys, opt, svc, "cold", opt.aggregates, in_flight, copy_rate,
              naive_rate, true);
    run_phase(sys, opt, svc, "warm", opt.commands, in_flight, copy_rate,
              naive_rate);
  }
  // Cold on existing streams: a fresh service (router, aggregate actors,
  // reader) on the same schema; each aggregate's first command loads the
  // events the phases above wrote.
  service svc{sys, opt, registry};
  pg_checkpoint(conn);
  PQfinish(conn);
  run_phase(sys, opt, svc, "cold-ex", opt.aggregates, in_flight, copy_rate,
            naive_rate);
}

void report_load(const char* phase, size_t in_flight, const load_summary& sum,
                 uint64_t appends, uint64_t batches, double copy_rate,
                 double naive_rate) {
  auto rate = static_cast<double>(sum.ok) / sum.seconds;
  std::printf("%-7s %9zu %9zu %10.0f %7.2f %7.2f %7.2f %8.1f %6.2f %7.1f %s\n",
              phase, in_flight, sum.ok, rate, percentile(sum.latencies_ms, 0.50),
              percentile(sum.latencies_ms, 0.95),
              percentile(sum.latencies_ms, 0.99),
              static_cast<double>(appends)
                / static_cast<double>(std::max<uint64_t>(batches, 1)),
              rate / copy_rate, rate / naive_rate,
              sum.failed == 0 ? ""
                              : ("FAILED " + std::to_string(sum.failed) + ": "
                                 + sum.first_error)
                                  .c_str());
}

/// Writes `n` events to one ledger and a snapshot `n % every` events before
/// the end (the most a policy of `every` leaves to replay), then times
/// rehydration with and without the snapshot.
void run_rehydration(const options& opt, const event_registry& registry) {
  pg_drop_schema(opt.pg_conninfo, "bench_cmd");
  auto cfg = pg_store_config(opt.pg_conninfo, "bench_cmd",
                             postgres_config{}.pool_size);
  auto store = postgres_event_store::open(cfg);
  auto snapshots = postgres_snapshot_store::open(cfg);
  if (!store || !snapshots)
    die("cannot open bench_cmd");
  const std::string stream = "ledger-big";
  auto text = note_text();
  aggregate<ledger_decider> agg;
  auto snap_at = opt.rehydrate_events - (opt.snapshot_every - 1);
  for (int64_t v = 0; v < opt.rehydrate_events;) {
    std::vector<ledger_decider::event_type> evs;
    for (int k = 0; k < 1000 && v < opt.rehydrate_events; ++k, ++v)
      evs.push_back(noted{text});
    auto data = to_event_data(registry, evs, {});
    auto res = (*store)->append(stream, expected_version::exact(agg.version()),
                                std::move(*data));
    if (!res)
      die(to_text(res.error()));
    for (auto& ev : evs) {
      agg.apply(ev);
      if (agg.version() == snap_at) {
        rapidjson::Document doc;
        ledger_decider::encode_state(agg.state(), doc);
        rapidjson::StringBuffer buf;
        rapidjson::Writer<rapidjson::StringBuffer> w{buf};
        doc.Accept(w);
        snapshot s{stream, agg.version(), "ledger", 1, buf.GetString(), 0};
        if (auto err = (*snapshots)->save(s))
          die(to_text(err));
      }
    }
  }
  // What an aggregate actor does on its first command: the reader's work
  // (load the snapshot, read the events after it) plus restore and replay.
  auto rehydrate = [&](bool use_snapshot) {
    auto start = std::chrono::steady_clock::now();
    decider_model<ledger_decider> fresh;
    int64_t from = 1;
    if (use_snapshot) {
      auto s = (*snapshots)->load(stream);
      if (!s || !*s)
        die("no snapshot");
      if (auto err = fresh.restore(**s))
        die(to_text(err));
      from = (*s)->version + 1;
    }
    for (;;) {
      auto page = (*store)->read_stream(stream, from, 1000);
      if (!page)
        die(to_text(page.error()));
      auto n = page->size();
      if (n > 0)
        from = page->back().stream_version + 1;
      if (auto err = fresh.replay(registry, std::move(*page)))
        die(to_text(err));
      if (n < 1000)
        break;
    }
    if (fresh.version() != opt.rehydrate_events)
      die("rehydrated to the wrong version");
    return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now() - start)
      .count();
  };
  std::vector<double> with, without;
  for (int i = 0; i < 5; ++i) {
    with.push_back(rehydrate(true));
    without.push_back(rehydrate(false));
  }
  std::printf("\nrehydration of an aggregate with %lld events "
              "(median of 5):\n",
              static_cast<long long>(opt.rehydrate_events));
  std::printf("  from the snapshot at version %lld + %lld events: %8.2f ms\n",
              static_cast<long long>(snap_at),
              static_cast<long long>(opt.rehydrate_events - snap_at),
              percentile(with, 0.5));
  std::printf("  replaying every event (no snapshot):        %8.2f ms\n",
              percentile(without, 0.5));
}

} // namespace

int main(int argc, char** argv) {
  options opt;
  CLI::App app{"mink end-to-end command benchmark (PostgreSQL)"};
  add_pg_option(app, opt.pg_conninfo);
  app.add_option("--commands", opt.commands, "commands per run")
    ->check(CLI::Range(100, 100000000));
  app.add_option("--aggregates", opt.aggregates, "distinct aggregates")
    ->check(CLI::Range(1, 10000000));
  app.add_option("--in-flight", opt.in_flight,
                 "commands kept in flight (one run per value)")
    ->check(CLI::Range(1, 1000000));
  app.add_option("--naive-commands", opt.naive_commands,
                 "commands for the one-transaction-per-command baseline")
    ->check(CLI::Range(100, 10000000));
  app.add_option("--rehydrate-events", opt.rehydrate_events,
                 "events of the aggregate that is rehydrated")
    ->check(CLI::Range(1000, 100000000));
  app.add_option("--readers", opt.readers, "store reader threads")
    ->check(CLI::Range(1, 64));
  app.add_option("--scheduler-threads", opt.scheduler_threads,
                 "CAF scheduler threads (the actors; default: half the "
                 "cores, since PostgreSQL shares the machine)")
    ->check(CLI::Range(1, 64));
  app.add_option("--moderate-polls", opt.moderate_polls,
                 "CAF work-stealing.moderate-poll-attempts: how often an idle "
                 "scheduler thread polls, 50 us apart, before it sleeps until "
                 "woken (CAF's default is 500, which takes CPU from "
                 "PostgreSQL on a small machine)")
    ->check(CLI::Range(1, 100000));
  app.add_option("--snapshot-every", opt.snapshot_every, "snapshot policy")
    ->check(CLI::Range(1, 1000000));
  app.add_option("--path", opt.path,
                 "direct: commands go to the router; bus: through the "
                 "command bus; metrics: through the bus with the service's "
                 "metrics (command middleware, append histograms, a scrape "
                 "a second)")
    ->check(CLI::IsMember({"direct", "bus", "metrics"}));
  app.add_option("--codec", opt.codec,
                 "hand: the ledger's event codec written by hand; declared: "
                 "derived from its MINK_EVENT declaration")
    ->check(CLI::IsMember({"hand", "declared"}));
  CLI11_PARSE(app, argc, argv);
  require_pg(opt.pg_conninfo);

  auto registry = std::make_shared<event_registry>();
  if (auto err = register_ledger(*registry, opt.codec == "declared"))
    die(to_text(err));
  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", opt.scheduler_threads);
  cfg.set("work-stealing.moderate-poll-attempts", opt.moderate_polls);
  caf::actor_system sys{cfg};

  // Baselines on the same server, with the same event size: one event per
  // stream, as each command writes one event to its aggregate.
  prebuilt_events w{std::max(opt.commands, opt.naive_commands), opt.aggregates, 1};
  auto conn = pg_connect(opt.pg_conninfo);
  auto copy = pg_raw_copy(conn, w, opt.commands);
  auto naive = pg_naive(conn, w, opt.naive_commands);
  for (auto schema : {"bench_raw", "bench_naive"})
    pg_must(conn, std::string{"DROP SCHEMA IF EXISTS "} + schema + " CASCADE");
  PQfinish(conn);
  std::printf("command benchmark: %zu commands over %zu aggregates, one "
              "200-byte event each, synchronous_commit on, %zu CAF "
              "scheduler thread(s), path %s, %s codec\n",
              opt.commands, opt.aggregates, opt.scheduler_threads,
              opt.path.c_str(), opt.codec.c_str());
  std::printf("baseline (a) raw COPY, 1000 rows/txn:        %10.0f events/s\n",
              copy.rate());
  std::printf("baseline (b) one transaction per command:   %10.0f events/s\n\n",
              naive.rate());
  std::printf("%-7s %9s %9s %10s %7s %7s %7s %8s %6s %7s\n", "phase",
              "in-flight", "commands",
              "cmds/s", "p50 ms", "p95 ms", "p99 ms", "batch", "vs a",
              "vs b");
  for (auto n : opt.in_flight)
    run_load(sys, opt, registry, n, copy.rate(), naive.rate());
  run_rehydration(opt, *registry);
  pg_drop_schema(opt.pg_conninfo, "bench_cmd");
  return 0;
}
