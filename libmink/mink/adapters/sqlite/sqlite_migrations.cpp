#include "mink/adapters/sqlite/sqlite_migrations.hpp"

#include <filesystem>
#include <stdexcept>

#include <soci/soci.h>

#include "mink/clock.hpp"
#include "mink/errc.hpp"
#include "mink/adapters/sqlite/sqlite_statement.hpp"

namespace mink {

namespace {

/// One schema change: statements that run in order, inside the migration
/// transaction. Never edit a released migration; add a new one instead.
struct migration {
  int version;
  const char* name;
  std::vector<const char*> statements;
};

const std::vector<migration>& migrations() {
  static const std::vector<migration> result{
    {1,
     "create mink_events",
     {"CREATE TABLE IF NOT EXISTS mink_events ("
      " position INTEGER PRIMARY KEY,"
      " stream_id TEXT NOT NULL,"
      " version INTEGER NOT NULL,"
      " category TEXT NOT NULL,"
      " event_id TEXT NOT NULL UNIQUE,"
      " type TEXT NOT NULL,"
      " schema_version INTEGER NOT NULL,"
      " data TEXT NOT NULL,"
      " metadata TEXT NOT NULL,"
      " created_at_us INTEGER NOT NULL,"
      " UNIQUE (stream_id, version))"}},
    // Serves `read_all` with a category filter: an index on (category) holds
    // the rowid (= position) as its last key column, so `category = ? AND
    // position >= ? ORDER BY position` is one range scan instead of a scan of
    // every later event. It costs about 5% of the CPU time per appended
    // event (measured: 1000-event batches, WAL, 16 MiB page cache). Type
    // filters have no index; they narrow a position range scan.
    {2,
     "index mink_events by category",
     {"CREATE INDEX IF NOT EXISTS mink_events_category"
      " ON mink_events (category)"}},
    // The latest snapshot per stream (sqlite_snapshot_store). The primary
    // key (BINARY collation: byte order) serves loads, listing in stream id
    // order and category ranges.
    {3,
     "create mink_snapshots",
     {"CREATE TABLE IF NOT EXISTS mink_snapshots ("
      " stream_id TEXT PRIMARY KEY,"
      " version INTEGER NOT NULL,"
      " state_type TEXT NOT NULL,"
      " schema_version INTEGER NOT NULL,"
      " data TEXT NOT NULL,"
      " created_at_us INTEGER NOT NULL)"}},
    // Command records of idempotent appends (stream_append::command_id),
    // written in the transaction of the command's events. The index on the
    // write time serves purging by age.
    {4,
     "create mink_commands",
     {"CREATE TABLE IF NOT EXISTS mink_commands ("
      " command_id TEXT PRIMARY KEY,"
      " stream_id TEXT NOT NULL,"
      " version INTEGER NOT NULL,"
      " first_position INTEGER NOT NULL,"
      " last_position INTEGER NOT NULL,"
      " created_at_us INTEGER NOT NULL)",
      "CREATE INDEX IF NOT EXISTS mink_commands_created"
      " ON mink_commands (created_at_us)"}},
    // Projection checkpoints, operator requests and runner reports, and the
    // events projections parked (sqlite_checkpoint_store). Names and
    // positions order by the primary keys (BINARY collation: byte order).
    {5,
     "create mink_projections and mink_projection_dead_letters",
     {"CREATE TABLE IF NOT EXISTS mink_projections ("
      " name TEXT PRIMARY KEY,"
      " position INTEGER NOT NULL DEFAULT 0,"
      " desired TEXT NOT NULL DEFAULT 'running',"
      " reset_to INTEGER,"
      " rebuild_requested INTEGER NOT NULL DEFAULT 0,"
      " state TEXT NOT NULL DEFAULT 'stopped',"
      " last_error TEXT NOT NULL DEFAULT '',"
      " lag_events INTEGER NOT NULL DEFAULT 0,"
      " lag_seconds REAL NOT NULL DEFAULT 0,"
      " runner TEXT NOT NULL DEFAULT '',"
      " reported_at_us INTEGER NOT NULL DEFAULT 0)",
      "CREATE TABLE IF NOT EXISTS mink_projection_dead_letters ("
      " projection TEXT NOT NULL,"
      " position INTEGER NOT NULL,"
      " event_id TEXT NOT NULL,"
      " stream_id TEXT NOT NULL,"
      " event_type TEXT NOT NULL,"
      " error TEXT NOT NULL,"
      " parked_at_us INTEGER NOT NULL,"
      " replay_requested INTEGER NOT NULL DEFAULT 0,"
      " PRIMARY KEY (projection, position)) WITHOUT ROWID"}},
  };
  return result;
}


bool has_migrations_table(sqlite_api::sqlite3* db) {
  detail::sqlite_statement stmt{db, "SELECT 1 FROM sqlite_master WHERE type = "
                                    "'table' AND name = "
                                    "'mink_schema_migrations'"};
  return stmt.next();
}

std::string newer_schema_message(int current) {
  return "the database has schema version " + std::to_string(current)
         + ", newer than this build of mink knows ("
         + std::to_string(sqlite_latest_schema_version()) + ")";
}

/// Opens an existing database file for inspection; false when it is absent.
bool open_existing(soci::session& sql, const std::string& path,
                   std::chrono::milliseconds busy_timeout) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    return false;
  detail::open_sqlite_session(sql, path, busy_timeout);
  return true;
}

} // namespace

int sqlite_latest_schema_version() noexcept {
  return migrations().back().version;
}

caf::expected<int>
sqlite_schema_version(const std::string& path,
                      std::chrono::milliseconds busy_timeout) {
  try {
    soci::session sql;
    if (!open_existing(sql, path, busy_timeout))
      return 0;
    return detail::sqlite_schema_version(sql);
  } catch (...) {
    return detail::current_exception_error("sqlite database " + path);
  }
}

caf::expected<std::vector<sqlite_applied_migration>>
sqlite_applied_migrations(const std::string& path,
                          std::chrono::milliseconds busy_timeout) {
  try {
    std::vector<sqlite_applied_migration> result;
    soci::session sql;
    if (!open_existing(sql, path, busy_timeout))
      return result;
    auto db = detail::raw_connection(sql);
    if (!has_migrations_table(db))
      return result;
    detail::sqlite_statement stmt{db, "SELECT version, name, applied_at_us "
                                      "FROM mink_schema_migrations "
                                      "ORDER BY version"};
    while (stmt.next())
      result.push_back(
        sqlite_applied_migration{static_cast<int>(stmt.int64_column(0)),
                                 stmt.text_column(1), stmt.int64_column(2)});
    return result;
  } catch (...) {
    return detail::current_exception_error("sqlite database " + path);
  }
}

caf::expected<int>
apply_sqlite_migrations(const std::string& path,
                        std::chrono::milliseconds busy_timeout) {
  try {
    soci::session sql;
    detail::open_sqlite_session(sql, path, busy_timeout);
    return detail::apply_sqlite_migrations(sql);
  } catch (...) {
    return detail::current_exception_error("sqlite database " + path);
  }
}

namespace detail {

int sqlite_schema_version(soci::session& sql) {
  auto db = raw_connection(sql);
  if (!has_migrations_table(db))
    return 0;
  sqlite_statement stmt{db, "SELECT COALESCE(MAX(version), 0) "
                            "FROM mink_schema_migrations"};
  return stmt.next() ? static_cast<int>(stmt.int64_column(0)) : 0;
}

int apply_sqlite_migrations(soci::session& sql) {
  auto latest = sqlite_latest_schema_version();
  // Fast path without the write lock: nothing to do.
  auto current = sqlite_schema_version(sql);
  if (current == latest)
    return 0;
  if (current > latest)
    throw std::runtime_error(newer_schema_message(current));
  // IMMEDIATE takes the write lock up front: a second process that opens
  // the same file waits here (busy timeout), then sees the new version.
  sql << "BEGIN IMMEDIATE";
  try {
    sql << "CREATE TABLE IF NOT EXISTS mink_schema_migrations ("
           " version INTEGER PRIMARY KEY,"
           " name TEXT NOT NULL,"
           " applied_at_us INTEGER NOT NULL)";
    current = sqlite_schema_version(sql);
    if (current > latest)
      throw std::runtime_error(newer_schema_message(current));
    int applied = 0;
    for (const auto& m : migrations()) {
      if (m.version <= current)
        continue;
      for (auto stmt : m.statements)
        sql << stmt;
      std::string name = m.name;
      long long at = now_us();
      int version = m.version;
      sql << "INSERT INTO mink_schema_migrations (version, name, applied_at_us)"
             " VALUES (:version, :name, :at)",
        soci::use(version), soci::use(name), soci::use(at);
      ++applied;
    }
    sql << "COMMIT";
    return applied;
  } catch (...) {
    try {
      sql << "ROLLBACK";
    } catch (...) {
      // The transaction may be gone already; the original error matters.
    }
    throw;
  }
}

} // namespace detail

} // namespace mink
