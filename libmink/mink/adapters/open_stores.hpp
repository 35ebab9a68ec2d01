#pragma once

#include <memory>
#include <string>

#include <caf/expected.hpp>

#include "mink/cluster/lease_store.hpp"
#include "mink/projection/checkpoint_store.hpp"
#include "mink/store/event_store.hpp"
#include "mink/store/open_options.hpp"
#include "mink/store/snapshot_store.hpp"
#include "mink/store/store_url.hpp"

namespace mink {

class sql_checkpoint_store;

/// Every store of one adapter.
struct store_set {
  std::shared_ptr<event_store> events;
  std::shared_ptr<snapshot_store> snapshots;
  std::shared_ptr<checkpoint_store> checkpoints;
  /// The same checkpoint store when it also runs SQL read models (SQLite,
  /// PostgreSQL); null for the memory adapter.
  std::shared_ptr<sql_checkpoint_store> sql;
  /// The prefix of a read model's tables: `schema.` on PostgreSQL, empty
  /// on SQLite.
  std::string table_prefix;
  /// Where the stores are, the password masked.
  std::string description;
};

/// Opens the event, snapshot and checkpoint stores that `url` names (see
/// `parse_store_url`). The memory adapter's three stores share nothing but
/// the process. Fails with `invalid_argument` for a bad URL and with the
/// adapter's error otherwise (e.g. `store_unavailable`); no message holds
/// a password.
[[nodiscard]] caf::expected<store_set>
open_stores(const std::string& url, const open_options& opts = {});

/// Like `open_stores(url)`, from a parsed location.
[[nodiscard]] caf::expected<store_set>
open_stores(const store_location& where, const open_options& opts = {});

/// Opens the event store alone.
[[nodiscard]] caf::expected<std::unique_ptr<event_store>>
open_event_store(const store_location& where, const open_options& opts = {});

/// Opens the snapshot store alone.
[[nodiscard]] caf::expected<std::unique_ptr<snapshot_store>>
open_snapshot_store(const store_location& where,
                    const open_options& opts = {});

/// Opens the checkpoint store alone.
[[nodiscard]] caf::expected<std::unique_ptr<checkpoint_store>>
open_checkpoint_store(const store_location& where,
                      const open_options& opts = {});

/// Opens the cluster's lease store (PostgreSQL only; `invalid_argument`
/// for other stores, naming them).
[[nodiscard]] caf::expected<std::unique_ptr<cluster::lease_store>>
open_lease_store(const store_location& where, const open_options& opts = {});

} // namespace mink
