#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <utility>

#include <caf/actor_system.hpp>

#include "mink/actors/aggregate_actor.hpp"

namespace mink {

/// When the router lets aggregate actors go.
struct router_config {
  /// An actor with no command for this long is passivated; its next command
  /// rehydrates it from the store.
  std::chrono::milliseconds idle_timeout{std::chrono::minutes{1}};
  /// At most this many actors stay alive; the least recently used idle ones
  /// are passivated first. A soft bound: actors with commands in flight, and
  /// actors used within `min_idle_to_evict`, are never passivated to keep
  /// it (see there).
  size_t max_alive = 100000;
  /// An actor is passivated to keep `max_alive` only once it has had no
  /// command for this long; until then more than `max_alive` may live (the
  /// next tick or command passivates them once they are old enough). So a
  /// hot set larger than `max_alive` is not passivated and rehydrated on
  /// every command: each of its actors is passivated at most once per
  /// `min_idle_to_evict`. 0 = a strict bound on idle actors.
  std::chrono::milliseconds min_idle_to_evict{std::chrono::seconds{1}};
  /// How often idle actors are looked for.
  std::chrono::milliseconds tick_interval{std::chrono::seconds{1}};
  /// Commands held for aggregates whose actor is stopping (see
  /// `router_state::stopping`), in all, above which new ones for such an
  /// aggregate are answered `overloaded` at once.
  size_t max_held_commands = 10000;
  /// The same bound in bytes (`footprint` of the envelopes; a payload
  /// counts by its envelope's size only).
  size_t max_held_bytes = size_t{16} << 20;
};

/// Counters of a router, readable from any thread.
struct router_stats {
  std::atomic<size_t> alive{0};
  /// Actors spawned: each one after an aggregate's first is a rehydration.
  std::atomic<uint64_t> spawned{0};
  std::atomic<uint64_t> passivated{0};
  /// Commands refused because too many were held for stopping actors.
  std::atomic<uint64_t> held_refused{0};
};

/// Spawns the router of `aggregate_type`: it answers commands by finding
/// or spawning the actor of the envelope's aggregate id (with a model from
/// `make_model`) and delegating the command to it (the aggregate actor
/// replies to the sender).
///
/// A passivated actor is told to stop once it has answered the commands it
/// holds; commands for its aggregate that come meanwhile wait in the
/// router and go to a new actor, in their order, when the old one is down.
router_actor spawn_router(caf::actor_system& sys, std::string aggregate_type,
                          aggregate_context ctx, router_config cfg,
                          std::shared_ptr<router_stats> stats,
                          aggregate_model_factory make_model);

/// Spawns the router of `aggregate_type`, whose aggregates `Decider` runs.
template <class Decider>
router_actor spawn_router(caf::actor_system& sys, std::string aggregate_type,
                          aggregate_context ctx, router_config cfg,
                          std::shared_ptr<router_stats> stats) {
  return spawn_router(sys, std::move(aggregate_type), std::move(ctx), cfg,
                      std::move(stats), make_model_factory<Decider>());
}

} // namespace mink
