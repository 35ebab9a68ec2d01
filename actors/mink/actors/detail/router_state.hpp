#pragma once

// The router's state and the steps of its behavior (router.cpp), apart
// so that tests can check them one by one.

#include <atomic>
#include <chrono>
#include <list>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <caf/actor_addr.hpp>
#include <caf/typed_response_promise.hpp>

#include "mink/actors/interfaces.hpp"
#include "mink/actors/router.hpp"
#include "mink/cluster/ownership.hpp"

namespace mink::detail {

/// State of a router.
struct router_state {
  struct entry {
    aggregate_actor actor;
    std::list<const std::string*>::iterator lru_pos;
    std::chrono::steady_clock::time_point last_used;
    /// Commands sent to the actor and not yet answered (it lowers it).
    std::shared_ptr<std::atomic<int64_t>> in_flight;

    /// Whether the actor holds commands: then it is not passivated.
    bool busy() const {
      return in_flight->load(std::memory_order_relaxed) > 0;
    }
  };
  std::unordered_map<std::string, entry> alive;
  /// Aggregate ids (the keys of `alive`, which stay put), most recently
  /// used first.
  std::list<const std::string*> lru;
  /// A passivated actor still answering the commands it held. Commands for
  /// its aggregate wait here until it is down, so that they run after
  /// those, in arrival order, in the next actor.
  struct stopping_entry {
    aggregate_actor actor;
    std::vector<
      std::pair<command_envelope, caf::typed_response_promise<command_result>>>
      held;
  };
  std::unordered_map<std::string, stopping_entry> stopping;
  /// The commands in `stopping` and their `footprint`s, bounded by
  /// `router_config::max_held_commands` and `max_held_bytes`.
  size_t held_commands = 0;
  size_t held_bytes = 0;
  /// The aggregate id of each stopping actor, for its down message.
  std::unordered_map<caf::actor_addr, std::string> stopping_ids;
  /// What the router was started with.
  std::string aggregate_type;
  std::shared_ptr<const aggregate_context> ctx;
  router_config cfg;
  std::shared_ptr<router_stats> stats;
  aggregate_model_factory make_model = nullptr;
  static inline const char* name = "mink.router";
};

using router_self = router_actor::stateful_pointer<router_state>;

/// Lets the actor of `i` go: it stops once it answered what it holds.
void passivate(router_self self, router_stats& stats,
               std::unordered_map<std::string, router_state::entry>::iterator i);

/// Marks an alive actor as just used: front of the LRU list.
void touch(router_state& st, router_state::entry& e,
           std::chrono::steady_clock::time_point now);

/// Passivates actors from the least recently used end while more than
/// `max_alive` live, skipping busy ones and stopping at the first used
/// within `min_idle` (never the most recently used one).
void enforce_limit(router_self self, router_stats& stats, size_t max_alive,
                   std::chrono::milliseconds min_idle);

/// Holds `cmd` for the stopping actor `s` unless that would exceed
/// `max_held_commands` or `max_held_bytes`; returns whether it did.
bool try_hold(router_state& st, const router_config& cfg,
              router_state::stopping_entry& s, command_envelope& cmd,
              caf::typed_response_promise<command_result>& rp);

/// The router is going down: answers the commands held for stopping
/// actors and sends every actor of the router an exit with `reason`.
void stop_all(router_self self, const std::string& aggregate_type,
              const caf::error& reason);

/// Passivates actors idle longer than `idle_timeout` (busy ones stay).
void passivate_idle(router_self self, router_stats& stats,
                    std::chrono::milliseconds idle_timeout);

/// Passivates the idle actors of aggregates whose slice `own` says this
/// node no longer owns (busy ones stay until a later tick).
void passivate_moved(router_self self, router_stats& stats,
                     const cluster::ownership& own);

} // namespace mink::detail
