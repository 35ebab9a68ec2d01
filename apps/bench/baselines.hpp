#pragma once

// The baselines mink-bench measures in the same run, on the same database
// as the store: the most a client can write (COPY or batched inserts, no
// checks) and what naive code does (one transaction per event).

#include <string>
#include <vector>

#include "mink/bench/run_report.hpp"
#include "mink/store/store_url.hpp"

namespace mink_bench {

/// Runs both baselines with `events` 200-byte events (the naive one with a
/// tenth of them) on the database of `where`:
/// - PostgreSQL: COPY of 1000-row batches into schema `bench_raw`, one
///   INSERT per transaction into `bench_naive` (both schemas are dropped
///   and made again, with mink's tables);
/// - SQLite: 1000-row transactions of prepared INSERTs, and one INSERT per
///   transaction, each into a fresh file beside the store's
///   (`PATH.baseline-raw`, `PATH.baseline-one`; removed at the end) with
///   mink's schema and pragmas.
/// The memory store has none: an empty list. Exits the program with a
/// message when the database fails.
[[nodiscard]] std::vector<mink::bench::baseline_result>
run_baselines(const mink::store_location& where, uint64_t events);

} // namespace mink_bench
