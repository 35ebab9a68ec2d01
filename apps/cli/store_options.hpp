#pragma once

#include <memory>
#include <string>

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "mink/errc.hpp"
#include "mink/projection/checkpoint_store.hpp"
#include "mink/store/event_store.hpp"
#include "mink/adapters/postgres/postgres_config.hpp"
#include "mink/adapters/open_stores.hpp"
#include "mink/store/snapshot_store.hpp"
#include "mink/adapters/sqlite/sqlite_event_store.hpp"
#include "mink/store/store_url.hpp"

namespace CLI {
class App;
class Option;
} // namespace CLI

namespace mink::cli {

/// The default SQLite database: the bank service's default `sqlite_path`.
constexpr const char* default_sqlite_path = "./data/bank.db";

/// Which store the CLI works on, from `--store`, `--sqlite`, `--pg`,
/// `--schema` or the environment (`MINK_STORE`, `MINK_SCHEMA`).
class store_options {
public:
  /// Adds the global options to `app`.
  void add_to(CLI::App& app);

  /// Resolves the options (command line, then environment, then the
  /// default). Fails with `invalid_argument` for a malformed `--store`.
  [[nodiscard]] caf::error resolve();

  bool is_postgres() const noexcept {
    return where_.kind == store_kind::postgres;
  }

  const sqlite_config& sqlite() const noexcept { return sqlite_; }

  const postgres_config& postgres() const noexcept { return pg_; }

  /// Names the store for messages; never shows a password.
  std::string describe() const;

  /// Where the store is, as resolved.
  const store_location& location() const noexcept { return where_; }

  /// How the commands open it: without `create`, nothing is created or
  /// migrated (only `migrate up` and `import` create or migrate a store).
  open_options options(bool create = false) const;

  /// Opens the stores (`mink::open_event_store` and its siblings). Without
  /// `create`, nothing is created or migrated: a missing SQLite file or a
  /// schema behind this build fails with `store_unavailable`. With it (for
  /// `import`), a missing store is created and the schema migrated up.
  [[nodiscard]] caf::expected<std::unique_ptr<event_store>>
  open_events(bool create = false) const;
  [[nodiscard]] caf::expected<std::unique_ptr<snapshot_store>>
  open_snapshots() const;
  [[nodiscard]] caf::expected<std::unique_ptr<checkpoint_store>>
  open_checkpoints() const;

private:
  /// The options as added, to tell an empty value from none.
  CLI::Option* store_opt_ = nullptr;
  CLI::Option* sqlite_opt_ = nullptr;
  CLI::Option* pg_opt_ = nullptr;
  std::string store_;
  std::string sqlite_path_;
  std::string pg_conninfo_;
  std::string schema_;
  store_location where_;
  sqlite_config sqlite_;
  postgres_config pg_;
};

/// Thrown by commands to end the program with a message on stderr.
struct failure {
  int exit_code;
  std::string message;
};

/// Exit codes.
constexpr int exit_ok = 0;
constexpr int exit_failure = 1;
constexpr int exit_usage = 2;
constexpr int exit_unhealthy = 3;

/// Throws a `failure` with exit code 1: `what: <message of err>`.
[[noreturn]] void fail(const std::string& what, const caf::error& err);

/// Throws a `failure` with exit code `code`.
[[noreturn]] void fail(const std::string& message, int code = exit_failure);

/// Returns the value or fails with `what`.
template <class T>
T value_or_fail(caf::expected<T> x, const std::string& what) {
  if (!x)
    fail(what, x.error());
  return std::move(*x);
}

} // namespace mink::cli
