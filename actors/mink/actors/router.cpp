#include "mink/actors/router.hpp"

#include <algorithm>

#include <caf/all.hpp>

#include "mink/actors/detail/router_state.hpp"
#include "mink/cluster/slices.hpp"
#include "mink/footprint.hpp"
#include "mink/stream_id.hpp"

namespace mink {

namespace detail {

void passivate(router_self self, router_stats& stats,
               std::unordered_map<std::string, router_state::entry>::iterator i) {
  auto& st = self->state;
  // Commands already sent to it come before this message and are answered
  // first; its state lives in the store and comes back on the next command.
  // Monitored: its down message releases the commands that arrive for its
  // aggregate meanwhile (see router_state::stopping).
  auto& actor = i->second.actor;
  self->monitor(actor);
  st.stopping_ids.emplace(actor.address(), i->first);
  st.stopping.emplace(i->first, router_state::stopping_entry{actor, {}});
  self->send(actor, passivate_atom::value);
  st.lru.erase(i->second.lru_pos);
  st.alive.erase(i);
  stats.passivated.fetch_add(1, std::memory_order_relaxed);
  stats.alive.store(st.alive.size(), std::memory_order_relaxed);
}

void touch(router_state& st, router_state::entry& e,
           std::chrono::steady_clock::time_point now) {
  st.lru.splice(st.lru.begin(), st.lru, e.lru_pos);
  e.last_used = now;
}

void enforce_limit(router_self self, router_stats& stats, size_t max_alive,
                   std::chrono::milliseconds min_idle) {
  auto& st = self->state;
  auto now = std::chrono::steady_clock::now();
  auto recent = now - min_idle;
  // Each actor is looked at once at most: busy ones go to the front.
  for (auto n = st.alive.size();
       n > 0 && st.alive.size() > std::max<size_t>(max_alive, 1); --n) {
    auto i = st.alive.find(*st.lru.back());
    // Ordered by use: the first recent one ends the scan.
    if (i->second.last_used > recent)
      return;
    if (i->second.busy())
      touch(st, i->second, now);
    else
      passivate(self, stats, i);
  }
}

bool try_hold(router_state& st, const router_config& cfg,
              router_state::stopping_entry& s, command_envelope& cmd,
              caf::typed_response_promise<command_result>& rp) {
  auto bytes = footprint(cmd);
  if (st.held_commands >= cfg.max_held_commands
      || st.held_bytes + bytes > cfg.max_held_bytes)
    return false;
  st.held_commands += 1;
  st.held_bytes += bytes;
  s.held.emplace_back(std::move(cmd), rp);
  return true;
}

void stop_all(router_self self, const std::string& aggregate_type,
              const caf::error& reason) {
  auto& st = self->state;
  for (auto& [id, entry] : st.stopping)
    for (auto& held : entry.held)
      held.second.deliver(make_error(errc::storage_failure,
                                     "not run: the router of aggregate type '"
                                       + aggregate_type + "' stopped"));
  for (auto& [id, entry] : st.alive)
    self->send_exit(entry.actor, reason);
  for (auto& [id, entry] : st.stopping)
    self->send_exit(entry.actor, reason);
  st.stopping.clear();
  st.held_commands = 0;
  st.held_bytes = 0;
}

void passivate_idle(router_self self, router_stats& stats,
                    std::chrono::milliseconds idle_timeout) {
  auto& st = self->state;
  auto now = std::chrono::steady_clock::now();
  auto deadline = now - idle_timeout;
  for (auto n = st.alive.size(); n > 0 && !st.lru.empty(); --n) {
    auto i = st.alive.find(*st.lru.back());
    // The list is ordered by use, so the first recent one ends the scan.
    if (i->second.last_used > deadline)
      break;
    if (i->second.busy())
      touch(st, i->second, now); // a command outlasted the idle timeout
    else
      passivate(self, stats, i);
  }
}

void passivate_moved(router_self self, router_stats& stats,
                     const cluster::ownership& own) {
  auto& st = self->state;
  std::vector<bool> local(static_cast<size_t>(own.slice_count()), false);
  for (auto s : own.owned())
    local[static_cast<size_t>(s)] = true;
  std::vector<std::unordered_map<std::string, router_state::entry>::iterator>
    moved;
  for (auto i = st.alive.begin(); i != st.alive.end(); ++i) {
    auto slice = cluster::slice_of(st.aggregate_type + "-" + i->first,
                                   own.slice_count());
    if (!local[static_cast<size_t>(slice)] && !i->second.busy())
      moved.push_back(i);
  }
  for (auto i : moved)
    passivate(self, stats, i);
}

} // namespace detail

namespace {

using namespace detail;

/// Finds or spawns the actor of an aggregate that is not stopping, and
/// counts the command that goes to it as in flight.
aggregate_actor actor_for(router_self self, const command_envelope& cmd) {
  auto& st = self->state;
  auto now = std::chrono::steady_clock::now();
  auto i = st.alive.find(cmd.aggregate_id);
  if (i == st.alive.end()) {
    router_state::entry e;
    e.in_flight = std::make_shared<std::atomic<int64_t>>(0);
    e.actor = spawn_aggregate(self, cmd.stream_id(), st.make_model, st.ctx,
                              e.in_flight);
    e.last_used = now;
    i = st.alive.emplace(cmd.aggregate_id, std::move(e)).first;
    st.lru.push_front(&i->first);
    i->second.lru_pos = st.lru.begin();
    st.stats->spawned.fetch_add(1, std::memory_order_relaxed);
    st.stats->alive.store(st.alive.size(), std::memory_order_relaxed);
  } else {
    touch(st, i->second, now);
  }
  i->second.in_flight->fetch_add(1, std::memory_order_relaxed);
  auto dest = i->second.actor;
  enforce_limit(self, *st.stats, st.cfg.max_alive, st.cfg.min_idle_to_evict);
  return dest;
}

/// A passivated actor is down: the commands held for its aggregate go to a
/// new actor, in the order they came.
void release_held(router_self self, const caf::actor_addr& source) {
  auto& st = self->state;
  auto i = st.stopping_ids.find(source);
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
    rp.delegate(actor_for(self, cmd), command_atom::value, std::move(cmd));
  }
}

/// Delegates `cmd` to its aggregate's actor, which answers the sender
/// directly (no second hop through the router, which every command of the
/// type passes); holds it while that actor is stopping.
caf::result<command_result> route(router_self self, command_envelope& cmd) {
  auto& st = self->state;
  if (cmd.aggregate_type != st.aggregate_type)
    return make_error(errc::invalid_argument,
                      "command " + cmd.type + " is for aggregate type '"
                        + cmd.aggregate_type + "', this router serves '"
                        + st.aggregate_type + "'");
  if (auto err = validate_stream_id(cmd.stream_id()))
    return err;
  auto rp = self->make_response_promise<command_result>();
  if (auto& own = st.ctx->ownership) {
    if (auto fence = own->fence_for(cmd.stream_id()); !fence) {
      // Another node's slice: passed on once, never back and forth.
      if (!cmd.forwarded && st.ctx->forwarder)
        rp.delegate(st.ctx->forwarder, command_atom::value, std::move(cmd));
      else
        rp.deliver(std::move(fence.error()));
      return rp;
    }
  }
  if (auto s = st.stopping.find(cmd.aggregate_id); s != st.stopping.end()) {
    if (!try_hold(st, st.cfg, s->second, cmd, rp)) {
      st.stats->held_refused.fetch_add(1, std::memory_order_relaxed);
      rp.deliver(make_error(errc::overloaded,
                            "too many commands wait for stopping aggregates "
                            "of type '"
                              + st.aggregate_type + "'"));
    }
    return rp;
  }
  rp.delegate(actor_for(self, cmd), command_atom::value, std::move(cmd));
  return rp;
}

/// A child that failed (it answered its commands) is forgotten; its
/// aggregate's next command spawns a new one.
void forget(router_self self, const std::string& stream_id,
            const caf::actor_addr& who) {
  auto& st = self->state;
  auto id = stream_id.substr(std::min(stream_id.size(),
                                      st.aggregate_type.size() + 1));
  auto i = st.alive.find(id);
  if (i == st.alive.end() || i->second.actor.address() != who)
    return;
  st.lru.erase(i->second.lru_pos);
  st.alive.erase(i);
  st.stats->alive.store(st.alive.size(), std::memory_order_relaxed);
}

router_actor::behavior_type
router_behavior(router_self self, std::string aggregate_type,
                aggregate_context context, router_config cfg,
                std::shared_ptr<router_stats> stats,
                aggregate_model_factory make_model) {
  // Aggregate actors are not linked to the router: a link is an entry in
  // the router's attachables, which CAF scans to remove one, so passivating
  // among N live actors would cost O(N). A failing actor says it is gone
  // (`gone_atom`); the router stops its actors when it stops.
  context.router = self->address();
  context.log = or_default(std::move(context.log));
  auto& st = self->state;
  st.aggregate_type = std::move(aggregate_type);
  st.ctx = std::make_shared<const aggregate_context>(std::move(context));
  st.cfg = cfg;
  st.stats = std::move(stats);
  st.make_model = make_model;
  self->delayed_send(self, cfg.tick_interval, tick_atom::value);
  self->set_exit_handler([self](caf::exit_msg& msg) {
    auto reason = msg.reason ? msg.reason
                             : caf::error{caf::exit_reason::user_shutdown};
    stop_all(self, self->state.aggregate_type, reason);
    self->quit(reason);
  });
  // A bug in the router ends it too; its actors must not outlive it.
  self->set_exception_handler(
    [self](caf::scheduled_actor*, std::exception_ptr&) -> caf::error {
      caf::error reason{caf::exit_reason::unhandled_exception};
      stop_all(self, self->state.aggregate_type, reason);
      return reason;
    });
  self->set_down_handler(
    [self](caf::down_msg& msg) { release_held(self, msg.source); });
  return {
    [self](command_atom, command_envelope& cmd) { return route(self, cmd); },
    [self](gone_atom, const std::string& stream_id,
           const caf::actor_addr& who) { forget(self, stream_id, who); },
    [self](tick_atom) {
      auto& st = self->state;
      passivate_idle(self, *st.stats, st.cfg.idle_timeout);
      // Their state may be stale by the time the slice comes back.
      if (st.ctx->ownership)
        passivate_moved(self, *st.stats, *st.ctx->ownership);
      // Actors kept over `max_alive` while they were busy or recent.
      enforce_limit(self, *st.stats, st.cfg.max_alive,
                    st.cfg.min_idle_to_evict);
      self->delayed_send(self, st.cfg.tick_interval, tick_atom::value);
    },
  };
}

} // namespace

router_actor spawn_router(caf::actor_system& sys, std::string aggregate_type,
                          aggregate_context ctx, router_config cfg,
                          std::shared_ptr<router_stats> stats,
                          aggregate_model_factory make_model) {
  return sys.spawn(router_behavior, std::move(aggregate_type), std::move(ctx),
                   cfg, std::move(stats), make_model);
}

} // namespace mink
