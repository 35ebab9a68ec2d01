#include "mink/store/open_stores.hpp"

#include <filesystem>
#include <utility>

#include "mink/errc.hpp"
#include "mink/projection/memory_checkpoint_store.hpp"
#include "mink/projection/postgres_checkpoint_store.hpp"
#include "mink/projection/sql_checkpoint_store.hpp"
#include "mink/projection/sqlite_checkpoint_store.hpp"
#include "mink/store/memory/memory_event_store.hpp"
#include "mink/store/memory/memory_snapshot_store.hpp"
#include "mink/store/postgres/pg_migrations.hpp"
#include "mink/store/postgres/pg_pool.hpp"
#include "mink/store/postgres/pg_result.hpp"
#include "mink/store/postgres/postgres_event_store.hpp"
#include "mink/store/postgres/postgres_snapshot_store.hpp"
#include "mink/store/sqlite/sqlite_event_store.hpp"
#include "mink/store/sqlite/sqlite_migrations.hpp"
#include "mink/store/sqlite/sqlite_snapshot_store.hpp"

namespace mink {

namespace {

sqlite_config sqlite_of(const store_location& where) {
  sqlite_config cfg;
  cfg.path = where.path;
  return cfg;
}

postgres_config postgres_of(const store_location& where,
                            const open_options& opts) {
  postgres_config cfg;
  cfg.conninfo = where.conninfo;
  cfg.schema = where.schema;
  cfg.pool_size = opts.pool_size;
  cfg.statement_deadline = opts.statement_deadline;
  cfg.connect_timeout = opts.connect_timeout;
  return cfg;
}

caf::error outdated(const store_location& where, int current, int latest) {
  if (current > latest)
    return make_error(errc::store_unavailable,
                      where.describe() + " has schema version "
                        + std::to_string(current)
                        + ", newer than this build of mink knows ("
                        + std::to_string(latest) + ")");
  return make_error(errc::store_unavailable,
                    where.describe() + " has schema version "
                      + std::to_string(current) + "; this build of mink needs "
                      + std::to_string(latest) + ": run `mink migrate up`");
}

/// Without `migrate`: refuses what opening would create or change.
caf::error check_current(const store_location& where,
                         const open_options& opts) {
  if (opts.migrate || where.kind == store_kind::memory)
    return {};
  if (where.kind == store_kind::sqlite) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(where.path, ec))
      return make_error(errc::store_unavailable,
                        "no database at " + where.path
                          + " (create one with `mink migrate up`)");
    auto v = sqlite_schema_version(where.path);
    if (!v)
      return std::move(v.error());
    auto latest = sqlite_latest_schema_version();
    return *v == latest ? caf::error{} : outdated(where, *v, latest);
  }
  if (auto err = pg::validate_schema_name(where.schema))
    return err;
  pg::pool_limits limits{opts.statement_deadline, opts.connect_timeout};
  auto pool = pg::pool::open(where.conninfo, 1, limits);
  if (!pool)
    return std::move(pool.error());
  auto lease = (*pool)->acquire(opts.connect_timeout);
  if (!lease)
    return std::move(lease.error());
  auto applied = pg::migration_status(lease->conn(), where.schema);
  if (!applied)
    return std::move(applied.error());
  int current = applied->empty() ? 0 : applied->back().version;
  const auto& known = pg::migrations();
  int latest = known.empty() ? 0 : known.back().version;
  return current == latest ? caf::error{} : outdated(where, current, latest);
}

/// `x` (an `expected<unique_ptr<Derived>>`) as an `expected<unique_ptr<Base>>`.
template <class Base, class T>
caf::expected<std::unique_ptr<Base>> upcast(caf::expected<T> x) {
  if (!x)
    return std::move(x.error());
  return std::unique_ptr<Base>{std::move(*x)};
}

/// Opens the store of port `Port` that `where` names, by the adapter's
/// class.
template <class Port, class Memory, class Sqlite, class Postgres>
caf::expected<std::unique_ptr<Port>> open_one(const store_location& where,
                                              const open_options& opts) {
  if (auto err = check_current(where, opts))
    return err;
  switch (where.kind) {
    case store_kind::memory:
      return std::unique_ptr<Port>{new Memory};
    case store_kind::sqlite:
      return upcast<Port>(Sqlite::open(sqlite_of(where)));
    case store_kind::postgres:
      break;
  }
  return upcast<Port>(Postgres::open(postgres_of(where, opts)));
}

} // namespace

caf::expected<std::unique_ptr<event_store>>
open_event_store(const store_location& where, const open_options& opts) {
  return open_one<event_store, memory_event_store, sqlite_event_store,
                  postgres_event_store>(where, opts);
}

caf::expected<std::unique_ptr<snapshot_store>>
open_snapshot_store(const store_location& where, const open_options& opts) {
  return open_one<snapshot_store, memory_snapshot_store, sqlite_snapshot_store,
                  postgres_snapshot_store>(where, opts);
}

caf::expected<std::unique_ptr<checkpoint_store>>
open_checkpoint_store(const store_location& where, const open_options& opts) {
  return open_one<checkpoint_store, memory_checkpoint_store,
                  sqlite_checkpoint_store, postgres_checkpoint_store>(where,
                                                                      opts);
}

caf::expected<store_set> open_stores(const store_location& where,
                                     const open_options& opts) {
  if (auto err = check_current(where, opts))
    return err;
  // Checked once: the stores below need not check again.
  auto once = opts;
  once.migrate = true;
  store_set x;
  x.description = where.describe();
  if (where.kind == store_kind::postgres)
    x.table_prefix = where.schema + ".";
  auto events = open_event_store(where, once);
  if (!events)
    return std::move(events.error());
  x.events = std::move(*events);
  auto snapshots = open_snapshot_store(where, once);
  if (!snapshots)
    return std::move(snapshots.error());
  x.snapshots = std::move(*snapshots);
  auto checkpoints = open_checkpoint_store(where, once);
  if (!checkpoints)
    return std::move(checkpoints.error());
  x.checkpoints = std::move(*checkpoints);
  x.sql = std::dynamic_pointer_cast<sql_checkpoint_store>(x.checkpoints);
  return x;
}

caf::expected<store_set> open_stores(const std::string& url,
                                     const open_options& opts) {
  auto where = parse_store_url(url);
  if (!where)
    return std::move(where.error());
  return open_stores(*where, opts);
}

} // namespace mink
