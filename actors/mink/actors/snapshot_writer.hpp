#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "mink/store/snapshot_store.hpp"

namespace mink {

/// When an aggregate actor writes a snapshot of its state.
struct snapshot_policy {
  /// Every this many events (each time the version crosses a multiple of
  /// it); 0 = never by count.
  int64_t every_events = 0;
  /// Or whenever this returns true for the new version; empty = never.
  std::function<bool(int64_t version)> when;

  bool due(int64_t old_version, int64_t new_version) const {
    if (every_events > 0 && old_version / every_events != new_version / every_events)
      return true;
    return when && when(new_version);
  }
};

/// Snapshot counters, readable from any thread.
struct snapshot_stats {
  std::atomic<uint64_t> written{0};
  /// Snapshots found but not used (another state type or schema version,
  /// or undecodable); the aggregate replayed all its events instead.
  std::atomic<uint64_t> ignored{0};
  std::atomic<uint64_t> failed{0};
};

/// Spawns the snapshot writer on a thread of its own. It takes
/// `(snapshot_atom, snapshot)` and saves it; nobody waits for the save, so
/// writing a snapshot never delays a command reply. Failures are counted
/// and logged.
caf::actor spawn_snapshot_writer(caf::actor_system& sys,
                                 std::shared_ptr<snapshot_store> store,
                                 std::shared_ptr<snapshot_stats> stats);

} // namespace mink
