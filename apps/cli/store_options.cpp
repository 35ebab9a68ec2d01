#include "store_options.hpp"

#include <cstdlib>

#include <CLI/CLI.hpp>

#include "mink/errc.hpp"
#include "mink/adapters/open_stores.hpp"
#include "mink/store/conninfo.hpp"

namespace mink::cli {

namespace {

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
                 "PostgreSQL schema (default: the URL's ?schema=, else "
                 "$MINK_SCHEMA, else mink)")
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
  auto where = parse_store_url(spec);
  if (!where)
    return std::move(where.error());
  if (where->kind == store_kind::memory)
    return make_error(errc::invalid_argument,
                      "the store memory: holds nothing between runs: use "
                      "sqlite:PATH or postgresql://...");
  // --schema wins, then the URL's ?schema=, then $MINK_SCHEMA.
  if (!schema_.empty())
    where->schema = schema_;
  else if (!where->schema_given)
    where->schema = env_or("MINK_SCHEMA", "mink");
  if (auto err = pg::validate_schema_name(where->schema);
      err && where->kind == store_kind::postgres)
    return err;
  where_ = std::move(*where);
  sqlite_ = {};
  pg_ = {};
  if (where_.kind == store_kind::sqlite) {
    sqlite_.path = where_.path;
  } else {
    pg_.conninfo = where_.conninfo;
    pg_.schema = where_.schema;
    pg_.pool_size = 2;
  }
  return {};
}

std::string store_options::describe() const {
  return where_.describe();
}

open_options store_options::options(bool create) const {
  // Only `migrate up` and `import` create or migrate a store.
  open_options opts;
  opts.migrate = create;
  opts.pool_size = 2;
  return opts;
}

caf::expected<std::unique_ptr<event_store>>
store_options::open_events(bool create) const {
  return open_event_store(where_, options(create));
}

caf::expected<std::unique_ptr<snapshot_store>>
store_options::open_snapshots() const {
  return open_snapshot_store(where_, options());
}

caf::expected<std::unique_ptr<checkpoint_store>>
store_options::open_checkpoints() const {
  return open_checkpoint_store(where_, options());
}

void fail(const std::string& what, const caf::error& err) {
  throw failure{exit_failure, what + ": " + message_of(err) + " ("
                                + std::string{to_string(code_of(err))} + ")"};
}

void fail(const std::string& message, int code) {
  throw failure{code, message};
}

} // namespace mink::cli
