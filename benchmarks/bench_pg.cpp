#include "bench_pg.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include <CLI/CLI.hpp>

#include "mink/errc.hpp"
#include "mink/adapters/postgres/pg_migrations.hpp"
#include "mink/adapters/postgres/pg_result.hpp"
#include "mink/uuid.hpp"

namespace mink::bench {

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "benchmark: %s\n", what.c_str());
  std::exit(1);
}

prebuilt_events::prebuilt_events(size_t n, size_t streams_total,
                   size_t events_per_stream) {
  ids.reserve(n);
  payloads.reserve(n);
  streams.reserve(n);
  versions.reserve(n);
  std::vector<int64_t> last(streams_total, 0);
  for (size_t i = 0; i < n; ++i) {
    auto s = (i / events_per_stream) % streams_total;
    ids.push_back(make_uuid());
    payloads.push_back(make_payload(i));
    streams.push_back("account-" + std::to_string(s));
    versions.push_back(++last[s]);
  }
}

void add_pg_option(CLI::App& app, std::string& conninfo) {
  if (auto env = std::getenv("MINK_TEST_PG"))
    conninfo = env;
  app.add_option("--pg", conninfo,
                 "libpq connection string (default: $MINK_TEST_PG)");
}

void require_pg(const std::string& conninfo, const char* alternative) {
  if (conninfo.empty())
    die(std::string{"no PostgreSQL: pass --pg or set MINK_TEST_PG"}
        + alternative);
}

postgres_config pg_store_config(const std::string& conninfo,
                                const std::string& schema, size_t pool_size) {
  postgres_config cfg;
  cfg.conninfo = conninfo;
  cfg.schema = schema;
  cfg.pool_size = pool_size;
  return cfg;
}

void pg_drop_schema(const std::string& conninfo, const std::string& schema) {
  auto conn = pg_connect(conninfo);
  pg_must(conn, "DROP SCHEMA IF EXISTS " + schema + " CASCADE");
  PQfinish(conn);
}

PGconn* pg_connect(const std::string& conninfo) {
  auto conn = PQconnectdb(conninfo.c_str());
  if (PQstatus(conn) != CONNECTION_OK)
    die(std::string{"cannot connect to PostgreSQL: "} + PQerrorMessage(conn));
  PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);
  return conn;
}

void pg_must(PGconn* conn, const std::string& sql) {
  if (auto res = pg::exec(conn, sql); !res)
    die(to_text(res.error()));
}

/// Starts each method from the same server state: without this, a
/// checkpoint triggered by the WAL of one method lands in the next one.
/// Needs superuser; where it is refused, the run goes on without it.
void pg_checkpoint(PGconn* conn) {
  (void) pg::exec(conn, "CHECKPOINT");
}

/// A fresh schema with mink's events table (same columns and indexes).
void pg_fresh_schema(PGconn* conn, const std::string& schema) {
  pg_must(conn, "DROP SCHEMA IF EXISTS " + schema + " CASCADE");
  if (auto err = pg::migrate_up(conn, schema))
    die(to_text(err));
  pg_checkpoint(conn);
}

/// (a) The limit: COPY of 1000-row batches, one transaction each, positions
/// and versions computed by the client with no checks.
result_row pg_raw_copy(PGconn* conn, const prebuilt_events& w, size_t n) {
  pg_fresh_schema(conn, "bench_raw");
  auto start = std::chrono::steady_clock::now();
  constexpr size_t batch = 1000;
  for (size_t done = 0; done < n; done += batch) {
    std::string rows;
    for (size_t i = done; i < done + batch && i < n; ++i) {
      rows += std::to_string(i + 1);
      rows += '\t';
      rows += w.streams[i];
      rows += '\t';
      rows += std::to_string(w.versions[i]);
      rows += "\taccount\t";
      rows += w.ids[i];
      rows += "\tMoneyDeposited\t1\t";
      pg::put_copy_field(rows, w.payloads[i]);
      rows += "\t{\"correlation_id\":\"bench\"}\n";
    }
    pg_must(conn, "BEGIN");
    pg_must(conn, "COPY bench_raw.events (position, stream_id, version, "
                  "category, event_id, type, schema_version, data, metadata) "
                  "FROM STDIN");
    // A batch is about 300 KB, well below libpq's int length.
    if (PQputCopyData(conn, rows.data(), static_cast<int>(rows.size())) != 1
        || PQputCopyEnd(conn, nullptr) != 1)
      die("COPY failed");
    pg::result res{PQgetResult(conn)};
    if (PQresultStatus(res.get()) != PGRES_COMMAND_OK)
      die(std::string{"COPY: "} + PQresultErrorMessage(res.get()));
    while (auto extra = PQgetResult(conn))
      PQclear(extra);
    pg_must(conn, "COMMIT");
  }
  return {"(a) raw COPY, 1000 rows/txn", n, seconds_since(start)};
}

/// (b) What naive code does: one INSERT, one transaction per event.
result_row pg_naive(PGconn* conn, const prebuilt_events& w, size_t n) {
  pg_fresh_schema(conn, "bench_naive");
  auto start = std::chrono::steady_clock::now();
  for (size_t i = 0; i < n; ++i) {
    auto res = pg::exec(conn,
                        "INSERT INTO bench_naive.events (position, stream_id, "
                        "version, category, event_id, type, schema_version, "
                        "data, metadata) VALUES ($1, $2, $3, 'account', $4, "
                        "'MoneyDeposited', 1, $5, "
                        "'{\"correlation_id\":\"bench\"}')",
                        {std::to_string(i + 1), w.streams[i],
                         std::to_string(w.versions[i]), w.ids[i],
                         w.payloads[i]});
    if (!res)
      die(to_text(res.error()));
  }
  return {"(b) one INSERT per transaction", n, seconds_since(start)};
}

} // namespace mink::bench
