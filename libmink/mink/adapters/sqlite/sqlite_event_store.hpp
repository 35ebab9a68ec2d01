#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <caf/expected.hpp>

#include "mink/store/event_store.hpp"

namespace mink {

/// How to open a SQLite event store.
struct sqlite_config {
  /// The database file. Its parent directory is created when missing.
  std::string path;
  /// How long a statement waits for another connection's lock before it
  /// fails with `errc::store_unavailable`.
  std::chrono::milliseconds busy_timeout{5000};
  /// `PRAGMA synchronous=FULL` (durable on power loss) when true; `NORMAL`
  /// (durable on process crash; the last commits may roll back on power
  /// loss) when false.
  bool synchronous_full = true;
  /// The longest the inline projections may take for one stream of an
  /// append, while they hold SQLite's write lock. Their SQL is interrupted
  /// when it passes (a progress handler); a stream whose projections take
  /// longer gets `projection_failed`, the rest of the batch commits.
  std::chrono::milliseconds inline_deadline{500};
};

/// The embedded default event store: one SQLite database file in WAL mode.
///
/// Each instance owns one connection, guarded by a mutex. Many instances,
/// also in other processes, may share one file: each append batch runs in
/// one `BEGIN IMMEDIATE` transaction, which takes SQLite's single write
/// lock, so positions are dense and follow commit order. Readers never block
/// the writer (WAL).
class sqlite_event_store : public event_store {
public:
  /// Opens (and creates when missing) the database at `cfg.path`, sets WAL
  /// mode and applies missing schema migrations. Fails with
  /// `store_unavailable` when the file cannot be opened or stays locked,
  /// `invalid_argument` for an empty path, `storage_failure` otherwise.
  [[nodiscard]] static caf::expected<std::unique_ptr<sqlite_event_store>>
  open(const sqlite_config& cfg);

  ~sqlite_event_store() override;

  sqlite_event_store(const sqlite_event_store&) = delete;

  sqlite_event_store& operator=(const sqlite_event_store&) = delete;

  /// Returns the path of the database file.
  [[nodiscard]] const std::string& path() const noexcept;

protected:
  MINK_EVENT_STORE_OVERRIDES

  /// The last position, and the sizes of the database file and its WAL.
  caf::expected<mink::storage_usage> do_storage_usage() override;

  caf::error do_add_inline(std::shared_ptr<sql_projection> p) override;

private:
  /// The connection, its prepared statements and the mutex; defined in the
  /// source file to keep SOCI and sqlite3 out of this header.
  struct impl;

  explicit sqlite_event_store(std::unique_ptr<impl> ptr);

  std::unique_ptr<impl> impl_;
};

} // namespace mink
