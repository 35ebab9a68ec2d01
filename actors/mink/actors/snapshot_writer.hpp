#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>

#include <caf/actor_system.hpp>

#include "mink/actors/interfaces.hpp"
#include "mink/log.hpp"
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
  /// Snapshots replaced, before they were saved, by a newer one of their
  /// stream (or older than the one waiting).
  std::atomic<uint64_t> coalesced{0};
  /// Snapshots not saved because the writer's queue was full.
  std::atomic<uint64_t> dropped{0};
};

/// Bounds of the snapshot writer's queue.
struct snapshot_writer_config {
  /// Where snapshots that were not saved are logged; none = spdlog's
  /// default logger.
  logger_ptr log;
  /// Streams with a snapshot waiting to be saved, at most; a snapshot of
  /// another stream beyond is dropped (counted in `snapshot_stats::dropped`;
  /// the stream's next snapshot is taken when its policy says so again).
  size_t max_pending = 10000;
  /// The same bound in bytes (the snapshots' sizes in memory).
  size_t max_pending_bytes = size_t{64} << 20;
};

/// Spawns the snapshot writer. It takes `(snapshot_atom, snapshot)` and
/// saves it; nobody waits for the save, so writing a snapshot never delays
/// a command reply. Failures are counted and logged.
///
/// Snapshots wait in a queue on CAF's scheduler while the saver, on a
/// thread of its own, saves one at a time. The queue keeps one snapshot
/// per stream, the newest (a newer one replaces the one waiting), and is
/// bounded by `cfg`: a snapshot that does not fit is dropped, which costs
/// only a longer replay on the stream's next rehydration.
snapshot_writer_actor spawn_snapshot_writer(caf::actor_system& sys,
                                 std::shared_ptr<snapshot_store> store,
                                 std::shared_ptr<snapshot_stats> stats,
                                 snapshot_writer_config cfg = {});

} // namespace mink
