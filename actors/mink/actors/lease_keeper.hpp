#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include <caf/actor_system.hpp>
#include <caf/typed_actor.hpp>

#include "mink/actors/atoms.hpp"
#include "mink/cluster/lease_store.hpp"
#include "mink/cluster/ownership.hpp"
#include "mink/cluster/slices.hpp"
#include "mink/log.hpp"

namespace mink {

/// How a node takes part in a cluster of nodes on one PostgreSQL schema
/// (docs/scaling.md). Off while `node_id` is empty.
struct cluster_config {
  /// Unique per node: 1 to 100 ASCII letters, digits and `._:-`.
  std::string node_id;
  /// Where other nodes reach this one (host:port).
  std::string address;
  /// Fixed for a schema (see `cluster::default_slice_count`).
  int32_t slice_count = cluster::default_slice_count;
  /// How long a node's lease lasts after each heartbeat: a node that stops
  /// renewing it (killed, paused, cut off) loses its slices this long
  /// after its last heartbeat, and they are claimed at the others' next
  /// heartbeat. So a dead node's slices move within `lease_ttl +
  /// heartbeat` (6 s by default).
  std::chrono::milliseconds lease_ttl{5000};
  /// How often the node renews its lease and plans (claims and releases).
  std::chrono::milliseconds heartbeat{1000};
  /// Release every slice and leave the table when the keeper stops; off
  /// only to act out a crash in tests.
  bool leave_on_stop = true;

  [[nodiscard]] bool enabled() const noexcept { return !node_id.empty(); }
};

/// The lease keeper: a detached actor (its calls block on the database)
/// driving itself with `tick_atom`.
using lease_keeper_actor = caf::typed_actor<caf::reacts_to<tick_atom>>;

/// Spawns the lease keeper of a node: every `cfg.heartbeat` it renews the
/// node's lease, plans (`cluster::plan_leases`), releases the slices it
/// handed over at the heartbeat before (so appends taken before the
/// handover had a heartbeat to commit; fencing refuses any later one),
/// hands over those a live node should own now, claims its free share,
/// and tells `own` the table. When it cannot renew its lease for
/// `lease_ttl`, it drops every slice from `own` at once: other nodes may
/// have claimed them. Failures are logged once until the next success.
lease_keeper_actor spawn_lease_keeper(caf::actor_system& sys,
                                      std::shared_ptr<cluster::lease_store> leases,
                                      cluster_config cfg,
                                      std::shared_ptr<cluster::ownership> own,
                                      logger_ptr log);

} // namespace mink
