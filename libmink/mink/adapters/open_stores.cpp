#include "mink/adapters/open_stores.hpp"

#include <utility>

#include "mink/errc.hpp"
#include "mink/adapters/store_adapter.hpp"

namespace mink {

namespace {

caf::error outdated(const store_location& where, schema_version v) {
  if (v.current > v.latest)
    return make_error(errc::store_unavailable,
                      where.describe() + " has schema version "
                        + std::to_string(v.current)
                        + ", newer than this build of mink knows ("
                        + std::to_string(v.latest) + ")");
  return make_error(errc::store_unavailable,
                    where.describe() + " has schema version "
                      + std::to_string(v.current)
                      + "; this build of mink needs "
                      + std::to_string(v.latest) + ": run `mink migrate up`");
}

/// Without `migrate`: refuses what opening would create or change.
caf::error check_current(const store_adapter& adapter,
                         const store_location& where,
                         const open_options& opts) {
  if (opts.migrate || adapter.read_schema == nullptr)
    return {};
  auto v = adapter.read_schema(where, opts);
  if (!v)
    return std::move(v.error());
  return v->current == v->latest ? caf::error{} : outdated(where, *v);
}

/// One of the adapter's openers.
template <class Port>
using opener = caf::expected<std::unique_ptr<Port>> (*)(const store_location&,
                                                        const open_options&);

/// Opens the store of port `Port` with `open`, one of the members of the
/// adapter `where` names.
template <class Port>
caf::expected<std::unique_ptr<Port>>
open_one(const store_location& where, const open_options& opts,
         opener<Port> store_adapter::*open) {
  auto adapter = find_store_adapter(where);
  if (!adapter)
    return std::move(adapter.error());
  if ((*adapter).*open == nullptr)
    return make_error(errc::invalid_argument,
                      where.describe() + " has no store of this kind");
  if (auto err = check_current(*adapter, where, opts))
    return err;
  return ((*adapter).*open)(where, opts);
}

} // namespace

caf::expected<std::unique_ptr<event_store>>
open_event_store(const store_location& where, const open_options& opts) {
  return open_one<event_store>(where, opts, &store_adapter::open_events);
}

caf::expected<std::unique_ptr<snapshot_store>>
open_snapshot_store(const store_location& where, const open_options& opts) {
  return open_one<snapshot_store>(where, opts,
                                  &store_adapter::open_snapshots);
}

caf::expected<std::unique_ptr<checkpoint_store>>
open_checkpoint_store(const store_location& where, const open_options& opts) {
  return open_one<checkpoint_store>(where, opts,
                                    &store_adapter::open_checkpoints);
}

caf::expected<std::unique_ptr<cluster::lease_store>>
open_lease_store(const store_location& where, const open_options& opts) {
  if (where.kind != store_kind::postgres && where.kind != store_kind::other)
    return make_error(errc::invalid_argument,
                      "clustering needs the PostgreSQL store; "
                        + where.describe() + " keeps no slice leases");
  return open_one<cluster::lease_store>(where, opts,
                                        &store_adapter::open_leases);
}

caf::expected<store_set> open_stores(const store_location& where,
                                     const open_options& opts) {
  auto adapter = find_store_adapter(where);
  if (!adapter)
    return std::move(adapter.error());
  if (auto err = check_current(*adapter, where, opts))
    return err;
  store_set x;
  x.description = where.describe();
  if (adapter->table_prefix != nullptr)
    x.table_prefix = adapter->table_prefix(where);
  auto events = adapter->open_events(where, opts);
  if (!events)
    return std::move(events.error());
  x.events = std::move(*events);
  auto snapshots = adapter->open_snapshots(where, opts);
  if (!snapshots)
    return std::move(snapshots.error());
  x.snapshots = std::move(*snapshots);
  auto checkpoints = adapter->open_checkpoints(where, opts);
  if (!checkpoints)
    return std::move(checkpoints.error());
  x.checkpoints = std::move(*checkpoints);
  if (adapter->as_sql != nullptr)
    x.sql = adapter->as_sql(x.checkpoints);
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
