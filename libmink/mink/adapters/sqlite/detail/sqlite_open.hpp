#pragma once

// Opening one of the SQLite stores: what the event, snapshot and
// checkpoint stores do alike. Only sources of the adapter include this.

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include <caf/expected.hpp>

#include "mink/adapters/sqlite/sqlite_event_store.hpp"
#include "mink/adapters/sqlite/sqlite_statement.hpp"

namespace mink::detail {

/// What the state of each SQLite store holds first: its connection. The
/// states derive from it, so their prepared statements (their own members)
/// are finalized before the connection closes, as SQLite requires.
struct sqlite_connection {
  explicit sqlite_connection(std::string file) : path(std::move(file)) {
    // nop
  }

  /// Guards the connection: it serves one call at a time.
  std::mutex mtx;
  std::string path;
  soci::session sql;
  /// The raw handle of `sql`, for statements of our own.
  sqlite_api::sqlite3* db = nullptr;

  /// `sqlite database <path>: <what>`, for error messages.
  std::string context(std::string_view what) const {
    std::string result = "sqlite database ";
    result += path;
    result += ": ";
    result += what;
    return result;
  }

  /// A statement prepared on `db`.
  sqlite_statement statement(std::string_view text) const {
    return sqlite_statement{db, text};
  }
};

/// Opens a SQLite store: checks `cfg.path`, makes the store's state
/// `Impl(path)` (a `sqlite_connection`), opens and configures the
/// file (migrations, journal mode, busy timeout), runs `init(state)`
/// (statements, pragmas of its own), then gives the state to `make` (the
/// store's constructor is private), which returns the new store. Exceptions
/// become errors that name the file.
template <class Impl, class Init, class Make>
auto open_sqlite_store(const sqlite_config& cfg, Init init, Make make)
  -> caf::expected<std::unique_ptr<
    std::remove_pointer_t<decltype(make(std::unique_ptr<Impl>{}))>>> {
  if (auto err = prepare_sqlite_path(cfg.path))
    return err;
  try {
    auto st = std::make_unique<Impl>(cfg.path);
    open_sqlite_session(st->sql, cfg.path, cfg.busy_timeout);
    st->db = raw_connection(st->sql);
    configure_sqlite_file(st->sql, cfg.synchronous_full);
    init(*st);
    using store = std::remove_pointer_t<decltype(make(std::move(st)))>;
    return std::unique_ptr<store>{make(std::move(st))};
  } catch (...) {
    return current_exception_error("sqlite database " + cfg.path);
  }
}

} // namespace mink::detail
