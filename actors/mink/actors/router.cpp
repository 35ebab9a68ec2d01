#include "mink/actors/router.hpp"

#include <algorithm>

namespace mink::detail {

void passivate(router_self* self, router_stats& stats,
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

void enforce_limit(router_self* self, router_stats& stats, size_t max_alive,
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
              caf::response_promise& rp) {
  auto bytes = footprint(cmd);
  if (st.held_commands >= cfg.max_held_commands
      || st.held_bytes + bytes > cfg.max_held_bytes)
    return false;
  st.held_commands += 1;
  st.held_bytes += bytes;
  s.held.emplace_back(std::move(cmd), rp);
  return true;
}

void stop_all(router_self* self, const std::string& aggregate_type,
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

void passivate_idle(router_self* self, router_stats& stats,
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

} // namespace mink::detail
