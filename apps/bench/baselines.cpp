#include "baselines.hpp"

#include <chrono>
#include <memory>

#include "bench_pg.hpp"
#include "bench_sqlite.hpp"

namespace mink_bench {

namespace {

using mink::bench::baseline_result;

std::vector<baseline_result> postgres_baselines(const std::string& conninfo,
                                                uint64_t n) {
  auto naive = std::max<uint64_t>(n / 10, 1);
  mink::bench::prebuilt_events w(n, 1000, 1);
  auto conn = mink::bench::pg_connect(conninfo);
  auto raw = mink::bench::pg_raw_copy(conn, w, n);
  auto one = mink::bench::pg_naive(conn, w, naive);
  PQfinish(conn);
  return {{"raw COPY, 1000 rows per transaction", raw.events, raw.seconds},
          {"one INSERT per transaction", one.events, one.seconds}};
}

std::vector<baseline_result> sqlite_baselines(const std::string& path,
                                              uint64_t n) {
  mink::bench::prebuilt_events w(n, 1000, 1);
  auto run = [&](const char* suffix, uint64_t events, size_t per_txn,
                 std::string name) {
    auto file = mink::bench::sqlite_fresh_file(path + suffix);
    auto row = mink::bench::sqlite_raw_insert(file, w, events, per_txn, name);
    mink::bench::sqlite_remove(file);
    return baseline_result{std::move(name), row.events, row.seconds};
  };
  return {run(".baseline-raw", n, 1000, "1000 prepared INSERTs per transaction"),
          run(".baseline-one", std::max<uint64_t>(n / 10, 1), 1,
              "one INSERT per transaction")};
}

} // namespace

std::vector<baseline_result>
run_baselines(const mink::store_location& where, uint64_t events) {
  switch (where.kind) {
    case mink::store_kind::postgres:
      return postgres_baselines(where.conninfo, events);
    case mink::store_kind::sqlite:
      return sqlite_baselines(where.path, events);
    default:
      return {};
  }
}

} // namespace mink_bench
