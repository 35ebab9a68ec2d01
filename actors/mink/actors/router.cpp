#include "mink/actors/router.hpp"

namespace mink::detail {

void passivate(router_self* self, router_stats& stats,
               std::unordered_map<std::string, router_state::entry>::iterator i) {
  auto& st = self->state;
  // The actor has no command in flight, so nothing waits in its mailbox;
  // its state lives in the store and comes back on the next command.
  self->unlink_from(i->second.actor);
  self->send_exit(i->second.actor, caf::exit_reason::user_shutdown);
  st.lru.erase(i->second.lru_pos);
  st.alive.erase(i);
  stats.passivated.fetch_add(1, std::memory_order_relaxed);
  stats.alive.store(st.alive.size(), std::memory_order_relaxed);
}

void enforce_limit(router_self* self, router_stats& stats, size_t max_alive) {
  auto& st = self->state;
  auto pos = st.lru.end();
  while (st.alive.size() > max_alive && pos != st.lru.begin()) {
    --pos;
    auto i = st.alive.find(*pos);
    if (i->second.in_flight != 0)
      continue;
    auto next = std::next(pos);
    passivate(self, stats, i);
    pos = next;
  }
}

void passivate_idle(router_self* self, router_stats& stats,
                    std::chrono::milliseconds idle_timeout) {
  auto& st = self->state;
  auto deadline = std::chrono::steady_clock::now() - idle_timeout;
  auto pos = st.lru.end();
  while (pos != st.lru.begin()) {
    --pos;
    auto i = st.alive.find(*pos);
    // The list is ordered by use, so the first recent one ends the scan.
    if (i->second.last_used > deadline)
      break;
    if (i->second.in_flight != 0)
      continue;
    auto next = std::next(pos);
    passivate(self, stats, i);
    pos = next;
  }
}

} // namespace mink::detail
