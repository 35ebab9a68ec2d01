#pragma once

#include <string>
#include <string_view>

#include <caf/expected.hpp>

namespace mink {

/// The adapters a store URL can name: mink's own, and `other` for an
/// adapter outside mink that registered its URL scheme
/// (`register_store_adapter`).
enum class store_kind { memory, sqlite, postgres, other };

/// Where a store is, parsed from a URL by `parse_store_url`.
struct store_location {
  store_kind kind = store_kind::memory;
  /// SQLite: the database file.
  std::string path;
  /// PostgreSQL: a libpq connection string, as a URI (without mink's own
  /// query parameters) or in keyword form. May hold a password: never log
  /// it; log `describe()`.
  std::string conninfo;
  /// PostgreSQL: the schema of mink's tables (validated).
  std::string schema = "mink";
  /// PostgreSQL: whether the URL named the schema (`?schema=`); false when
  /// `schema` is the default.
  bool schema_given = false;
  /// `other`: the registered scheme that names the adapter; its parser
  /// fills `path` or `conninfo` (and may use `schema`).
  std::string scheme;

  /// Names the store for logs and messages, the password masked.
  [[nodiscard]] std::string describe() const;
};

/// Parses a store URL:
/// - `memory:` — the memory adapter (nothing survives the process);
/// - `sqlite:PATH` (or `sqlite://PATH`, so `sqlite:///abs/path`) — a SQLite
///   database file;
/// - `postgresql://user@host:port/db?schema=bank` (or `postgres://`) — a
///   libpq URI; `schema` (default `mink`) is mink's and is taken out of the
///   connection string, every other parameter goes to libpq;
/// - `pg:CONNINFO` (or `postgresql:CONNINFO`) — libpq's keyword form
///   (`pg:host=... dbname=...`).
///
/// - `SCHEME:...` — a scheme an adapter outside mink registered; its parser
///   reads the URL.
///
/// Fails with `invalid_argument` naming the problem for an unknown scheme,
/// an empty path or connection string, or a bad schema name; the message
/// never holds the password.
[[nodiscard]] caf::expected<store_location>
parse_store_url(std::string_view url);

} // namespace mink
