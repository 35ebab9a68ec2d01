#include "bench_sqlite.hpp"

#include <chrono>
#include <filesystem>

#include "bench_pg.hpp"
#include "mink/adapters/sqlite/sqlite_event_store.hpp"
#include "mink/errc.hpp"

namespace mink::bench {

void sqlite_remove(const std::string& path) {
  for (auto suffix : {"", "-wal", "-shm"})
    std::filesystem::remove(path + suffix);
}

std::string sqlite_fresh_file(const std::string& path) {
  sqlite_remove(path);
  auto store = sqlite_event_store::open(sqlite_config{path});
  if (!store)
    die(to_text(store.error()));
  return path;
}

void sqlite_must(sqlite3* db, const char* sql) {
  if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK)
    die(std::string{sql} + ": " + sqlite3_errmsg(db));
}

result_row sqlite_raw_insert(const std::string& path, const prebuilt_events& w,
                             size_t n, size_t per_txn, const std::string& name) {
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK)
    die("cannot open " + path);
  sqlite_must(db, "PRAGMA journal_mode=WAL");
  sqlite_must(db, "PRAGMA synchronous=FULL");
  sqlite_must(db, "PRAGMA cache_size=-16384");
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db,
                         "INSERT INTO mink_events (position, stream_id,"
                         " version, category, event_id, type, schema_version,"
                         " data, metadata, created_at_us) VALUES"
                         " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         -1, &stmt, nullptr)
      != SQLITE_OK)
    die(std::string{"sqlite prepare: "} + sqlite3_errmsg(db));
  const std::string category = "account";
  const std::string type = "MoneyDeposited";
  const std::string meta = R"({"correlation_id":"bench"})";
  auto text = [&](int col, const std::string& x) {
    sqlite3_bind_text(stmt, col, x.c_str(), static_cast<int>(x.size()),
                      SQLITE_STATIC);
  };
  auto start = std::chrono::steady_clock::now();
  for (size_t done = 0; done < n; done += per_txn) {
    sqlite_must(db, "BEGIN IMMEDIATE");
    auto now = static_cast<sqlite3_int64>(
      std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::system_clock::now().time_since_epoch())
        .count());
    for (size_t i = done; i < done + per_txn && i < n; ++i) {
      sqlite3_bind_int64(stmt, 1, static_cast<sqlite3_int64>(i + 1));
      text(2, w.streams[i]);
      sqlite3_bind_int64(stmt, 3, w.versions[i]);
      text(4, category);
      text(5, w.ids[i]);
      text(6, type);
      sqlite3_bind_int64(stmt, 7, 1);
      text(8, w.payloads[i]);
      text(9, meta);
      sqlite3_bind_int64(stmt, 10, now);
      if (sqlite3_step(stmt) != SQLITE_DONE)
        die(std::string{"sqlite insert: "} + sqlite3_errmsg(db));
      sqlite3_reset(stmt);
    }
    sqlite_must(db, "COMMIT");
  }
  result_row row{name, n, seconds_since(start)};
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return row;
}

} // namespace mink::bench
