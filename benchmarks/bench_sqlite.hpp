#pragma once

// The SQLite baseline that mink is measured against (store_append_bench,
// mink-bench): raw sqlite3 inserts of the rows mink writes.

#include <string>

#include <sqlite3.h>

#include "bench_pg.hpp"

namespace mink::bench {

/// Removes a database file with its WAL and shared-memory files.
void sqlite_remove(const std::string& path);

/// Creates a fresh database file at `path` with mink's schema, via the
/// adapter; returns `path`. Dies on errors.
std::string sqlite_fresh_file(const std::string& path);

/// Runs `sql` or dies.
void sqlite_must(sqlite3* db, const char* sql);

/// Raw sqlite3 inserts of the rows mink writes into the fresh file at
/// `path` (`sqlite_fresh_file`), `per_txn` rows per transaction: the table
/// mink's migrations create (same columns and indexes), the pragmas mink's
/// adapter sets (WAL, synchronous=FULL, 16 MiB page cache), mink's INSERT
/// statement prepared once, every column bound (the metadata JSON and the
/// category as mink encodes them). Positions and versions come from the
/// client; nothing is checked or recorded. Dies on errors.
result_row sqlite_raw_insert(const std::string& path, const prebuilt_events& w,
                             size_t n, size_t per_txn, const std::string& name);

} // namespace mink::bench
