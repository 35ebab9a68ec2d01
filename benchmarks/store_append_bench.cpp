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

#include <CLI/CLI.hpp>
#include <libpq-fe.h>
#include <sqlite3.h>

#include "bench_pg.hpp"
#include "bench_util.hpp"
#include "mink/errc.hpp"
#include "mink/store/postgres/pg_migrations.hpp"
#include "mink/store/postgres/pg_result.hpp"
#include "mink/store/postgres/postgres_event_store.hpp"
#include "mink/store/sqlite/sqlite_event_store.hpp"
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

/// Appends the workload's first `n` events through the port in calls of
/// `batch` events, with exact expected versions.
result_row run_adapter(const std::string& name, event_store& store,
                       const workload& w, size_t n, size_t batch) {
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
  auto start = std::chrono::steady_clock::now();
  for (auto& call : calls)
    for (auto& res : store.append(std::move(call)))
      if (!res)
        die(name + ": " + to_text(res.error()));
  return {name, n, seconds_since(start)};
}

std::vector<result_row> bench_postgres(const options& opt) {
  std::vector<result_row> rows;
  workload w{std::max(opt.events, opt.naive_events), opt.streams,
             opt.events_per_stream};
  auto conn = pg_connect(opt.pg_conninfo);
  rows.push_back(pg_raw_copy(conn, w, opt.events));
  rows.push_back(pg_naive(conn, w, opt.naive_events));
  for (size_t batch : {100, 1000}) {
    pg_must(conn, "DROP SCHEMA IF EXISTS bench_mink CASCADE");
    auto store = postgres_event_store::open(
      pg_store_config(opt.pg_conninfo, "bench_mink", 1));
    if (!store)
      die(to_text(store.error()));
    pg_checkpoint(conn);
    rows.push_back(run_adapter("(c) mink append, " + std::to_string(batch)
                                 + " events/call",
                               **store, w, opt.events, batch));
  }
  for (auto schema : {"bench_raw", "bench_naive", "bench_mink"})
    pg_must(conn, std::string{"DROP SCHEMA IF EXISTS "} + schema + " CASCADE");
  PQfinish(conn);
  return rows;
}

// -- SQLite -------------------------------------------------------------------

/// Removes a database file of this benchmark and its WAL files.
void sqlite_remove(const std::string& path) {
  for (auto suffix : {"", "-wal", "-shm"})
    std::filesystem::remove(path + suffix);
}

/// Creates a fresh database file with mink's schema, via the adapter.
std::string sqlite_fresh(const options& opt, const std::string& name) {
  auto path = opt.sqlite_dir + "/mink-bench-" + name + ".db";
  sqlite_remove(path);
  auto store = sqlite_event_store::open(sqlite_config{path});
  if (!store)
    die(to_text(store.error()));
  return path;
}

/// Raw sqlite3 inserts with one prepared statement; `per_txn` rows per
/// transaction (1000 for the limit, 1 for naive code).
result_row sqlite_raw(const options& opt, const workload& w, size_t n,
                      size_t per_txn, const std::string& name) {
  auto path = sqlite_fresh(opt, "raw" + std::to_string(per_txn));
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK)
    die("cannot open " + path);
  sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL",
               nullptr, nullptr, nullptr);
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db,
                     "INSERT INTO mink_events (position, stream_id, version, "
                     "category, event_id, type, schema_version, data, "
                     "metadata, created_at_us) VALUES "
                     "(?, ?, ?, 'account', ?, 'MoneyDeposited', 1, ?, "
                     "'{\"correlation_id\":\"bench\"}', 0)",
                     -1, &stmt, nullptr);
  auto start = std::chrono::steady_clock::now();
  for (size_t done = 0; done < n; done += per_txn) {
    sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
    for (size_t i = done; i < done + per_txn && i < n; ++i) {
      const auto& stream = w.streams[i];
      sqlite3_bind_int64(stmt, 1, static_cast<sqlite3_int64>(i + 1));
      sqlite3_bind_text(stmt, 2, stream.c_str(),
                        static_cast<int>(stream.size()), SQLITE_STATIC);
      sqlite3_bind_int64(stmt, 3, w.versions[i]);
      sqlite3_bind_text(stmt, 4, w.ids[i].c_str(), 36, SQLITE_STATIC);
      sqlite3_bind_text(stmt, 5, w.payloads[i].c_str(),
                        static_cast<int>(w.payloads[i].size()), SQLITE_STATIC);
      if (sqlite3_step(stmt) != SQLITE_DONE)
        die(std::string{"sqlite insert: "} + sqlite3_errmsg(db));
      sqlite3_reset(stmt);
    }
    if (sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK)
      die(std::string{"sqlite commit: "} + sqlite3_errmsg(db));
  }
  auto row = result_row{name, n, seconds_since(start)};
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  sqlite_remove(path);
  return row;
}

std::vector<result_row> bench_sqlite(const options& opt) {
  std::vector<result_row> rows;
  std::filesystem::create_directories(opt.sqlite_dir);
  workload w{std::max(opt.events, opt.naive_events), opt.streams,
             opt.events_per_stream};
  rows.push_back(sqlite_raw(opt, w, opt.events, 1000,
                            "(a) raw sqlite3 insert, 1000 rows/txn"));
  rows.push_back(sqlite_raw(opt, w, opt.naive_events, 1,
                            "(b) one INSERT per transaction"));
  for (size_t batch : {100, 1000}) {
    auto path = sqlite_fresh(opt, "mink" + std::to_string(batch));
    auto store = sqlite_event_store::open(sqlite_config{path});
    if (!store)
      die(to_text(store.error()));
    rows.push_back(run_adapter("(c) mink append, " + std::to_string(batch)
                                 + " events/call",
                               **store, w, opt.events, batch));
    store->reset();
    sqlite_remove(path);
  }
  return rows;
}

/// Prints each method's median rate over the rounds (and every round's),
/// then the ratios of the medians. Rounds run the methods one after the
/// other, so a noisy moment on a shared machine hits one round, not one
/// method.
void report(const char* title,
            const std::vector<std::vector<result_row>>& rounds) {
  std::printf("\n== %s: median of %zu rounds ==\n", title, rounds.size());
  std::printf("%-44s %9s %12s   %s\n", "method", "events", "events/s",
              "each round");
  std::vector<double> medians;
  for (size_t m = 0; m < rounds.front().size(); ++m) {
    std::vector<double> rates;
    for (const auto& round : rounds)
      rates.push_back(round[m].rate());
    auto sorted = rates;
    std::sort(sorted.begin(), sorted.end());
    medians.push_back(sorted[sorted.size() / 2]);
    std::printf("%-44s %9zu %12.0f  ", rounds.front()[m].name.c_str(),
                rounds.front()[m].events, medians.back());
    for (auto r : rates)
      std::printf(" %.0f", r);
    std::printf("\n");
  }
  for (size_t m = 2; m < medians.size(); ++m)
    std::printf("%-44s c/a = %.2f   c/b = %.1f\n",
                rounds.front()[m].name.c_str(), medians[m] / medians[0],
                medians[m] / medians[1]);
}

} // namespace

int main(int argc, char** argv) {
  options opt;
  CLI::App app{"mink store append benchmark"};
  add_pg_option(app, opt.pg_conninfo);
  app.add_option("--events", opt.events, "events per measured method")
    ->check(CLI::Range(1000, 100000000));
  app.add_option("--naive-events", opt.naive_events,
                 "events for the one-transaction-per-event method")
    ->check(CLI::Range(100, 10000000));
  app.add_option("--streams", opt.streams, "distinct streams")
    ->check(CLI::Range(10, 10000000));
  app.add_option("--sqlite-dir", opt.sqlite_dir, "scratch directory");
  app.add_option("--rounds", opt.rounds, "rounds; the median is reported")
    ->check(CLI::Range(1, 100));
  app.add_flag("--skip-pg", opt.skip_pg, "do not run the PostgreSQL part");
  app.add_flag("--skip-sqlite", opt.skip_sqlite, "do not run the SQLite part");
  CLI11_PARSE(app, argc, argv);
  if (!opt.skip_pg && opt.pg_conninfo.empty())
    die("no PostgreSQL: pass --pg or set MINK_TEST_PG (or --skip-pg)");
  std::printf("store append benchmark: %zu events per method, 200-byte "
              "payloads, %zu events per stream per call, %zu streams\n",
              opt.events, opt.events_per_stream, opt.streams);
  std::vector<std::vector<result_row>> pg_rounds;
  std::vector<std::vector<result_row>> sqlite_rounds;
  for (size_t round = 0; round < opt.rounds; ++round) {
    if (!opt.skip_pg)
      pg_rounds.push_back(bench_postgres(opt));
    if (!opt.skip_sqlite)
      sqlite_rounds.push_back(bench_sqlite(opt));
  }
  if (!opt.skip_pg)
    report("PostgreSQL", pg_rounds);
  if (!opt.skip_sqlite)
    report("SQLite (WAL, synchronous=FULL)", sqlite_rounds);
  return 0;
}
