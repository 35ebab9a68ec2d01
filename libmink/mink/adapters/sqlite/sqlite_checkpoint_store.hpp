#pragma once

#include <memory>
#include <string>

#include <caf/expected.hpp>

#include "mink/adapters/sql/sql_checkpoint_store.hpp"
#include "mink/adapters/sqlite/sqlite_event_store.hpp"

namespace mink {

/// The SQLite adapter of the checkpoint store: the tables
/// `mink_projections` and `mink_projection_dead_letters` in the same
/// database file as the events (`sqlite_event_store`), so a read model in
/// that file commits with its checkpoint.
///
/// Each instance owns one connection, guarded by a mutex; other instances,
/// also in other processes, may share the file. `transact` holds the mutex
/// and SQLite's write lock (`BEGIN IMMEDIATE`) while the work runs.
///
/// Runner leases are exclusive `flock` locks on a side file per projection,
/// `<path>.projection-<hash of the name>.lock` (created when missing, never
/// deleted). The kernel drops a lock when its lease is destroyed or its
/// process dies. A forked child that does not exec shares its parent's
/// locks.
class sqlite_checkpoint_store : public sql_checkpoint_store {
public:
  /// Opens (and creates when missing) the database at `cfg.path` with a
  /// connection of its own, sets WAL mode and applies missing schema
  /// migrations. Fails like `sqlite_event_store::open`.
  [[nodiscard]] static caf::expected<std::unique_ptr<sqlite_checkpoint_store>>
  open(const sqlite_config& cfg);

  ~sqlite_checkpoint_store() override;

  sqlite_checkpoint_store(const sqlite_checkpoint_store&) = delete;

  sqlite_checkpoint_store& operator=(const sqlite_checkpoint_store&) = delete;

  /// Returns the path of the database file.
  [[nodiscard]] const std::string& path() const noexcept;

protected:
  MINK_SQL_CHECKPOINT_STORE_OVERRIDES

private:
  /// The connection and its mutex; defined in the source file to keep SOCI
  /// out of this header.
  struct impl;

  explicit sqlite_checkpoint_store(std::unique_ptr<impl> ptr);

  std::unique_ptr<impl> impl_;
};

} // namespace mink
