#pragma once

#include <memory>
#include <string>
#include <vector>

#include <caf/expected.hpp>

#include "mink/cluster/lease_store.hpp"
#include "mink/projection/checkpoint_store.hpp"
#include "mink/store/event_store.hpp"
#include "mink/store/open_options.hpp"
#include "mink/store/snapshot_store.hpp"
#include "mink/store/store_url.hpp"

namespace mink {

class sql_checkpoint_store;

/// The version of a stored schema, and the newest this build knows.
struct schema_version {
  int current = 0;
  int latest = 0;
};

/// What a store adapter gives `open_stores`: how to open each of its stores
/// from a parsed URL. Each adapter library (`mink/adapters/<name>/`)
/// registers one when a program links it; the memory adapter is part of
/// mink::core.
/// An adapter outside mink's own uses `store_kind::other` with a `scheme`
/// and a `parse` function of its own.
struct store_adapter {
  /// The URLs it opens.
  store_kind kind = store_kind::memory;
  /// `other`: the URL scheme it opens (`SCHEME:...`), lowercase letters,
  /// digits and `+-.`, not one of mink's own.
  std::string scheme;
  /// `other`: reads a URL of `scheme` into the location its openers get
  /// (`kind` and `scheme` are set after); fails with `invalid_argument`
  /// naming the problem, never the password.
  caf::expected<store_location> (*parse)(const std::string& url) = nullptr;
  /// Reads the stored schema's version without changing anything; fails
  /// when there is nothing to read (e.g. a missing SQLite file). Null for
  /// an adapter without a stored schema.
  caf::expected<schema_version> (*read_schema)(const store_location&,
                                               const open_options&)
    = nullptr;
  /// Open its stores (creating and migrating them when `migrate` is on;
  /// `open_stores` checks the schema first when it is off).
  caf::expected<std::unique_ptr<event_store>> (*open_events)(
    const store_location&, const open_options&)
    = nullptr;
  caf::expected<std::unique_ptr<snapshot_store>> (*open_snapshots)(
    const store_location&, const open_options&)
    = nullptr;
  caf::expected<std::unique_ptr<checkpoint_store>> (*open_checkpoints)(
    const store_location&, const open_options&)
    = nullptr;
  /// Opens the cluster's lease store; null for adapters without one.
  caf::expected<std::unique_ptr<cluster::lease_store>> (*open_leases)(
    const store_location&, const open_options&)
    = nullptr;
  /// The checkpoint store as the SQL store that also runs read models in
  /// its database; null when the adapter has none.
  std::shared_ptr<sql_checkpoint_store> (*as_sql)(
    const std::shared_ptr<checkpoint_store>&)
    = nullptr;
  /// The prefix of read-model table names (`schema.` on PostgreSQL).
  std::string (*table_prefix)(const store_location&) = nullptr;
};

/// An opener of a `store_adapter`: opens a `Store` (an adapter's class with
/// a static `open(config)`) with the config `config_of(where, opts)` makes,
/// as its port `Port`.
template <class Port, class Store, auto ConfigOf>
caf::expected<std::unique_ptr<Port>> open_as(const store_location& where,
                                             const open_options& opts) {
  auto x = Store::open(ConfigOf(where, opts));
  if (!x)
    return std::move(x.error());
  return std::unique_ptr<Port>{std::move(*x)};
}

/// An adapter of `kind` whose openers open `Events`, `Snapshots` and
/// `Checkpoints` with the config `ConfigOf(where, opts)` makes; the caller
/// adds what else the adapter does (`read_schema`, `as_sql`, ...).
template <class Events, class Snapshots, class Checkpoints, auto ConfigOf>
store_adapter adapter_opening(store_kind kind) {
  store_adapter x;
  x.kind = kind;
  x.open_events = open_as<event_store, Events, ConfigOf>;
  x.open_snapshots = open_as<snapshot_store, Snapshots, ConfigOf>;
  x.open_checkpoints = open_as<checkpoint_store, Checkpoints, ConfigOf>;
  return x;
}

/// Makes `x` the adapter of `x.kind` (of `x.scheme` for `other`), replacing
/// an earlier one. Adapter libraries call it while the program starts
/// (`MINK_REGISTER_STORE_ADAPTER`). Fails with `invalid_argument` for an
/// `other` adapter without a parser or with a malformed or reserved scheme.
caf::error register_store_adapter(const store_adapter& x);

/// Returns the adapter that opens `where`, or `invalid_argument` naming the
/// component to link when the program has none.
[[nodiscard]] caf::expected<store_adapter>
find_store_adapter(const store_location& where);

/// Returns the adapter outside mink's own registered for `scheme`, or
/// `invalid_argument`.
[[nodiscard]] caf::expected<store_adapter>
find_store_adapter(const std::string& scheme);

/// The schemes of the adapters outside mink's own, in registration order.
[[nodiscard]] std::vector<std::string> registered_schemes();

namespace detail {

/// Registers `x` while the program starts; there is no caller to return an
/// error to, so a refusal goes to stderr, naming the adapter. Returns
/// whether it registered.
bool register_at_start(const char* name, const store_adapter& x);

} // namespace detail

/// Reads the version of the schema stored where `where` says, and the
/// newest this build knows, without changing anything (memory: 0 and 0).
/// Fails with `store_unavailable` when there is no store (a missing SQLite
/// file) or it cannot be reached.
[[nodiscard]] caf::expected<schema_version>
read_schema_version(const store_location& where, const open_options& opts = {});

} // namespace mink

/// Registers the adapter `make()` returns while the program starts, and
/// defines `mink_<name>_adapter_anchor`, which the adapter's CMake target
/// (`mink_add_adapter`) makes every program that links it reference, so
/// that the registration is kept even from a static library. Use once, at
/// namespace scope, in `<name>_adapter.cpp`.
#define MINK_REGISTER_STORE_ADAPTER(name, make)                                \
  extern "C" void mink_##name##_adapter_anchor() {}                           \
  namespace {                                                                 \
  [[maybe_unused]] const bool mink_##name##_adapter_registered                \
    = ::mink::detail::register_at_start(#name, make());                       \
  }
