#pragma once

// Internal helpers of the SQLite adapter: a RAII prepared statement on the raw
// sqlite3 connection that SOCI holds, and the mapping of SQLite failures to
// mink errors. Only sources of the adapter include this header (it pulls in
// SOCI and sqlite3, which are private dependencies of libmink).

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include <caf/error.hpp>

#include <soci/session.h>
#include <soci/sqlite3/soci-sqlite3.h>

namespace mink::detail {

/// Returns the mink error for a SQLite result code (primary or extended):
/// busy, locked and cannot-open become `store_unavailable`, everything else
/// `storage_failure`.
[[nodiscard]] caf::error sqlite_error(int code, std::string what);

/// Converts the exception in flight into a mink error whose message starts
/// with `context`. Call only from within a `catch` block.
[[nodiscard]] caf::error current_exception_error(const std::string& context);

/// Throws `soci::sqlite3_soci_error` carrying the extended result code and
/// message of `db`, prefixed with `context`.
[[noreturn]] void throw_sqlite_error(sqlite_api::sqlite3* db,
                                     std::string_view context);

/// Returns a SOCI connect string for the database file at `path`.
[[nodiscard]] std::string
sqlite_connect_string(const std::string& path,
                      std::chrono::milliseconds busy_timeout);

/// Returns the raw connection of a session opened with SOCI's sqlite3
/// backend.
[[nodiscard]] sqlite_api::sqlite3* raw_connection(soci::session& sql);

/// Opens `sql` on the database file at `path` and sets the busy timeout.
/// SQLite creates the file when missing (but not its directory). Throws
/// `soci::soci_error`.
void open_sqlite_session(soci::session& sql, const std::string& path,
                         std::chrono::milliseconds busy_timeout);

/// Checks a database path before opening it: not empty, not a directory;
/// creates its parent directory when missing. Returns `invalid_argument` or
/// `store_unavailable` naming the path, or the empty error.
[[nodiscard]] caf::error prepare_sqlite_path(const std::string& path);

/// Sets the file's journal (WAL) and synchronous mode, then applies missing
/// migrations: what every adapter does after opening `sql`. Throws
/// `soci::soci_error`.
void configure_sqlite_file(soci::session& sql, bool synchronous_full);

/// A prepared statement that lives as long as this object. Not thread-safe:
/// the owner serializes access (the adapter holds its connection mutex).
class sqlite_statement {
public:
  sqlite_statement() noexcept = default;

  /// Prepares `sql` on `db`; throws `soci::sqlite3_soci_error` on failure.
  sqlite_statement(sqlite_api::sqlite3* db, std::string_view sql);

  sqlite_statement(sqlite_statement&& other) noexcept;

  sqlite_statement& operator=(sqlite_statement&& other) noexcept;

  sqlite_statement(const sqlite_statement&) = delete;

  sqlite_statement& operator=(const sqlite_statement&) = delete;

  ~sqlite_statement();

  /// Binds a 64-bit integer to the 1-based parameter `index`.
  void bind(int index, int64_t value);

  /// Binds text to the 1-based parameter `index` without copying it: `value`
  /// must stay alive until the statement is reset.
  void bind(int index, std::string_view value);

  /// Runs one step; returns SQLite's result code (`SQLITE_ROW`,
  /// `SQLITE_DONE` or an error) and never throws.
  [[nodiscard]] int step() noexcept;

  /// Runs one step: true when a row is ready, false when done. Throws on
  /// errors.
  [[nodiscard]] bool next();

  /// Runs a statement that yields no rows, then resets it. Throws on errors.
  void run();

  /// Returns the statement to its initial state and drops its bindings; ends
  /// the implicit read transaction of a SELECT.
  void reset() noexcept;

  /// Reads an integer column of the current row (0-based `col`).
  [[nodiscard]] int64_t int64_column(int col) const noexcept;

  /// Reads a text column of the current row (0-based `col`); NULL is empty.
  [[nodiscard]] std::string text_column(int col) const;

  /// Returns whether the statement is prepared.
  explicit operator bool() const noexcept { return stmt_ != nullptr; }

private:
  sqlite_api::sqlite3* db_ = nullptr;
  sqlite_api::sqlite3_stmt* stmt_ = nullptr;
};

/// Resets a statement when leaving a scope, also on errors, so that no read
/// keeps its snapshot and no write keeps its bindings.
class sqlite_reset_guard {
public:
  explicit sqlite_reset_guard(sqlite_statement& stmt) noexcept : stmt_(stmt) {
    // nop
  }

  sqlite_reset_guard(const sqlite_reset_guard&) = delete;

  sqlite_reset_guard& operator=(const sqlite_reset_guard&) = delete;

  ~sqlite_reset_guard() { stmt_.reset(); }

private:
  sqlite_statement& stmt_;
};

} // namespace mink::detail
