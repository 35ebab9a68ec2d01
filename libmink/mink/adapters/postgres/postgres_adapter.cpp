#include "mink/adapters/postgres/postgres_adapter.hpp"

#include "mink/adapters/postgres/pg_lease_store.hpp"
#include "mink/adapters/postgres/pg_migrations.hpp"
#include "mink/adapters/postgres/pg_pool.hpp"
#include "mink/adapters/postgres/postgres_checkpoint_store.hpp"
#include "mink/adapters/postgres/postgres_event_store.hpp"
#include "mink/adapters/postgres/postgres_snapshot_store.hpp"
#include "mink/adapters/sql/sql_adapter.hpp"
#include "mink/store/conninfo.hpp"

namespace mink {

namespace {

postgres_config config_of(const store_location& where,
                          const open_options& opts) {
  postgres_config cfg;
  cfg.conninfo = where.conninfo;
  cfg.schema = where.schema;
  cfg.pool_size = opts.pool_size;
  cfg.statement_deadline = opts.statement_deadline;
  cfg.connect_timeout = opts.connect_timeout;
  return cfg;
}

caf::expected<schema_version> read_schema(const store_location& where,
                                          const open_options& opts) {
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
  const auto& known = pg::migrations();
  return schema_version{applied->empty() ? 0 : applied->back().version,
                        known.empty() ? 0 : known.back().version};
}

std::string table_prefix(const store_location& where) {
  return where.schema + ".";
}

} // namespace

store_adapter postgres_adapter() {
  auto x = sql_adapter_opening<postgres_event_store, postgres_snapshot_store,
                               postgres_checkpoint_store, config_of,
                               read_schema>(store_kind::postgres);
  x.table_prefix = table_prefix;
  x.open_leases = open_as<cluster::lease_store, pg::lease_store, config_of>;
  return x;
}

} // namespace mink

MINK_REGISTER_STORE_ADAPTER(postgres, mink::postgres_adapter)
