#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <caf/expected.hpp>

namespace soci {
class session;
} // namespace soci

namespace mink {

/// A schema migration that a SQLite database has recorded in the table
/// `mink_schema_migrations`.
struct sqlite_applied_migration {
  int version = 0;
  std::string name;
  /// When it ran, in microseconds since the epoch.
  int64_t applied_at_us = 0;
};

/// Returns the newest schema version that this build of mink knows.
[[nodiscard]] int sqlite_latest_schema_version() noexcept;

/// Returns the schema version of the database file at `path`: the highest
/// applied migration, 0 when the file or the migrations table does not
/// exist. Never creates or changes the file.
[[nodiscard]] caf::expected<int>
sqlite_schema_version(const std::string& path,
                      std::chrono::milliseconds busy_timeout
                      = std::chrono::milliseconds{5000});

/// Returns the migrations recorded in the database file at `path`, oldest
/// first; empty when the file or the migrations table does not exist. Never
/// creates or changes the file.
[[nodiscard]] caf::expected<std::vector<sqlite_applied_migration>>
sqlite_applied_migrations(const std::string& path,
                          std::chrono::milliseconds busy_timeout
                          = std::chrono::milliseconds{5000});

/// Applies the migrations that the database file at `path` lacks, creating
/// the file (not its directory) when missing. Returns how many it applied:
/// 0 for an up-to-date database. Fails with `store_unavailable` when the
/// file cannot be opened or stays locked, `storage_failure` when the database
/// is newer than this build or a migration fails.
[[nodiscard]] caf::expected<int>
apply_sqlite_migrations(const std::string& path,
                        std::chrono::milliseconds busy_timeout
                        = std::chrono::milliseconds{5000});

namespace detail {

/// Applies missing migrations on an open session inside one
/// `BEGIN IMMEDIATE` transaction, so that concurrent openers of one file
/// apply each migration once. Returns how many it applied. Throws
/// `soci::soci_error` (or `std::runtime_error` when the database is newer
/// than this build).
int apply_sqlite_migrations(soci::session& sql);

/// Returns the highest applied migration; 0 without a migrations table.
/// Throws `soci::soci_error`.
int sqlite_schema_version(soci::session& sql);

} // namespace detail

} // namespace mink
