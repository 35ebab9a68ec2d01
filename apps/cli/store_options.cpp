#include "store_options.hpp"

#include <cstdlib>
#include <filesystem>

#include <CLI/CLI.hpp>

#include "mink/errc.hpp"
#include "mink/projection/postgres_checkpoint_store.hpp"
#include "mink/projection/sqlite_checkpoint_store.hpp"
#include "mink/store/postgres/conninfo.hpp"
#include "mink/store/postgres/postgres_event_store.hpp"
#include "mink/store/postgres/postgres_snapshot_store.hpp"
#include "mink/store/sqlite/sqlite_snapshot_store.hpp"

namespace mink::cli {

namespace {

bool starts_with(const std::string& x, const std::string& prefix) {
  return x.compare(0, prefix.size(), prefix) == 0;
}

std::string env_or(const char* name, std::string fallback) {
  auto value = std::getenv(name);
  return value != nullptr && *value != '\0' ? std::string{value}
                                            : std::move(fallback);
}

} // namespace

void store_options::add_to(CLI::App& app) {
  auto group = "Store (default: $MINK_STORE, else sqlite:"
               + std::string{default_sqlite_path} + ")";
  auto store = app.add_option("--store", store_,
                              "sqlite:PATH, postgresql://... or "
                              "pg:CONNINFO (libpq keyword form)")
                 ->group(group);
  auto sqlite = app.add_option("--sqlite", sqlite_path_,
                               "SQLite database file")
                  ->group(group);
  auto pg = app.add_option("--pg", pg_conninfo_,
                           "PostgreSQL connection string (libpq)")
              ->group(group);
  app.add_option("--schema", schema_,
                 "PostgreSQL schema (default: $MINK_SCHEMA, else mink)")
    ->group(group);
  store->excludes(sqlite)->excludes(pg);
  sqlite->excludes(pg);
  store_opt_ = store;
  sqlite_opt_ = sqlite;
  pg_opt_ = pg;
}

caf::error store_options::resolve() {
  // An empty value (`--sqlite "$UNSET"`) must not fall back to another
  // store.
  for (auto [opt, value] : {std::pair{store_opt_, &store_},
                            std::pair{sqlite_opt_, &sqlite_path_},
                            std::pair{pg_opt_, &pg_conninfo_}})
    if (opt != nullptr && opt->count() > 0 && value->empty())
      return make_error(errc::invalid_argument,
                        opt->get_name() + " is empty: give a store");
  std::string spec;
  if (!sqlite_path_.empty())
    spec = "sqlite:" + sqlite_path_;
  else if (!pg_conninfo_.empty())
    spec = "pg:" + pg_conninfo_;
  else
    spec = !store_.empty() ? store_
                           : env_or("MINK_STORE", std::string{"sqlite:"}
                                                    + default_sqlite_path);
  pg_.schema = !schema_.empty() ? schema_ : env_or("MINK_SCHEMA", "mink");
  pg_.pool_size = 2;
  if (starts_with(spec, "sqlite:")) {
    sqlite_.path = spec.substr(7);
    if (sqlite_.path.empty())
      return make_error(errc::invalid_argument,
                        "--store sqlite: needs a path (sqlite:PATH)");
    return {};
  }
  if (starts_with(spec, "postgresql://") || starts_with(spec, "postgres://"))
    pg_.conninfo = spec;
  else if (starts_with(spec, "pg:") || starts_with(spec, "postgresql:"))
    pg_.conninfo = spec.substr(spec.find(':') + 1);
  else
    return make_error(errc::invalid_argument,
                      "unknown store '" + mask_password(spec)
                        + "': use sqlite:PATH, postgresql://... or "
                          "pg:CONNINFO");
  if (pg_.conninfo.empty())
    return make_error(errc::invalid_argument,
                      "the PostgreSQL connection string is empty");
  return {};
}

std::string store_options::describe() const {
  if (is_postgres())
    return "postgresql (" + mask_password(pg_.conninfo) + ", schema "
           + pg_.schema + ")";
  return "sqlite (" + sqlite_.path + ")";
}

caf::error store_options::require_existing() const {
  if (is_postgres())
    return {};
  std::error_code ec;
  if (!std::filesystem::is_regular_file(sqlite_.path, ec))
    return make_error(errc::store_unavailable,
                      "no database at " + sqlite_.path
                        + " (give --sqlite PATH or --store, or create one "
                          "with: mink migrate up)");
  return {};
}

caf::expected<std::unique_ptr<event_store>> store_options::open_events() const {
  if (is_postgres()) {
    auto x = postgres_event_store::open(pg_);
    if (!x)
      return std::move(x.error());
    return std::unique_ptr<event_store>{std::move(*x)};
  }
  auto x = sqlite_event_store::open(sqlite_);
  if (!x)
    return std::move(x.error());
  return std::unique_ptr<event_store>{std::move(*x)};
}

caf::expected<std::unique_ptr<snapshot_store>>
store_options::open_snapshots() const {
  if (is_postgres()) {
    auto x = postgres_snapshot_store::open(pg_);
    if (!x)
      return std::move(x.error());
    return std::unique_ptr<snapshot_store>{std::move(*x)};
  }
  auto x = sqlite_snapshot_store::open(sqlite_);
  if (!x)
    return std::move(x.error());
  return std::unique_ptr<snapshot_store>{std::move(*x)};
}

caf::expected<std::unique_ptr<checkpoint_store>>
store_options::open_checkpoints() const {
  if (is_postgres()) {
    auto x = postgres_checkpoint_store::open(pg_);
    if (!x)
      return std::move(x.error());
    return std::unique_ptr<checkpoint_store>{std::move(*x)};
  }
  auto x = sqlite_checkpoint_store::open(sqlite_);
  if (!x)
    return std::move(x.error());
  return std::unique_ptr<checkpoint_store>{std::move(*x)};
}

void fail(const std::string& what, const caf::error& err) {
  throw failure{exit_failure, what + ": " + message_of(err) + " ("
                                + std::string{to_string(code_of(err))} + ")"};
}

void fail(const std::string& message, int code) {
  throw failure{code, message};
}

} // namespace mink::cli
