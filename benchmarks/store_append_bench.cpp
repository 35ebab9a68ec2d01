// Store append benchmark: the adapters' batch append against the physical
// limit (raw COPY / raw SQLite insert into a table with the same columns
// and indexes) and against one transaction per event, in one run.

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <libpq-fe.h>
#include <sqlite3.h>

#include "bench_pg.hpp"
#include "bench_sqlite.hpp"
#include "bench_util.hpp"
#include "mink/errc.hpp"
#include "mink/adapters/postgres/pg_migrations.hpp"
#include "mink/adapters/postgres/pg_result.hpp"
#include "mink/adapters/postgres/postgres_event_store.hpp"
#include "mink/adapters/sqlite/sqlite_event_store.hpp"
#include "mink/uuid.hpp"

using namespace mink;
using namespace mink::bench;

namespace {

struct options {
  std::string pg_conninfo;
  /// Scratch files go here (named mink-bench-*.db, removed afterwards).
  std::string sqlite_dir = "/tmp";
  size_t events = 200000;
  size_t naive_events = 5000;
  size_t streams = 10000;
  size_t events_per_stream = 10;
  size_t rounds = 3;
  bool skip_pg = false;
  bool skip_sqlite = false;
};

/// One method's result in one round.
struct measured {
  result_row row;
  /// CPU time (user + system) of this process during the timed part;
  /// negative when not measured.
  double cpu_seconds = -1;
};

double cpu_seconds();

/// Appends the workload's first `n` events through the port in calls of
/// `batch` events, with exact expected versions. Sets `*cpu_start` (when
/// given) to the CPU time when the timed part starts.
result_row run_adapter(const std::string& name, event_store& store,
                       const prebuilt_events& w, size_t n, size_t batch,
                       double* cpu_start = nullptr) {
  // Build all calls first: the application owns its events before appending.
  std::vector<std::vector<stream_append>> calls;
  for (size_t i = 0; i < n;) {
    std::vector<stream_append> call;
    for (auto end = std::min(n, i + batch); i < end;) {
      stream_append sa;
      sa.stream_id = w.streams[i];
      sa.expected = expected_version::exact(w.versions[i] - 1);
      for (; i < end && w.streams[i] == sa.stream_id; ++i) {
        event_data ev;
        ev.event_id = w.ids[i];
        ev.type = "MoneyDeposited";
        ev.data = w.payloads[i];
        ev.meta.correlation_id = "bench";
        sa.events.push_back(std::move(ev));
      }
      call.push_back(std::move(sa));
    }
    calls.push_back(std::move(call));
  }
  if (cpu_start != nullptr)
    *cpu_start = cpu_seconds();
  auto start = std::chrono::steady_clock::now();
  for (auto& call : calls)
    for (auto& res : store.append(std::move(call)))
      if (!res)
        die(name + ": " + to_text(res.error()));
  return {name, n, seconds_since(start)};
}

std::vector<measured> bench_postgres(const options& opt) {
  std::vector<measured> rows;
  prebuilt_events w{std::max(opt.events, opt.naive_events), opt.streams,
             opt.events_per_stream};
  auto conn = pg_connect(opt.pg_conninfo);
  rows.push_back({pg_raw_copy(conn, w, opt.events)});
  rows.push_back({pg_naive(conn, w, std::max(opt.naive_events, size_t{100}))});
  for (size_t batch : {100, 1000}) {
    pg_must(conn, "DROP SCHEMA IF EXISTS bench_mink CASCADE");
    auto store = postgres_event_store::open(
      pg_store_config(opt.pg_conninfo, "bench_mink", 1));
    if (!store)
      die(to_text(store.error()));
    pg_checkpoint(conn);
    rows.push_back({run_adapter("(c) mink append, " + std::to_string(batch)
                                  + " events/call",
                                **store, w, opt.events, batch)});
  }
  for (auto schema : {"bench_raw", "bench_naive", "bench_mink"})
    pg_must(conn, std::string{"DROP SCHEMA IF EXISTS "} + schema + " CASCADE");
  PQfinish(conn);
  return rows;
}

// -- SQLite -------------------------------------------------------------------

/// Removes a database file of this benchmark and its WAL files.
std::string sqlite_fresh(const options& opt, const std::string& name) {
  return sqlite_fresh_file(opt.sqlite_dir + "/mink-bench-" + name + ".db");
}

/// CPU seconds (user + system) this process has used so far.
double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto secs = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
  };
  return secs(ru.ru_utime) + secs(ru.ru_stime);
}

measured sqlite_raw(const options& opt, const prebuilt_events& w, size_t n,
                    size_t per_txn, const std::string& name) {
  auto path = sqlite_fresh(opt, "raw" + std::to_string(per_txn));
  auto cpu = cpu_seconds();
  auto row = sqlite_raw_insert(path, w, n, per_txn, name);
  auto used = cpu_seconds() - cpu;
  sqlite_remove(path);
  return {row, used};
}

/// mink's `event_store::append` on a fresh file, `batch` events per call.
measured sqlite_mink(const options& opt, const prebuilt_events& w, size_t batch) {
  auto path = sqlite_fresh(opt, "mink" + std::to_string(batch));
  auto store = sqlite_event_store::open(sqlite_config{path});
  if (!store)
    die(to_text(store.error()));
  auto cpu = cpu_seconds();
  auto row = run_adapter("(c) mink append, " + std::to_string(batch)
                           + " events/call",
                         **store, w, opt.events, batch, &cpu);
  measured result{row, cpu_seconds() - cpu};
  store->reset();
  sqlite_remove(path);
  return result;
}

/// Per round: raw and mink at 1000 and at 100 events per transaction, each
/// pair side by side, then (unless --naive-events 0) one INSERT per
/// transaction. The ratios below refer to these indexes.
std::vector<measured> bench_sqlite(const options& opt) {
  std::vector<measured> rows;
  std::filesystem::create_directories(opt.sqlite_dir);
  prebuilt_events w{std::max(opt.events, opt.naive_events), opt.streams,
             opt.events_per_stream};
  rows.push_back(sqlite_raw(opt, w, opt.events, 1000,
                            "(a) raw sqlite3 insert, 1000 rows/txn"));
  rows.push_back(sqlite_mink(opt, w, 1000));
  rows.push_back(sqlite_raw(opt, w, opt.events, 100,
                            "(a) raw sqlite3 insert, 100 rows/txn"));
  rows.push_back(sqlite_mink(opt, w, 100));
  if (opt.naive_events > 0)
    rows.push_back(sqlite_raw(opt, w, opt.naive_events, 1,
                              "(b) one INSERT per transaction"));
  return rows;
}

/// A quotient of two methods' rates, computed per round.
struct ratio {
  size_t num;
  size_t den;
  std::string label;
};

double median_of(std::vector<double> xs) {
  std::sort(xs.begin(), xs.end());
  return xs[xs.size() / 2];
}

/// Prints each method's median rate over the rounds (and every round's) and
/// its CPU time per event (of this process: the client and, for SQLite,
/// the database engine), then each ratio's median and range over the rounds
/// (each round's ratio divides rates measured minutes apart at most). Rounds
/// run the methods one after the other, so a noisy moment on a shared
/// machine hits one round, not one method.
void report(const char* title,
            const std::vector<std::vector<measured>>& rounds,
            const std::vector<ratio>& ratios) {
  std::printf("\n== %s: median of %zu rounds ==\n", title, rounds.size());
  std::printf("%-44s %9s %12s %10s   %s\n", "method", "events", "events/s",
              "cpu us/ev", "each round");
  for (size_t m = 0; m < rounds.front().size(); ++m) {
    std::vector<double> rates;
    std::vector<double> cpus;
    for (const auto& round : rounds) {
      rates.push_back(round[m].row.rate());
      cpus.push_back(round[m].cpu_seconds * 1e6
                     / static_cast<double>(round[m].row.events));
    }
    const auto& first = rounds.front()[m];
    std::printf("%-44s %9zu %12.0f ", first.row.name.c_str(),
                first.row.events, median_of(rates));
    if (first.cpu_seconds >= 0)
      std::printf("%10.2f  ", median_of(cpus));
    else
      std::printf("%10s  ", "-");
    for (auto r : rates)
      std::printf(" %.0f", r);
    std::printf("\n");
  }
  for (const auto& q : ratios) {
    if (q.num >= rounds.front().size() || q.den >= rounds.front().size())
      continue;
    std::vector<double> xs;
    for (const auto& round : rounds)
      xs.push_back(round[q.num].row.rate() / round[q.den].row.rate());
    auto [lo, hi] = std::minmax_element(xs.begin(), xs.end());
    std::printf("%-52s median %.2f  range %.2f-%.2f\n", q.label.c_str(),
                median_of(xs), *lo, *hi);
  }
}

} // namespace

int main(int argc, char** argv) {
  options opt;
  CLI::App app{"mink store append benchmark"};
  add_pg_option(app, opt.pg_conninfo);
  app.add_option("--events", opt.events, "events per measured method")
    ->check(CLI::Range(1000, 100000000));
  app.add_option("--naive-events", opt.naive_events,
                 "events for the one-transaction-per-event method (SQLite: 0 "
                 "skips it; PostgreSQL writes at least 100)")
    ->check(CLI::Range(0, 10000000));
  app.add_option("--streams", opt.streams, "distinct streams")
    ->check(CLI::Range(10, 10000000));
  app.add_option("--sqlite-dir", opt.sqlite_dir, "scratch directory");
  app.add_option("--rounds", opt.rounds, "rounds; the median is reported")
    ->check(CLI::Range(1, 100));
  app.add_flag("--skip-pg", opt.skip_pg, "do not run the PostgreSQL part");
  app.add_flag("--skip-sqlite", opt.skip_sqlite, "do not run the SQLite part");
  CLI11_PARSE(app, argc, argv);
  if (!opt.skip_pg)
    require_pg(opt.pg_conninfo, " (or --skip-pg)");
  std::printf("store append benchmark: %zu events per method, 200-byte "
              "payloads, %zu events per stream per call, %zu streams\n",
              opt.events, opt.events_per_stream, opt.streams);
  std::vector<std::vector<measured>> pg_rounds;
  std::vector<std::vector<measured>> sqlite_rounds;
  for (size_t round = 0; round < opt.rounds; ++round) {
    if (!opt.skip_pg)
      pg_rounds.push_back(bench_postgres(opt));
    if (!opt.skip_sqlite)
      sqlite_rounds.push_back(bench_sqlite(opt));
  }
  if (!opt.skip_pg)
    report("PostgreSQL", pg_rounds,
           {{2, 0, "(c) mink append, 100 events/call   c/a"},
            {3, 0, "(c) mink append, 1000 events/call  c/a"},
            {2, 1, "(c) mink append, 100 events/call   c/b"},
            {3, 1, "(c) mink append, 1000 events/call  c/b"}});
  if (!opt.skip_sqlite)
    report("SQLite (WAL, synchronous=FULL)", sqlite_rounds,
           {{1, 0, "mink 1000/call vs raw 1000 rows/txn"},
            {3, 2, "mink 100/call vs raw 100 rows/txn"},
            {3, 0, "mink 100/call vs raw 1000 rows/txn"},
            {1, 4, "mink 1000/call vs one INSERT per txn"}});
  return 0;
}
