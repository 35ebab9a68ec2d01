#pragma once

#include <atomic>
#include <chrono>
#include <list>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <caf/all.hpp>

#include "mink/actors/aggregate_actor.hpp"
#include "mink/footprint.hpp"
#include "mink/stream_id.hpp"

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

/// State of a router.
struct router_state {
  struct entry {
    caf::actor actor;
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
    caf::actor actor;
    std::vector<std::pair<command_envelope, caf::response_promise>> held;
  };
  std::unordered_map<std::string, stopping_entry> stopping;
  /// The commands in `stopping` and their `footprint`s, bounded by
  /// `router_config::max_held_commands` and `max_held_bytes`.
  size_t held_commands = 0;
  size_t held_bytes = 0;
  /// The aggregate id of each stopping actor, for its down message.
  std::unordered_map<caf::actor_addr, std::string> stopping_ids;
  static inline const char* name = "mink.router";
};

namespace detail {

using router_self = caf::stateful_actor<router_state>;

void passivate(router_self* self, router_stats& stats,
               std::unordered_map<std::string, router_state::entry>::iterator i);

/// Marks an alive actor as just used: front of the LRU list.
void touch(router_state& st, router_state::entry& e,
           std::chrono::steady_clock::time_point now);

/// Passivates actors from the least recently used end while more than
/// `max_alive` live, skipping busy ones and stopping at the first used
/// within `min_idle` (never the most recently used one).
void enforce_limit(router_self* self, router_stats& stats, size_t max_alive,
                   std::chrono::milliseconds min_idle);

/// Holds `cmd` for the stopping actor `s` unless that would exceed
/// `max_held_commands` or `max_held_bytes`; returns whether it did.
bool try_hold(router_state& st, const router_config& cfg,
              router_state::stopping_entry& s, command_envelope& cmd,
              caf::response_promise& rp);

/// The router is going down: answers the commands held for stopping
/// actors and sends every actor of the router an exit with `reason`.
void stop_all(router_self* self, const std::string& aggregate_type,
              const caf::error& reason);

/// Passivates actors idle longer than `idle_timeout` (busy ones stay).
void passivate_idle(router_self* self, router_stats& stats,
                    std::chrono::milliseconds idle_timeout);

} // namespace detail

/// The router of one aggregate type: answers
/// `(command_atom, command_envelope)` by finding or spawning the actor of
/// the envelope's aggregate id and delegating the command to it (the
/// aggregate actor replies to the sender).
///
/// A passivated actor is told to stop once it has answered the commands it
/// holds; commands for its aggregate that come meanwhile wait in the
/// router and go to a new actor, in their order, when the old one is down.
template <class Decider>
caf::behavior router_actor(detail::router_self* self, std::string aggregate_type,
                           aggregate_context context, router_config cfg,
                           std::shared_ptr<router_stats> stats) {
  // Aggregate actors are not linked to the router: a link is an entry in
  // the router's attachables, which CAF scans to remove one, so passivating
  // among N live actors would cost O(N). A failing actor says it is gone
  // (`gone_atom`); the router stops its actors when it stops.
  context.router = self->address();
  auto ctx = std::make_shared<const aggregate_context>(std::move(context));
  self->delayed_send(self, cfg.tick_interval, tick_atom::value);
  self->set_exit_handler([=](caf::exit_msg& msg) {
    auto reason = msg.reason ? msg.reason
                             : caf::error{caf::exit_reason::user_shutdown};
    detail::stop_all(self, aggregate_type, reason);
    self->quit(reason);
  });
  // A bug in the router ends it too; its actors must not outlive it.
  self->set_exception_handler(
    [=](caf::scheduled_actor*, std::exception_ptr&) -> caf::error {
      caf::error reason{caf::exit_reason::unhandled_exception};
      detail::stop_all(self, aggregate_type, reason);
      return reason;
    });
  // Finds or spawns the actor of an aggregate that is not stopping, and
  // counts the command that goes to it as in flight.
  auto actor_for = [=](const command_envelope& cmd) {
    auto& st = self->state;
    auto now = std::chrono::steady_clock::now();
    auto i = st.alive.find(cmd.aggregate_id);
    if (i == st.alive.end()) {
      router_state::entry e;
      e.in_flight = std::make_shared<std::atomic<int64_t>>(0);
      e.actor = self->spawn(aggregate_actor<Decider>, cmd.stream_id(), ctx,
                            e.in_flight);
      e.last_used = now;
      i = st.alive.emplace(cmd.aggregate_id, std::move(e)).first;
      st.lru.push_front(&i->first);
      i->second.lru_pos = st.lru.begin();
      stats->spawned.fetch_add(1, std::memory_order_relaxed);
      stats->alive.store(st.alive.size(), std::memory_order_relaxed);
    } else {
      detail::touch(st, i->second, now);
    }
    i->second.in_flight->fetch_add(1, std::memory_order_relaxed);
    auto dest = i->second.actor;
    detail::enforce_limit(self, *stats, cfg.max_alive, cfg.min_idle_to_evict);
    return dest;
  };
  // A passivated actor is down: the commands held for its aggregate go to
  // a new actor, in the order they came.
  self->set_down_handler([=](caf::down_msg& msg) {
    auto& st = self->state;
    auto i = st.stopping_ids.find(msg.source);
    if (i == st.stopping_ids.end())
      return;
    auto id = std::move(i->second);
    st.stopping_ids.erase(i);
    auto j = st.stopping.find(id);
    if (j == st.stopping.end())
      return;
    auto held = std::move(j->second.held);
    st.stopping.erase(j);
    for (auto& [cmd, rp] : held) {
      st.held_commands -= 1;
      st.held_bytes -= footprint(cmd);
      auto dest = actor_for(cmd);
      rp.delegate(dest, command_atom::value, std::move(cmd));
    }
  });
  return {
    [=](command_atom, command_envelope& cmd)
      -> caf::result<command_result> {
      if (cmd.aggregate_type != aggregate_type)
        return make_error(errc::invalid_argument,
                          "command " + cmd.type + " is for aggregate type '"
                            + cmd.aggregate_type + "', this router serves '"
                            + aggregate_type + "'");
      if (auto err = validate_stream_id(cmd.stream_id()))
        return err;
      auto rp = self->make_response_promise();
      auto& st = self->state;
      if (auto s = st.stopping.find(cmd.aggregate_id); s != st.stopping.end()) {
        if (!detail::try_hold(st, cfg, s->second, cmd, rp)) {
          stats->held_refused.fetch_add(1, std::memory_order_relaxed);
          rp.deliver(make_error(errc::overloaded,
                                "too many commands wait for stopping "
                                "aggregates of type '"
                                  + aggregate_type + "'"));
        }
        return rp;
      }
      // The aggregate answers the sender directly: no second hop through
      // the router, which every command of the type passes.
      auto dest = actor_for(cmd);
      rp.delegate(dest, command_atom::value, std::move(cmd));
      return rp;
    },
    [=](gone_atom, const std::string& stream_id, const caf::actor_addr& who) {
      // A child that failed (it answered its commands) is forgotten; its
      // aggregate's next command spawns a new one.
      auto& st = self->state;
      auto id = stream_id.substr(std::min(stream_id.size(),
                                          aggregate_type.size() + 1));
      auto i = st.alive.find(id);
      if (i == st.alive.end() || i->second.actor.address() != who)
        return;
      st.lru.erase(i->second.lru_pos);
      st.alive.erase(i);
      stats->alive.store(st.alive.size(), std::memory_order_relaxed);
    },
    [=](tick_atom) {
      detail::passivate_idle(self, *stats, cfg.idle_timeout);
      // Actors kept over `max_alive` while they were busy or recent.
      detail::enforce_limit(self, *stats, cfg.max_alive,
                            cfg.min_idle_to_evict);
      self->delayed_send(self, cfg.tick_interval, tick_atom::value);
    },
  };
}

/// Spawns the router of `aggregate_type`, whose aggregates `Decider` runs.
template <class Decider>
caf::actor spawn_router(caf::actor_system& sys, std::string aggregate_type,
                        aggregate_context ctx, router_config cfg,
                        std::shared_ptr<router_stats> stats) {
  return sys.spawn(router_actor<Decider>, std::move(aggregate_type),
                   std::move(ctx), cfg, std::move(stats));
}

} // namespace mink
