#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "mink/actors/projection_status.hpp"
#include "mink/projection/checkpoint_store.hpp"
#include "mink/projection/projection_target.hpp"
#include "mink/store/event_store.hpp"

namespace mink {

/// Settings of projection runners.
struct runner_config {
  /// Most events asked of the feed at once (live).
  uint32_t live_batch = 2000;
  /// Events read from the store per batch while catching up or rebuilding.
  size_t catchup_batch = 10000;
  /// How often the runner reads its stored record: the bound on how long
  /// a pause, resume, reset, rebuild or replay from another process takes
  /// to be obeyed.
  std::chrono::milliseconds control_interval{250};
  /// How often the runner writes its state and lag to the store.
  std::chrono::milliseconds report_interval{1000};
  /// How often a process that does not run a projection tries to take it
  /// over (the runner that holds it may have died).
  std::chrono::milliseconds lead_retry{500};
  /// Without a feed: how often the runner polls the store when caught up.
  std::chrono::milliseconds idle_poll{50};
  /// The wait before trying again after the store failed.
  std::chrono::milliseconds store_retry{500};
  /// Who this process is, in reports (e.g. `pid@host`); filled in by the
  /// engine when empty.
  std::string runner_id;
};

/// Spawns the runner of one projection on a thread of its own (it calls
/// the projection's handlers and the stores, which block).
///
/// The runner takes the projection's lease (`checkpoint_store::try_lead`),
/// so one process runs it at a time; without the lease it retries every
/// `lead_retry`, and takes over when the holder dies. It then applies the
/// committed events after its checkpoint in batches: from the store while
/// catching up, from `feed` (when valid) once near the head. It obeys the
/// stored controls (pause, resume, reset, rebuild, dead-letter replay),
/// applies the projection's error policy to a failing event, and reports
/// its state and lag. `status` mirrors all of this for the process.
caf::actor spawn_projection_runner(caf::actor_system& sys,
                                   std::unique_ptr<projection_target> target,
                                   std::shared_ptr<event_store> store,
                                   std::shared_ptr<checkpoint_store> checkpoints,
                                   caf::actor feed,
                                   std::shared_ptr<projection_status> status,
                                   runner_config cfg);

} // namespace mink
