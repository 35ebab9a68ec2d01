#include "mink/adapters/sqlite/sqlite_adapter.hpp"

#include <filesystem>

#include "mink/adapters/sql/sql_adapter.hpp"
#include "mink/adapters/sqlite/sqlite_checkpoint_store.hpp"
#include "mink/adapters/sqlite/sqlite_event_store.hpp"
#include "mink/adapters/sqlite/sqlite_migrations.hpp"
#include "mink/adapters/sqlite/sqlite_snapshot_store.hpp"
#include "mink/errc.hpp"

namespace mink {

namespace {

sqlite_config config_of(const store_location& where,
                        const open_options&) {
  sqlite_config cfg;
  cfg.path = where.path;
  return cfg;
}

caf::expected<schema_version> read_schema(const store_location& where,
                                          const open_options&) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(where.path, ec))
    return make_error(errc::store_unavailable,
                      "no database at " + where.path
                        + " (create one with `mink migrate up`)");
  auto current = sqlite_schema_version(where.path);
  if (!current)
    return std::move(current.error());
  return schema_version{*current, sqlite_latest_schema_version()};
}

} // namespace

store_adapter sqlite_adapter() {
  return sql_adapter_opening<sqlite_event_store, sqlite_snapshot_store,
                             sqlite_checkpoint_store, config_of, read_schema>(
    store_kind::sqlite);
}

} // namespace mink

MINK_REGISTER_STORE_ADAPTER(sqlite, mink::sqlite_adapter)
