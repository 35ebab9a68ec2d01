#pragma once

// What the benchmarks share: pre-built workloads and the PostgreSQL
// baselines that mink is measured against.

#include <cstdint>
#include <string>
#include <vector>

#include <libpq-fe.h>

#include "bench_util.hpp"
#include "mink/adapters/postgres/postgres_config.hpp"

namespace CLI {
class App;
} // namespace CLI

namespace mink::bench {

/// Prints `what` and exits with status 1.
[[noreturn]] void die(const std::string& what);

/// Pre-built input so that event creation is not timed. Every method writes
/// the same events to the same streams: event i goes to stream
/// (i / events_per_stream) % streams, so each call of the adapter carries
/// runs of events_per_stream events per stream, and the raw methods touch
/// the same index pages as the adapter does.
struct prebuilt_events {
  std::vector<std::string> ids;
  std::vector<std::string> payloads;
  std::vector<std::string> streams;
  std::vector<int64_t> versions;

  prebuilt_events(size_t n, size_t streams_total, size_t events_per_stream);
};

/// Adds `--pg` (a libpq connection string) to `app`; `conninfo` defaults to
/// `$MINK_TEST_PG`.
void add_pg_option(CLI::App& app, std::string& conninfo);

/// Dies naming `--pg` and `$MINK_TEST_PG` when `conninfo` is empty;
/// `alternative` (e.g. " (or --skip-pg)") is added to the message.
void require_pg(const std::string& conninfo, const char* alternative = "");

/// The configuration of a mink store in `schema` with `pool_size`
/// connections.
postgres_config pg_store_config(const std::string& conninfo,
                                const std::string& schema, size_t pool_size);

/// Connects, drops `schema` (if it exists) with everything in it, and
/// disconnects; dies on errors.
void pg_drop_schema(const std::string& conninfo, const std::string& schema);

/// Connects or dies; notices are not printed.
PGconn* pg_connect(const std::string& conninfo);

/// Runs `sql` or dies.
void pg_must(PGconn* conn, const std::string& sql);

/// Starts each method from the same server state: without this, a
/// checkpoint triggered by the WAL of one method lands in the next one.
/// Needs superuser; where it is refused, the run goes on without it.
void pg_checkpoint(PGconn* conn);

/// A fresh schema with mink's tables (same columns and indexes).
void pg_fresh_schema(PGconn* conn, const std::string& schema);

/// The limit: COPY of 1000-row batches into schema `bench_raw`, one
/// transaction each, positions and versions computed by the client with no
/// checks.
result_row pg_raw_copy(PGconn* conn, const prebuilt_events& w, size_t n);

/// What naive code does: one INSERT, one transaction per event, into schema
/// `bench_naive`.
result_row pg_naive(PGconn* conn, const prebuilt_events& w, size_t n);

} // namespace mink::bench
