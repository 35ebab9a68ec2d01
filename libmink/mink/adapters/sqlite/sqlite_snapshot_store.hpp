#pragma once

#include <memory>
#include <string>

#include <caf/expected.hpp>

#include "mink/store/snapshot_store.hpp"
#include "mink/adapters/sqlite/sqlite_event_store.hpp"

namespace mink {

/// The SQLite adapter of the snapshot store: the table `mink_snapshots` in
/// the same database file as the events (`sqlite_event_store`).
///
/// Each instance owns one connection, guarded by a mutex; other instances,
/// also in other processes and event stores, may share the file. A save is
/// one `INSERT ... ON CONFLICT DO UPDATE ... WHERE` statement, so the
/// version check and the write are atomic.
class sqlite_snapshot_store : public snapshot_store {
public:
  /// Opens (and creates when missing) the database at `cfg.path` with a
  /// connection of its own, sets WAL mode and applies missing schema
  /// migrations. Fails like `sqlite_event_store::open`.
  [[nodiscard]] static caf::expected<std::unique_ptr<sqlite_snapshot_store>>
  open(const sqlite_config& cfg);

  ~sqlite_snapshot_store() override;

  sqlite_snapshot_store(const sqlite_snapshot_store&) = delete;

  sqlite_snapshot_store& operator=(const sqlite_snapshot_store&) = delete;

  /// Returns the path of the database file.
  [[nodiscard]] const std::string& path() const noexcept;

protected:
  MINK_SNAPSHOT_STORE_OVERRIDES

private:
  /// The connection, its prepared statements and the mutex; defined in the
  /// source file to keep SOCI and sqlite3 out of this header.
  struct impl;

  explicit sqlite_snapshot_store(std::unique_ptr<impl> ptr);

  std::unique_ptr<impl> impl_;
};

} // namespace mink
