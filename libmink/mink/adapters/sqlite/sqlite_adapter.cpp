#include "mink/adapters/sqlite/sqlite_adapter.hpp"

#include <filesystem>

#include "mink/adapters/sqlite/sqlite_checkpoint_store.hpp"
#include "mink/adapters/sqlite/sqlite_event_store.hpp"
#include "mink/adapters/sqlite/sqlite_migrations.hpp"
#include "mink/adapters/sqlite/sqlite_snapshot_store.hpp"
#include "mink/errc.hpp"

namespace mink {

namespace {

sqlite_config config_of(const store_location& where) {
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

template <class Port, class Store>
caf::expected<std::unique_ptr<Port>> open(const store_location& where,
                                          const open_options&) {
  auto x = Store::open(config_of(where));
  if (!x)
    return std::move(x.error());
  return std::unique_ptr<Port>{std::move(*x)};
}

std::shared_ptr<sql_checkpoint_store>
as_sql(const std::shared_ptr<checkpoint_store>& x) {
  return std::static_pointer_cast<sqlite_checkpoint_store>(x);
}

} // namespace

store_adapter sqlite_adapter() {
  store_adapter x;
  x.kind = store_kind::sqlite;
  x.read_schema = read_schema;
  x.open_events = open<event_store, sqlite_event_store>;
  x.open_snapshots = open<snapshot_store, sqlite_snapshot_store>;
  x.open_checkpoints = open<checkpoint_store, sqlite_checkpoint_store>;
  x.as_sql = as_sql;
  return x;
}

} // namespace mink

/// Named by the linker option of mink::sqlite (cmake/MinkTargets.cmake) so
/// that this file, and the registration below, is linked into every
/// program that links the library.
extern "C" void mink_sqlite_adapter_anchor() {}

namespace {

[[maybe_unused]] const bool registered
  = (mink::register_store_adapter(mink::sqlite_adapter()), true);

} // namespace
