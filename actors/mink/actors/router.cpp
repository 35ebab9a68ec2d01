#include "mink/actors/router.hpp"

#include <algorithm>

namespace mink::detail {

void passivate(router_self* self, router_stats& stats,
               std::unordered_map<std::string, router_state::entry>::iterator i) {
  auto& st = self->state;
  // Commands already sent to it come before this message and are answered
  // first; its state lives in the store and comes back on the next command.
  // Unlinked and monitored instead: its down message releases the commands
  // that arrive for its aggregate meanwhile (see router_state::stopping).
  auto& actor = i->second.actor;
  self->unlink_from(actor);
  self->monitor(actor);
  st.stopping_ids.emplace(actor.address(), i->first);
  st.stopping.emplace(i->first, router_state::stopping_entry{actor, {}});
  self->send(actor, passivate_atom::value);
  st.lru.erase(i->second.lru_pos);
  st.alive.erase(i);
  stats.passivated.fetch_add(1, std::memory_order_relaxed);
  stats.alive.store(st.alive.size(), std::memory_order_relaxed);
}

void enforce_limit(router_self* self, router_stats& stats, size_t max_alive) {
  auto& st = self->state;
  while (st.alive.size() > std::max<size_t>(max_alive, 1))
    passivate(self, stats, st.alive.find(st.lru.back()));
}

void passivate_idle(router_self* self, router_stats& stats,
                    std::chrono::milliseconds idle_timeout) {
  auto& st = self->state;
  auto deadline = std::chrono::steady_clock::now() - idle_timeout;
  while (!st.lru.empty()) {
    auto i = st.alive.find(st.lru.back());
    // The list is ordered by use, so the first recent one ends the scan.
    if (i->second.last_used > deadline)
      break;
    passivate(self, stats, i);
  }
}

} // namespace mink::detail
